// A bee-queue worker process for the benchmark: one Queue on QUEUE processing at CONCURRENCY
// with a processor that does nothing, with bee-queue's lean options (no job storage, no
// events, jobs removed on success). Prints "ready" once connected. With "paused" it waits
// for a line "go" on stdin before it starts taking jobs (the pre-filled run: connected and
// loaded, but not yet processing, as BullMQ's paused queue). Closes on SIGTERM.
//   node bench/lib/bee-worker.mjs QUEUE CONCURRENCY REDIS_URL [paused]
import Queue from "bee-queue";
import { beeSettings } from "./bee-settings.mjs";

const [queueName, concurrency, url, paused] = process.argv.slice(2);
const queue = new Queue(queueName, beeSettings(url, { isWorker: true }));
queue.on("error", (e) => process.stderr.write(`bee-queue worker: ${e.message}\n`));
await queue.ready();

function start() {
  queue.process(Number(concurrency), async () => {});
}

if (paused === "paused") {
  let seen = "";
  const onData = (chunk) => {
    seen += chunk;
    if (seen.includes("go\n")) {
      process.stdin.off("data", onData);
      start();
    }
  };
  process.stdin.on("data", onData);
} else {
  start();
}
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await queue.close();
  process.exit(0);
});

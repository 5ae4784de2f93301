// A BullMQ worker process for the benchmark: one Worker on QUEUE with CONCURRENCY and a
// processor that does nothing. Prints "ready" once connected; closes on SIGTERM.
//   node bench/lib/bullmq-worker.mjs QUEUE CONCURRENCY REDIS_URL
import { Worker } from "bullmq";

const [queueName, concurrency, url] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const worker = new Worker(queueName, async () => {}, {
  connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
  concurrency: Number(concurrency),
});
worker.on("error", (e) => process.stderr.write(`bullmq worker: ${e.message}\n`));
await worker.waitUntilReady();
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await worker.close();
  process.exit(0);
});

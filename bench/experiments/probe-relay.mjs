// The floor under a closed-loop job: the shortest path one can take through Redis. This
// process LPUSHes an id, a relay process blocked in BLMOVE wakes and LPUSHes an answer, and
// the BLPOP waiting for it here wakes: four one-way trips and no work. Prints PING's round
// trip beside it. Not run by `npm run bench`. N (3000) relays.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { startRedis } from "../lib/redis.mjs";

if (process.argv[2] === "relay") {
  const redis = new Redis(process.argv[3]);
  for (;;) {
    const id = await redis.blmove("relay:queue", "relay:taken", "RIGHT", "LEFT", 0);
    await redis.lpush(`relay:answer:${id}`, "ok");
  }
}

const N = Number(process.env.N ?? 3000);
const server = await startRedis();
const relay = spawn(process.execPath, [fileURLToPath(import.meta.url), "relay", server.url], {
  stdio: "inherit",
});
const submitter = new Redis(server.url);
const waiter = new Redis(server.url);
const p50 = (times) => {
  const sorted = times.sort((a, b) => a - b);
  return (sorted[Math.floor(sorted.length / 2)] * 1000).toFixed(0);
};
const pings = [];
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  await submitter.ping();
  pings.push(performance.now() - t0);
}
const relays = [];
for (let i = 0; i < N + 500; i++) {
  const t0 = performance.now();
  const answered = waiter.blpop(`relay:answer:${i}`, 5);
  await submitter.lpush("relay:queue", String(i));
  if ((await answered) === null) throw new Error(`relay ${i} not answered`);
  if (i >= 500) relays.push(performance.now() - t0);
}
console.log(
  `PING p50 ${p50(pings)} µs; relay (LPUSH → BLMOVE → LPUSH → BLPOP) p50 ${p50(relays)} µs`,
);
relay.kill();
submitter.disconnect();
waiter.disconnect();
await server.stop();

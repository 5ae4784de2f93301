// BullMQ's side of the closed-loop probe: the same loop as `probe-closed-loop.mjs` (add, wait
// until finished, after a warm-up) against one BullMQ worker process, so a trace or a
// profile of both systems can be taken the same way. Not run by `npm run bench`.
// `node bench/experiments/probe-bull-closed-loop.mjs`; N (2000) measured, WARM (1000) before.
import { startRedis } from "../lib/redis.mjs";
import { Bull, processCpuUs, redisCpuUs } from "../lib/systems.mjs";

const N = Number(process.env.N ?? 2000);
const WARM = Number(process.env.WARM ?? 1000);
const redis = await startRedis();
const bull = new Bull(redis.url);
await bull.start(1);
for (let i = 0; i < WARM; i++) await bull.once();
const times = [];
const client0 = process.cpuUsage();
const worker0 = processCpuUs(bull.child.pid);
const redis0 = await redisCpuUs(redis.url);
for (let i = 0; i < N; i++) times.push(await bull.once());
const clientCpu = process.cpuUsage(client0);
const workerUs = (processCpuUs(bull.child.pid) - worker0) / N;
const redisUs = ((await redisCpuUs(redis.url)) - redis0) / N;
times.sort((a, b) => a - b);
const at = (q) => times[Math.floor(N * q)].toFixed(3);
console.log(
  `BullMQ: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms; CPU per job: client ${((clientCpu.user + clientCpu.system) / N).toFixed(0)} us, worker ${workerUs.toFixed(0)} us, Redis ${redisUs.toFixed(0)} us`,
);
await bull.stop();
await redis.stop();

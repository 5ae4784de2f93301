// Our side only, one job at a time (no BullMQ): p50/p90 of `client.run` and CPU per job of
// the client, the runner and Redis, after a warm-up. For measuring one change quickly; not run
// by `npm run bench`. Needs a build. `node bench/experiments/probe-closed-loop.mjs [noop|rhai]`;
// N (2000) jobs measured, WARM (1000) before; PROF=1 writes the runner's CPU profile to
// /tmp/horus-prof.
import { processCpuUs, redisCpuUs } from "../lib/systems.mjs";
import { probeWorld } from "./probe-lib.mjs";

const kind = process.argv[2] ?? "noop";
const N = Number(process.env.N ?? 2000);
const WARM = Number(process.env.WARM ?? 1000);
const world = await probeWorld(kind);
const { client, redis } = world;
const prof = process.env.RUNNER_FLAGS
  ? process.env.RUNNER_FLAGS.split(" ")
  : process.env.PROF
    ? ["--cpu-prof", "--cpu-prof-dir=/tmp/horus-prof"]
    : [];
const child = await world.startRunner(prof);
async function once() {
  const job = world.job();
  const t0 = performance.now();
  const record = await client.run(job);
  if (record.status !== "finished") throw new Error(JSON.stringify(record));
  return performance.now() - t0;
}
for (let i = 0; i < WARM; i++) await once();
const times = [];
const client0 = process.cpuUsage();
const runner0 = processCpuUs(child.pid);
const redis0 = await redisCpuUs(redis.url);
for (let i = 0; i < N; i++) times.push(await once());
const clientCpu = process.cpuUsage(client0);
const runnerUs = (processCpuUs(child.pid) - runner0) / N;
const redisUs = ((await redisCpuUs(redis.url)) - redis0) / N;
times.sort((a, b) => a - b);
const at = (q) => times[Math.floor(N * q)].toFixed(3);
console.log(
  `${kind}: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms; CPU per job: client ${((clientCpu.user + clientCpu.system) / N).toFixed(0)} us (signing included), runner ${runnerUs.toFixed(0)} us, Redis ${redisUs.toFixed(0)} us`,
);
await world.close(child);

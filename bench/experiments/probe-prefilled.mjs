// Our side only, from a pre-filled queue (no BullMQ): jobs/s and CPU per job of the runner and
// of Redis. For measuring one change quickly; not run by `npm run bench`. Needs a build.
// `node bench/experiments/probe-prefilled.mjs [noop|rhai]`; N (20000) jobs, C (10) concurrency.
import { processCpuUs, redisCpuUs } from "../lib/systems.mjs";
import { probeWorld } from "./probe-lib.mjs";
import { threadCpuDelta, threadCpuUs } from "./thread-cpu.mjs";

/** Redis's per-command call counts and µs (commands a script calls are counted too). */
async function commandStats(r) {
  const out = new Map();
  for (const line of (await r.info("commandstats")).split("\n")) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (m) out.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}

function printStatsDelta(before, after, n) {
  const rows = [];
  for (const [name, a] of after) {
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) rows.push([name, (a.calls - b.calls) / n, (a.usec - b.usec) / n]);
  }
  rows.sort((x, y) => y[2] - x[2]);
  for (const [name, calls, usec] of rows)
    console.log(
      `  ${name.padEnd(16)} ${calls.toFixed(2).padStart(6)} calls/job ${usec.toFixed(2).padStart(7)} us/job`,
    );
}

const kind = process.argv[2] ?? "noop";
const N = Number(process.env.N ?? 20000);
const C = Number(process.env.C ?? 10);
const world = await probeWorld(kind);
const { client, redis } = world;
const ids = [];
for (let i = 0; i < N; i++) {
  const job = world.job();
  ids.push(job.id);
  await client.store.store(job);
}
const staging = "probe:staging";
for (let i = 0; i < N; i += 1000)
  await client.store.redis.lpush(staging, ...ids.slice(i, i + 1000));
const flags = process.env.RUNNER_FLAGS ? process.env.RUNNER_FLAGS.split(" ") : [];
const child = await world.startRunner(flags, C);
const runner0 = processCpuUs(child.pid);
const threads0 = threadCpuUs(child.pid);
const redis0 = await redisCpuUs(redis.url);
const stats0 = await commandStats(client.store.redis);
const t0 = performance.now();
await client.store.redis.rename(staging, client.store.keys.queue("probe"));
const last = client.store.keys.job(ids[N - 1]);
for (;;) {
  const status = await client.store.redis.hget(last, "status");
  const queued = await client.store.redis.llen(client.store.keys.queue("probe"));
  if (queued === 0 && (status === "finished" || status === "error")) break;
  await new Promise((r) => setTimeout(r, 5));
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  `${kind}: ${(N / seconds).toFixed(0)} jobs/s; CPU per job: runner ${((processCpuUs(child.pid) - runner0) / N).toFixed(0)} us, Redis ${(((await redisCpuUs(redis.url)) - redis0) / N).toFixed(0)} us`,
);
if (process.env.STATS) printStatsDelta(stats0, await commandStats(client.store.redis), N);
console.log(`runner threads, µs per job: ${threadCpuDelta(threads0, threadCpuUs(child.pid), N)}`);
await world.close(child);

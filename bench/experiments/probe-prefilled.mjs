// Our side only, from a pre-filled queue (no BullMQ): jobs/s and CPU per job of the runner and
// of Redis. For measuring one change quickly; not run by `npm run bench`. Needs a build.
// `node bench/experiments/probe-prefilled.mjs [noop|rhai]`; N (20000) jobs, C (10) concurrency.
import { spawn } from "node:child_process";
import { HorusClient } from "../../dist/client/index.js";
import { generateKeyPair } from "../../dist/job/index.js";
import { startRedis } from "../lib/redis.mjs";
import { processCpuUs, ROOT, redisCpuUs } from "../lib/systems.mjs";

const kind = process.argv[2] ?? "noop";
const N = Number(process.env.N ?? 20000);
const C = Number(process.env.C ?? 10);
const redis = await startRedis();
const keys = generateKeyPair();
const client = new HorusClient({ redisUrl: redis.url });
await client.ready();
const payload = kind === "rhai" ? "1 + 1" : "";
const ids = [];
for (let i = 0; i < N; i++) {
  const job = HorusClient.signedJob({ payload, runner: "probe", timeout: 60 }, [keys.private_key]);
  ids.push(job.id);
  await client.store.store(job);
}
const staging = "probe:staging";
for (let i = 0; i < N; i += 1000)
  await client.store.redis.lpush(staging, ...ids.slice(i, i + 1000));
const script = kind === "rhai" ? "dist/cli/runner_sal.js" : "test/fixtures/test-runner.mjs";
const child = spawn(
  process.execPath,
  [
    script,
    "probe",
    "--redis-url",
    redis.url,
    "--concurrency",
    String(C),
    "--trusted-keys",
    keys.public_key,
    "--log-level",
    "warn",
  ],
  { cwd: ROOT, stdio: "inherit" },
);
while ((await client.runners("probe")).length === 0) await new Promise((r) => setTimeout(r, 20));
const runner0 = processCpuUs(child.pid);
const redis0 = await redisCpuUs(redis.url);
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
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await client.close();
await redis.stop();

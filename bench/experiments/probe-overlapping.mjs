// Producer and worker overlapping, as `npm run bench`'s first rows, for one system at a time:
// jobs/s and the CPU per job of this process (the producer; ours signs here), the worker
// process and Redis, whose sum is what the 2 cores have to give each job. For measuring one
// change quickly; not run by `npm run bench`. Needs a build.
// `node bench/experiments/probe-overlapping.mjs [ours|rhai|bull]`; N (20000) jobs, C (10)
// concurrency, INFLIGHT (200) submits outstanding.
import { generateKeyPair } from "../../dist/job/index.js";
import { startRedis } from "../lib/redis.mjs";
import { Bull, Ours, processCpuUs, redisCpuUs } from "../lib/systems.mjs";

const kind = process.argv[2] ?? "ours";
const N = Number(process.env.N ?? 20000);
const C = Number(process.env.C ?? 10);
const INFLIGHT = Number(process.env.INFLIGHT ?? 200);
const redis = await startRedis();
const system =
  kind === "bull"
    ? new Bull(redis.url)
    : new Ours(redis.url, generateKeyPair(), kind === "rhai" ? "rhai" : "noop");
await system.start(C);
const producer0 = process.cpuUsage();
const worker0 = processCpuUs(system.child.pid);
const redis0 = await redisCpuUs(redis.url);
const t0 = performance.now();
const ids = await system.produce(N, INFLIGHT);
const produced = process.cpuUsage(producer0);
await system.waitAll(ids);
const seconds = (performance.now() - t0) / 1000;
const worker = processCpuUs(system.child.pid) - worker0;
const server = (await redisCpuUs(redis.url)) - redis0;
const us = (n) => (n / N).toFixed(0);
const producer = produced.user + produced.system;
console.log(
  `${system.name}: ${(N / seconds).toFixed(0)} jobs/s; CPU per job: producer ${us(producer)} us, worker ${us(worker)} us, Redis ${us(server)} us, sum ${us(producer + worker + server)} us`,
);
await system.stop();
await redis.stop();

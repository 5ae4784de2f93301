// What it costs to start a runner_sal sandbox worker: CPU (every thread of this process)
// and wall time from `new Worker` to the worker's "ready", for a worker with the SAL
// modules and for one with no host module (the engine alone), median of BENCH_RUNS starts
// each, one at a time. Then `runner_sal --concurrency 10` (11 workers) from spawn to its
// "runner started" line, wall time and the child's CPU read from /proc at that moment.
// The SAL modules are imported on this thread first, as the runner's main thread does, so
// a worker row counts only the worker's own imports and registration.
// Needs a build and Redis on 127.0.0.1:6379: `npm run build && node bench/sal-start.mjs`.
// BENCH_DIST points at another build (to compare); BENCH_RUNS sets the count (default 7).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

const dist = new URL(process.env.BENCH_DIST ?? "../dist/", import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const REDIS_URL = process.env.HORUS_REDIS_URL ?? "redis://127.0.0.1:6379";

const { salModuleSpecs } = await import(new URL("sal/index.js", dist).href);
// From the sandbox's own files: its index exports only what the runners use (6529685 took
// these out of it, and this import by URL is one no tool sees).
const { defaultWorkerUrl } = await import(new URL("sandbox/sandbox.js", dist).href);
const { engineLimits, DEFAULT_LOG_LIMITS, DEFAULT_HEAP_MB } = await import(
  new URL("sandbox/limits.js", dist).href
);
const { generateKeyPair } = await import(new URL("job/index.js", dist).href);
const { Worker, MessageChannel } = await import("node:worker_threads");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = (u) => (u.user + u.system) / 1000;

/** One worker, started the way the pool starts it; resolves with its CPU and wall in ms. */
function startOneWorker(modules) {
  const channel = new MessageChannel();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = new Worker(defaultWorkerUrl(), {
    workerData: {
      modules,
      limits: engineLimits(),
      logLimits: DEFAULT_LOG_LIMITS,
      bridgeState: new SharedArrayBuffer(4),
      replyPort: channel.port2,
    },
    transferList: [channel.port2],
    resourceLimits: { maxOldGenerationSizeMb: DEFAULT_HEAP_MB },
  });
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (msg) => {
      if (msg.type !== "ready") return;
      const wall = performance.now() - t0;
      const cpu = cpuMs(process.cpuUsage(cpu0));
      channel.port1.close();
      worker.terminate().then(() => resolve({ cpu, wall }), reject);
    });
  });
}

async function workerRow(label, modules) {
  await startOneWorker(modules); // the first start also warms the compile cache
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startOneWorker(modules));
  const row = {
    label,
    cpu_ms: median(runs.map((r) => r.cpu)),
    wall_ms: median(runs.map((r) => r.wall)),
  };
  console.log(`${label.padEnd(24)} cpu ${fmt(row.cpu_ms)} ms   wall ${fmt(row.wall_ms)} ms`);
  return row;
}

/** CPU (user + system) of a child so far, from /proc, in ms. */
function childCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime (fields 14 and 15 of stat) are in clock ticks, 100 a second on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `runner_sal --concurrency N` from spawn to "runner started"; then stopped. */
function runnerStart(concurrency, publicKey) {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      new URL("cli/runner_sal.js", dist).pathname,
      `bench-sal-start-${randomUUID().slice(0, 8)}`,
      "--concurrency",
      String(concurrency),
      "--trusted-keys",
      publicKey,
      "--namespace",
      `bench-sal-start-${randomUUID().slice(0, 8)}`,
      "--redis-url",
      REDIS_URL,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    let measured;
    child.on("error", reject);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (measured === undefined && out.includes("runner started")) {
        measured = { wall: performance.now() - t0, cpu: childCpuMs(child.pid) };
        child.kill("SIGTERM");
      }
    });
    child.on("exit", (code) => {
      if (measured) resolve(measured);
      else reject(new Error(`runner_sal exited (${code}) before it started:\n${out}`));
    });
  });
}

function fmt(ms) {
  return ms.toFixed(0).padStart(5);
}

const specs = salModuleSpecs({});
// Import the modules on this thread first, as the runner's main thread does.
for (const spec of specs) await import(spec.url.href);
const salModules = specs.map((s) => ({ href: s.url.href, options: {} }));

console.log(`one worker, from new Worker to ready (median of ${RUNS})`);
const bare = await workerRow("no host module", []);
const sal = await workerRow("SAL modules", salModules);
console.log(`SAL share of a worker start: ${fmt(sal.cpu_ms - bare.cpu_ms)} ms CPU\n`);

const publicKey = generateKeyPair().public_key;
const runnerRuns = [];
const runnerCount = Math.max(3, Math.ceil(RUNS / 2));
for (let i = 0; i < runnerCount; i++) runnerRuns.push(await runnerStart(10, publicKey));
console.log(
  `runner_sal --concurrency 10 to "runner started" (median of ${runnerCount}):` +
    ` cpu ${fmt(median(runnerRuns.map((r) => r.cpu)))} ms   wall ${fmt(median(runnerRuns.map((r) => r.wall)))} ms`,
);

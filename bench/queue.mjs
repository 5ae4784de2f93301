// Our runner beside its peers on the same work, on a Redis of the benchmark's own: BullMQ
// and bee-queue (lean options) as shipped, and BullMQ doing what we do per job (the producer
// signs each job with our signing, the worker verifies it). Throughput (producer and worker
// overlapping, one job per call or in batches of 200, and from a pre-filled queue, with the
// CPU each job costs the worker process and Redis), latency one job at a time and at a
// steady rate, our runner with its metrics on, and Rhai jobs (`1 + 1`, answered inline, and
// a small real job that goes through a sandbox worker). The systems of a scenario take turns
// in one run (the first of them rotates every round), each run on an emptied store with a
// fresh worker process; the tables show medians with min–max, and the last one the issue's
// targets (#25, #24), met or not.
// Needs a build (`npm run bench` makes one). Knobs: BENCH_JOBS (20000: the concurrency 10
// and bulk runs the targets are about), BENCH_SMALL_JOBS (5000: the other throughput runs,
// to stay within the time `npm run bench` may take), BENCH_REPEAT (3), BENCH_LATENCY_JOBS
// (1000), BENCH_RATE_JOBS (600), BENCH_INFLIGHT (200), BENCH_BATCH (200: jobs per bulk
// call), BENCH_WARMUP (1000: jobs before a latency run measures), BENCH_THROUGHPUT_WARMUP
// (5000: the same for the warmed-up throughput row), BENCH_SCRAPE_MS (1000: how often the
// metrics-on runner is scraped), BENCH_METRICS_PAIRS (6: metrics off/on pairs), BENCH_ONLY (a pattern of scenario labels), BENCH_VERBOSE.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { generateKeyPair } from "../dist/job/index.js";
import { startRedis } from "./lib/redis.mjs";
import { quantile, sleep, sortedCopy } from "./lib/stats.mjs";
import { BeeQueue, Bull, flush, Ours, processCpuUs, ROOT, redisCpuUs } from "./lib/systems.mjs";
import { formatTable, resultRows, targetRows } from "./lib/table.mjs";

const env = process.env;
const JOBS = Number(env.BENCH_JOBS ?? 20_000);
const SMALL_JOBS = Number(env.BENCH_SMALL_JOBS ?? 5000);
const REPEAT = Number(env.BENCH_REPEAT ?? 3);
const LATENCY_JOBS = Number(env.BENCH_LATENCY_JOBS ?? 1000);
const RATE = 200;
const RATE_JOBS = Number(env.BENCH_RATE_JOBS ?? 600);
const INFLIGHT = Number(env.BENCH_INFLIGHT ?? 200);
const BATCH = Number(env.BENCH_BATCH ?? 200);
const METRICS_PAIRS = Number(env.BENCH_METRICS_PAIRS ?? 6);
// Jobs each latency run sends before it measures, the same for both systems: a runner is a
// long-lived process, and its steady state is what a user waits on. 100 left ours (and
// BullMQ less so) still compiling: 0.55 ms closed-loop p50 after 100, 0.43 after 1000.
const WARMUP = Number(env.BENCH_WARMUP ?? 1000);
// Jobs the warmed-up throughput row sends through each fresh worker before it measures.
const THROUGHPUT_WARMUP = Number(env.BENCH_THROUGHPUT_WARMUP ?? 5000);

const redis = await startRedis();
const keys = generateKeyPair();

/** Runs `measure` on a fresh store with a fresh worker process of `system` at `concurrency`. */
async function session(system, concurrency, measure, options = {}) {
  await flush(redis.url);
  await system.start(concurrency, options);
  try {
    return await measure(system);
  } finally {
    await system.stop();
  }
}

/** Jobs/s from the first job produced (one per call, INFLIGHT outstanding) to the last end. */
async function throughput(system, concurrency, n, warmup = 0) {
  return session(system, concurrency, async (s) => {
    if (warmup > 0) await s.waitAll(await s.produce(warmup, INFLIGHT));
    const t0 = performance.now();
    const handle = await s.produce(n, INFLIGHT);
    await s.waitAll(handle);
    return n / ((performance.now() - t0) / 1000);
  });
}

/** The same with the jobs produced in batches of BATCH, one batch at a time. */
async function bulkThroughput(system, concurrency, n) {
  return session(system, concurrency, async (s) => {
    const t0 = performance.now();
    const handle = await s.produceBulk(n, BATCH);
    await s.waitAll(handle);
    return n / ((performance.now() - t0) / 1000);
  });
}

/**
 * From a full queue: the rate, and the CPU time per job of the worker process and of Redis
 * (less sensitive than wall time to whatever else the machine is doing).
 */
async function prefilled(system, concurrency, n) {
  return session(
    system,
    concurrency,
    async (s) => {
      const { ids, release } = await s.prefill(n);
      const worker0 = processCpuUs(s.child.pid);
      const redis0 = await redisCpuUs(redis.url);
      const t0 = performance.now();
      await release();
      await s.waitAll(ids);
      const rate = n / ((performance.now() - t0) / 1000);
      return {
        rate,
        workerUs: (processCpuUs(s.child.pid) - worker0) / n,
        redisUs: ((await redisCpuUs(redis.url)) - redis0) / n,
      };
    },
    { paused: true },
  );
}

/** Closed loop: the next job is submitted when the last one has ended. p50 and p99, ms. */
async function closedLoop(system) {
  return session(system, 1, async (s) => {
    for (let i = 0; i < WARMUP; i++) await s.once();
    const times = [];
    for (let i = 0; i < LATENCY_JOBS; i++) times.push(await s.once());
    const sorted = sortedCopy(times);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  });
}

/** Open loop at RATE jobs/s, whatever the previous jobs are doing. p50 and p99, ms. */
async function steadyRate(system) {
  return session(system, 1, async (s) => {
    for (let i = 0; i < WARMUP; i++) await s.once();
    const times = [];
    const pending = [];
    const t0 = performance.now();
    for (let i = 0; i < RATE_JOBS; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      pending.push(s.once().then((ms) => times.push(ms)));
    }
    await Promise.all(pending);
    const sorted = sortedCopy(times);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  });
}

const ours = new Ours(redis.url, keys, "noop");
const oursMetrics = new Ours(redis.url, keys, "noop", { metrics: true });
const oursRhai = new Ours(redis.url, keys, "rhai");
const oursRhaiJob = new Ours(redis.url, keys, "rhai-job");
const bull = new Bull(redis.url);
const bullSigned = new Bull(redis.url, { keys });
const bee = new BeeQueue(redis.url);

const PRE = `${SMALL_JOBS} jobs, pre-filled queue, concurrency 10`;
const C10 = `${JOBS} jobs, overlapping, concurrency 10`;

// Each scenario: an id, a label, its kind ("rate": one number, higher is better; "latency":
// p50 and p99; "prefilled": rate and CPU per job), its systems as [column, system, run],
// optionally the rows it prints (default: one row, ours against each peer column it has),
// and its weight: its share of the time (the seconds it took in a full run on a loaded
// machine, load 6-17, 2026-12-07), for the time budget below. The scenarios the targets
// are about come first, so a budget cut leaves the others out.
const scenarios = [];
scenarios.push({
  id: "c10",
  label: `throughput, ${C10}`,
  kind: "rate",
  weight: 300,
  systems: [
    ["ours", ours, () => throughput(ours, 10, JOBS)],
    ["bullSigned", bullSigned, () => throughput(bullSigned, 10, JOBS)],
    ["bull", bull, () => throughput(bull, 10, JOBS)],
    ["bee", bee, () => throughput(bee, 10, JOBS)],
  ],
  rows: [
    { label: `throughput, ${C10}`, ours: "ours", bull: "bull", bee: "bee" },
    {
      label: `throughput, ${C10}, BullMQ signing and verifying as we do`,
      ours: "ours",
      bull: "bullSigned",
    },
  ],
});
scenarios.push({
  id: "bulk",
  label: `bulk: ${JOBS} jobs in batches of ${BATCH}, overlapping, concurrency 10 (ours submitMany, one signature a batch; BullMQ addBulk; bee-queue saveAll)`,
  kind: "rate",
  weight: 210,
  systems: [
    ["ours", ours, () => bulkThroughput(ours, 10, JOBS)],
    ["bull", bull, () => bulkThroughput(bull, 10, JOBS)],
    ["bee", bee, () => bulkThroughput(bee, 10, JOBS)],
  ],
});
scenarios.push({
  id: "prefilled",
  label: `throughput, ${PRE}`,
  kind: "prefilled",
  weight: 100,
  systems: [
    ["ours", ours, () => prefilled(ours, 10, SMALL_JOBS)],
    ["bull", bull, () => prefilled(bull, 10, SMALL_JOBS)],
    ["bee", bee, () => prefilled(bee, 10, SMALL_JOBS)],
  ],
});
// What metrics cost (#24): the same runner with and without --metrics-port, back to back in
// METRICS_PAIRS pairs (which goes first alternates), each pair compared on its own. A few
// runs spread over a round of five systems (as this row was until session 9) differed by
// more than the metrics cost; a pair run within seconds sees the same machine.
scenarios.push({
  id: "metrics",
  label: `metrics cost: ${PRE}, ${METRICS_PAIRS} back-to-back pairs`,
  kind: "prefilled",
  weight: 22 * METRICS_PAIRS,
  repeat: METRICS_PAIRS,
  systems: [
    ["ours", ours, () => prefilled(ours, 10, SMALL_JOBS)],
    ["oursMetrics", oursMetrics, () => prefilled(oursMetrics, 10, SMALL_JOBS)],
  ],
  rows: [
    { label: `throughput, ${PRE}, metrics off`, ours: "ours" },
    {
      label: `throughput, ${PRE}, ours with --metrics-port (scraped every second)`,
      ours: "oursMetrics",
    },
  ],
});
// bee-queue with its events off cannot tell a caller that a job ended: no latency column.
scenarios.push({
  id: "closed",
  label: "latency, closed loop",
  kind: "latency",
  weight: 130,
  systems: [
    ["ours", ours, () => closedLoop(ours)],
    ["rhai", oursRhai, () => closedLoop(oursRhai)],
    ["rhaiJob", oursRhaiJob, () => closedLoop(oursRhaiJob)],
    ["bull", bull, () => closedLoop(bull)],
  ],
  rows: [
    { label: "latency, closed loop", ours: "ours", bull: "bull" },
    { label: "Rhai 1 + 1 vs BullMQ no-op: latency, closed loop", ours: "rhai", bull: "bull" },
    { label: "Rhai job vs BullMQ no-op: latency, closed loop", ours: "rhaiJob", bull: "bull" },
  ],
});
scenarios.push({
  id: "rhai",
  label: `Rhai vs BullMQ no-op: throughput, ${SMALL_JOBS} jobs, overlapping, concurrency 10`,
  kind: "rate",
  weight: 160,
  systems: [
    ["rhai", oursRhai, () => throughput(oursRhai, 10, SMALL_JOBS)],
    ["rhaiJob", oursRhaiJob, () => throughput(oursRhaiJob, 10, SMALL_JOBS)],
    ["bull", bull, () => throughput(bull, 10, SMALL_JOBS)],
  ],
  rows: [
    {
      label: `Rhai 1 + 1 vs BullMQ no-op: throughput, ${SMALL_JOBS} jobs, overlapping, concurrency 10`,
      ours: "rhai",
      bull: "bull",
    },
    {
      label: `Rhai job vs BullMQ no-op: throughput, ${SMALL_JOBS} jobs, overlapping, concurrency 10`,
      ours: "rhaiJob",
      bull: "bull",
    },
  ],
});
for (const c of [1, 50]) {
  scenarios.push({
    id: `c${c}`,
    label: `throughput, ${SMALL_JOBS} jobs, overlapping, concurrency ${c}`,
    kind: "rate",
    weight: c === 1 ? 55 : 90,
    systems: [
      ["ours", ours, () => throughput(ours, c, SMALL_JOBS)],
      ["bull", bull, () => throughput(bull, c, SMALL_JOBS)],
      ["bee", bee, () => throughput(bee, c, SMALL_JOBS)],
    ],
  });
}
scenarios.push({
  id: "steady",
  label: `latency, steady ${RATE} jobs/s`,
  kind: "latency",
  weight: 80,
  systems: [
    ["ours", ours, () => steadyRate(ours)],
    ["bull", bull, () => steadyRate(bull)],
  ],
});
// The same after a warm-up, as the latency rows have: a runner is a long-lived process, and a
// fresh one spends its first thousands of jobs compiling (bench/RESULTS.md, session 5). It
// showed no ratio the cold row does not (session 5), and costs as much as three other
// scenarios: only with BENCH_WARMED=1.
if (env.BENCH_WARMED === "1") {
  scenarios.push({
    id: "warm",
    label: `throughput, ${C10}, after ${THROUGHPUT_WARMUP} warm-up jobs`,
    kind: "rate",
    weight: 275,
    systems: [
      ["ours", ours, () => throughput(ours, 10, JOBS, THROUGHPUT_WARMUP)],
      ["bull", bull, () => throughput(bull, 10, JOBS, THROUGHPUT_WARMUP)],
      ["bee", bee, () => throughput(bee, 10, JOBS, THROUGHPUT_WARMUP)],
    ],
  });
}

const only = env.BENCH_ONLY ? new RegExp(env.BENCH_ONLY) : undefined;
// BENCH_BUDGET_S: seconds this benchmark may take (npm run bench gives it what is left of its
// 10 minutes). A scenario is left out when the time the ones before it took, scaled by the
// weights, says it would end past the budget (the first one runs unless the budget is gone).
const BUDGET_S = env.BENCH_BUDGET_S ? Number(env.BENCH_BUDGET_S) : Number.POSITIVE_INFINITY;
const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;
const load0 = loadavg()[0];
/** Scenario id to {column: [one value per round]}. */
const results = new Map();
const skipped = [];
let weightDone = 0;
try {
  for (const sc of scenarios) {
    if (only && !only.test(sc.label)) continue;
    const estimateS = weightDone > 0 ? (elapsedS() / weightDone) * sc.weight : 0;
    if (BUDGET_S <= 0 || elapsedS() + estimateS > BUDGET_S) {
      skipped.push(sc.label);
      process.stderr.write(`[bench] ${sc.label} left out: it would end past the time budget\n`);
      continue;
    }
    const values = Object.fromEntries(sc.systems.map(([column]) => [column, []]));
    for (let rep = 0; rep < (sc.repeat ?? REPEAT); rep++) {
      // Rotate which system goes first, so drift in the machine's load hits all alike.
      const k = sc.systems.length;
      for (let j = 0; j < k; j++) {
        const [column, system, run] = sc.systems[(rep + j) % k];
        const value = await run();
        values[column].push(value);
        if (env.BENCH_VERBOSE) process.stderr.write(`  ${system.name}: ${JSON.stringify(value)}\n`);
      }
    }
    results.set(sc.id, values);
    weightDone += sc.weight;
    process.stderr.write(`[bench] ${sc.label} done (${Math.round(elapsedS())} s)\n`);
  }
} finally {
  await redis.stop();
}
const load1 = loadavg()[0];

function gitCommit() {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "bench"], {
      cwd: ROOT,
    })
      .toString()
      .trim();
    return dirty ? `${head} (+ uncommitted changes)` : head;
  } catch {
    return "unknown";
  }
}

const redisVersion = execFileSync("redis-server", ["--version"])
  .toString()
  .match(/v=(\S+)/)?.[1];
const version = async (pkg) =>
  (await import(`${pkg}/package.json`, { with: { type: "json" } })).default.version;
// BullMQ packs job options with msgpackr; its native part comes prebuilt
// (@msgpackr-extract/msgpackr-extract-linux-x64) and loads without an install script.
const msgpackrNative = createRequire(import.meta.url)("msgpackr").isNativeAccelerationEnabled;
console.log(
  `queue: ours vs BullMQ ${await version("bullmq")} (msgpackr native acceleration ${msgpackrNative ? "on" : "off"}) ` +
    `and bee-queue ${await version("bee-queue")} (storeJobs, getEvents, sendEvents off; removeOnSuccess)`,
);
console.log(
  `${new Date().toISOString()}  commit ${gitCommit()}  node ${process.version}  redis ${redisVersion}  ` +
    `${cpus().length} x ${cpus()[0]?.model ?? "?"}  load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end`,
);
console.log(
  `${LATENCY_JOBS} jobs per closed-loop run, ${RATE_JOBS} at ${RATE}/s, after ${WARMUP} warm-up; ` +
    `${REPEAT} runs each, the systems taking turns; median (min–max)`,
);
console.log(formatTable(resultRows(scenarios, results)));
console.log();
console.log(formatTable(targetRows(results)));
if (skipped.length > 0)
  console.log(`left out to stay within BENCH_BUDGET_S=${BUDGET_S}: ${skipped.join("; ")}`);
console.log(`(${Math.round(elapsedS())} s)`);

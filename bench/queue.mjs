// Our runner beside BullMQ on the same work, on a Redis of the benchmark's own: throughput
// (producer and worker overlapping, and from a pre-filled queue), latency one job at a time
// and at a steady rate, and the same for a Rhai `1 + 1` job through the sandbox. The two
// systems alternate, each scenario is repeated, and the table shows medians with min–max.
// Needs a build (`npm run bench` makes one). Knobs: BENCH_JOBS (20000: the concurrency 10
// run the target is about), BENCH_SMALL_JOBS (5000: the other throughput runs, to stay within
// the time `npm run bench` may take), BENCH_REPEAT (3), BENCH_LATENCY_JOBS (1000),
// BENCH_RATE_JOBS (600), BENCH_INFLIGHT (200), BENCH_WARMUP (1000: jobs before a latency run
// measures), BENCH_THROUGHPUT_WARMUP (5000: the same for the warmed-up throughput row),
// BENCH_ONLY (a pattern of scenario labels).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { generateKeyPair } from "../dist/job/index.js";
import { startRedis } from "./lib/redis.mjs";
import { quantile, sleep, sortedCopy, spread } from "./lib/stats.mjs";
import { Bull, flush, Ours, processCpuUs, ROOT, redisCpuUs } from "./lib/systems.mjs";

const env = process.env;
const JOBS = Number(env.BENCH_JOBS ?? 20_000);
const SMALL_JOBS = Number(env.BENCH_SMALL_JOBS ?? 5000);
const REPEAT = Number(env.BENCH_REPEAT ?? 3);
const LATENCY_JOBS = Number(env.BENCH_LATENCY_JOBS ?? 1000);
const RATE = 200;
const RATE_JOBS = Number(env.BENCH_RATE_JOBS ?? 600);
const INFLIGHT = Number(env.BENCH_INFLIGHT ?? 200);
// Jobs each latency run sends before it measures, the same for both systems: a runner is a
// long-lived process, and its steady state is what a user waits on. 100 left ours (and
// BullMQ less so) still compiling: 0.55 ms closed-loop p50 after 100, 0.43 after 1000.
const WARMUP = Number(env.BENCH_WARMUP ?? 1000);
// Jobs the warmed-up throughput row sends through each fresh worker before it measures.
const THROUGHPUT_WARMUP = Number(env.BENCH_THROUGHPUT_WARMUP ?? 5000);

const redis = await startRedis();
const keys = generateKeyPair();

/** Runs `measure` on a fresh store with a fresh worker process of `system` at `concurrency`. */
async function session(system, concurrency, measure) {
  await flush(redis.url);
  await system.start(concurrency);
  try {
    return await measure(system);
  } finally {
    await system.stop();
  }
}

async function throughput(system, concurrency, n, warmup = 0) {
  return session(system, concurrency, async (s) => {
    if (warmup > 0) await s.waitAll(await s.produce(warmup, INFLIGHT));
    const t0 = performance.now();
    const ids = await s.produce(n, INFLIGHT);
    await s.waitAll(ids);
    return n / ((performance.now() - t0) / 1000);
  });
}

/**
 * From a full queue: the rate, and the CPU time per job of the worker process and of Redis
 * (less sensitive than wall time to whatever else the machine is doing).
 */
async function prefilled(system, concurrency, n) {
  return session(system, concurrency, async (s) => {
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
  });
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
const oursRhai = new Ours(redis.url, keys, "rhai");
const bull = new Bull(redis.url);

// Each scenario: [label, unit, higher is better, [system, run] pairs, pick a number].
const scenarios = [];
for (const c of [1, 10, 50]) {
  const n = c === 10 ? JOBS : SMALL_JOBS;
  scenarios.push({
    label: `throughput, ${n} jobs, overlapping, concurrency ${c}`,
    unit: "jobs/s",
    higherBetter: true,
    runs: [
      [ours, () => throughput(ours, c, n)],
      [bull, () => throughput(bull, c, n)],
    ],
  });
}
// The same after a warm-up, as the latency rows have: a runner is a long-lived process, and a
// fresh one spends its first thousands of jobs compiling (bench/RESULTS.md, session 5).
scenarios.push({
  label: `throughput, ${JOBS} jobs, overlapping, concurrency 10, after ${THROUGHPUT_WARMUP} warm-up jobs`,
  unit: "jobs/s",
  higherBetter: true,
  runs: [
    [ours, () => throughput(ours, 10, JOBS, THROUGHPUT_WARMUP)],
    [bull, () => throughput(bull, 10, JOBS, THROUGHPUT_WARMUP)],
  ],
});
scenarios.push({
  label: `throughput, ${SMALL_JOBS} jobs, pre-filled queue, concurrency 10`,
  unit: "jobs/s",
  higherBetter: true,
  metrics: [
    ["rate", " (jobs/s)", 0],
    ["workerUs", ": worker process CPU per job (µs, lower is better)", 0],
    ["redisUs", ": Redis CPU per job (µs, lower is better)", 0],
  ],
  runs: [
    [ours, () => prefilled(ours, 10, SMALL_JOBS)],
    [bull, () => prefilled(bull, 10, SMALL_JOBS)],
  ],
});
scenarios.push({
  label: "latency, closed loop",
  unit: "ms",
  higherBetter: false,
  latency: true,
  runs: [
    [ours, () => closedLoop(ours)],
    [bull, () => closedLoop(bull)],
  ],
});
scenarios.push({
  label: `latency, steady ${RATE} jobs/s`,
  unit: "ms",
  higherBetter: false,
  latency: true,
  runs: [
    [ours, () => steadyRate(ours)],
    [bull, () => steadyRate(bull)],
  ],
});
scenarios.push({
  label: `Rhai 1 + 1 vs BullMQ no-op: throughput, ${SMALL_JOBS} jobs, overlapping, concurrency 10`,
  unit: "jobs/s",
  higherBetter: true,
  runs: [
    [oursRhai, () => throughput(oursRhai, 10, SMALL_JOBS)],
    [bull, () => throughput(bull, 10, SMALL_JOBS)],
  ],
});
scenarios.push({
  label: "Rhai 1 + 1 vs BullMQ no-op: latency, closed loop",
  unit: "ms",
  higherBetter: false,
  latency: true,
  runs: [
    [oursRhai, () => closedLoop(oursRhai)],
    [bull, () => closedLoop(bull)],
  ],
});

const only = env.BENCH_ONLY ? new RegExp(env.BENCH_ONLY) : undefined;
const started = performance.now();
const results = [];
try {
  for (const sc of scenarios) {
    if (only && !only.test(sc.label)) continue;
    const values = [[], []];
    for (let rep = 0; rep < REPEAT; rep++) {
      // Alternate which system goes first, so drift in the machine's load hits both alike.
      const order = rep % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) {
        const value = await sc.runs[k][1]();
        values[k].push(value);
        if (env.BENCH_VERBOSE)
          process.stderr.write(`  ${sc.runs[k][0].name}: ${JSON.stringify(value)}\n`);
      }
    }
    results.push({ sc, values });
    process.stderr.write(
      `[bench] ${sc.label} done (${Math.round((performance.now() - started) / 1000)} s)\n`,
    );
  }
} finally {
  await redis.stop();
}

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
const bullVersion = (await import("bullmq/package.json", { with: { type: "json" } })).default
  .version;
// BullMQ packs job options with msgpackr; its native part comes prebuilt
// (@msgpackr-extract/msgpackr-extract-linux-x64) and loads without an install script.
const msgpackrNative = createRequire(import.meta.url)("msgpackr").isNativeAccelerationEnabled;
console.log(
  `queue: ours vs BullMQ ${bullVersion} (msgpackr native acceleration ${msgpackrNative ? "on" : "off"})`,
);
console.log(
  `${new Date().toISOString()}  commit ${gitCommit()}  node ${process.version}  redis ${redisVersion}  ` +
    `${cpus().length} x ${cpus()[0]?.model ?? "?"}`,
);
console.log(
  `${LATENCY_JOBS} jobs per closed-loop run, ${RATE_JOBS} at ${RATE}/s, after ${WARMUP} warm-up; ` +
    `${REPEAT} runs each, alternating; median (min–max)`,
);
const header = ["scenario", "ours", "BullMQ", "ours/BullMQ"];
const rows = [];
for (const { sc, values } of results) {
  const [a, b] = values;
  const ratio = (x, y) => {
    const mx = quantile(
      [...x].sort((p, q) => p - q),
      0.5,
    );
    const my = quantile(
      [...y].sort((p, q) => p - q),
      0.5,
    );
    return `${(mx / my).toFixed(2)}x`;
  };
  if (sc.metrics) {
    for (const [key, suffix, digits] of sc.metrics) {
      const xa = a.map((r) => r[key]);
      const xb = b.map((r) => r[key]);
      rows.push([`${sc.label}${suffix}`, spread(xa, digits), spread(xb, digits), ratio(xa, xb)]);
    }
  } else if (sc.latency) {
    for (const q of ["p50", "p99"]) {
      const xa = a.map((r) => r[q]);
      const xb = b.map((r) => r[q]);
      rows.push([
        `${sc.label}, ${q} (ms, lower is better)`,
        spread(xa, 2),
        spread(xb, 2),
        ratio(xa, xb),
      ]);
    }
  } else {
    rows.push([`${sc.label} (jobs/s)`, spread(a), spread(b), ratio(a, b)]);
  }
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log(
  "targets: concurrency 10 overlapping >= 1.50x; closed-loop p50 <= 0.50x; Rhai 1 + 1 throughput >= 1.00x and p50 <= 1.00x",
);
console.log(`(${Math.round((performance.now() - started) / 1000)} s)`);

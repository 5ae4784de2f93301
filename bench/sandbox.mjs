// Per-job overhead of the script sandbox: a job whose script is `1 + 1`, end to end through
// `sandbox.run` (post to a warm worker, compile or reuse, evaluate, render, reply), beside the
// same script run in-process with the engine directly (same scope, same rendering).
// Needs a build: `npm run build && node bench/sandbox.mjs`. BENCH_JOBS sets the count.
import { Engine, Scope, toDisplay } from "../dist/rhai/index.js";
import { createSandbox } from "../dist/sandbox/index.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 5000);
const WARMUP = Math.max(200, Math.floor(JOBS / 10));
const SOURCE = "1 + 1";

const job = {
  source: SOURCE,
  jobId: "00000000-0000-4000-8000-000000000000",
  callerId: "bench",
  contextId: "bench",
  signatories: ["02".padEnd(66, "a")],
  envVars: { FOO: "bar" },
};

function scopeFor(j) {
  return new Scope()
    .pushConstant("JOB_ID", j.jobId)
    .pushConstant("CALLER_ID", j.callerId)
    .pushConstant("CONTEXT_ID", j.contextId)
    .pushConstant("SIGNATORIES", [...j.signatories])
    .pushConstant("ENV", new Map(Object.entries(j.envVars)));
}

/** Runs `once` WARMUP + JOBS times, one after the other; returns the JOBS timings in µs. */
async function measure(once) {
  const times = new Float64Array(JOBS);
  for (let i = 0; i < WARMUP + JOBS; i++) {
    const start = process.hrtime.bigint();
    const out = await once();
    const elapsed = Number(process.hrtime.bigint() - start) / 1000;
    if (out !== "2") throw new Error(`unexpected output ${JSON.stringify(out)}`);
    if (i >= WARMUP) times[i - WARMUP] = elapsed;
  }
  return times.sort();
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];

// In-process: compile each time (a runner sees each job's text anew) and with a cached AST.
const engine = new Engine();
const inProcess = await measure(async () => toDisplay(engine.eval(SOURCE, scopeFor(job))));
const ast = engine.compile(SOURCE);
const inProcessCached = await measure(async () => toDisplay(engine.eval(ast, scopeFor(job))));

const sandbox = await createSandbox({ size: 1 });
let sandboxed;
try {
  sandboxed = await measure(() => sandbox.run(job, { timeoutMs: 10_000 }));
} finally {
  await sandbox.close();
}

const rows = [
  ["in-process, compile + eval", inProcess],
  ["in-process, cached AST", inProcessCached],
  ["sandbox.run (1 warm worker)", sandboxed],
];
const fmt = (us) => us.toFixed(1).padStart(10);
console.log(`sandbox: per-job time of \`${SOURCE}\`, ${JOBS} jobs after ${WARMUP} warm-up, µs`);
console.log(`${"".padEnd(30)}${"median".padStart(10)}${"p99".padStart(10)}`);
for (const [name, t] of rows) {
  console.log(`${name.padEnd(30)}${fmt(quantile(t, 0.5))}${fmt(quantile(t, 0.99))}`);
}
// The worker reuses the compiled script too, so the cached row is the fair baseline.
const overhead = quantile(sandboxed, 0.5) - quantile(inProcessCached, 0.5);
const overhead99 = quantile(sandboxed, 0.99) - quantile(inProcessCached, 0.99);
console.log(`${"sandbox overhead (vs cached)".padEnd(30)}${fmt(overhead)}${fmt(overhead99)}`);
console.log("baseline: the sandbox's overhead must stay well under 1000 µs per job (median)");

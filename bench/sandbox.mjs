// Per-job overhead of the script sandbox: a job whose script is `1 + 1`, end to end through
// `sandbox.run`, beside the same script run in-process with the engine directly (same scope,
// same rendering). Two sandbox rows: the default, where a tiny script like this one is
// answered on the calling thread (src/sandbox/inline.ts), and `inline: false`, where it goes
// to a warm worker (post, compile or reuse, evaluate, render, reply) as any script that calls
// a function does. CPU is the whole process's (all threads) per job: on a 2-core machine it,
// more than the wall time of one job, is what bounds throughput.
// Needs a build: `npm run build && node bench/sandbox.mjs`. BENCH_JOBS sets the least count.
import { Engine, Scope, toDisplay } from "../dist/rhai/index.js";
import { createSandbox } from "../dist/sandbox/index.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 5000);
const WARMUP = Math.max(200, Math.floor(JOBS / 10));
const MIN_MS = 1000;
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

/**
 * Runs `once` WARMUP times, then at least JOBS times and for at least MIN_MS (so that the
 * CPU figure is not the noise of a few milliseconds), one after the other. Returns the
 * measured timings in µs, sorted, and the process's CPU time (user + system, every thread)
 * per job in µs.
 */
async function measure(once) {
  const times = [];
  for (let i = 0; i < WARMUP; i++) check(await once());
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (times.length < JOBS || performance.now() - t0 < MIN_MS) {
    const start = process.hrtime.bigint();
    const out = await once();
    times.push(Number(process.hrtime.bigint() - start) / 1000);
    check(out);
  }
  const cpu = process.cpuUsage(cpu0);
  return { times: times.sort((a, b) => a - b), cpuUs: (cpu.user + cpu.system) / times.length };
}

function check(out) {
  if (out !== "2") throw new Error(`unexpected output ${JSON.stringify(out)}`);
}

/** `measure` through a fresh sandbox of one worker. */
async function throughSandbox(options) {
  const sandbox = await createSandbox({ size: 1, ...options });
  try {
    return await measure(() => sandbox.run(job, { timeoutMs: 10_000 }));
  } finally {
    await sandbox.close();
  }
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];

// In-process: compile each time (a runner sees each job's text anew) and with a cached AST.
const engine = new Engine();
const inProcess = await measure(async () => toDisplay(engine.eval(SOURCE, scopeFor(job))));
const ast = engine.compile(SOURCE);
const inProcessCached = await measure(async () => toDisplay(engine.eval(ast, scopeFor(job))));
const inline = await throughSandbox({});
const worker = await throughSandbox({ inline: false });

const rows = [
  ["in-process, compile + eval", inProcess],
  ["in-process, cached AST", inProcessCached],
  ["sandbox.run, inline (default)", inline],
  ["sandbox.run, warm worker", worker],
];
const fmt = (us) => us.toFixed(1).padStart(10);
console.log(
  `sandbox: per-job time of \`${SOURCE}\`, at least ${JOBS} jobs and ${MIN_MS} ms after ${WARMUP} warm-up, µs`,
);
console.log(
  `${"".padEnd(32)}${"median".padStart(10)}${"p99".padStart(10)}${"CPU/job".padStart(10)}`,
);
for (const [name, { times, cpuUs }] of rows) {
  console.log(
    `${name.padEnd(32)}${fmt(quantile(times, 0.5))}${fmt(quantile(times, 0.99))}${fmt(cpuUs)}`,
  );
}
// Both sandbox paths reuse the compiled script, so the cached row is the fair baseline.
for (const [name, { times }] of rows.slice(2)) {
  const overhead = quantile(times, 0.5) - quantile(inProcessCached.times, 0.5);
  const overhead99 = quantile(times, 0.99) - quantile(inProcessCached.times, 0.99);
  console.log(`${`overhead, ${name.slice(13)}`.padEnd(32)}${fmt(overhead)}${fmt(overhead99)}`);
}
console.log("baseline: the sandbox's overhead must stay well under 1000 µs per job (median)");

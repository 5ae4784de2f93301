// What a host call costs, tracing off (the default) and on. Two figures:
// - bridged: a script calling a main-side function CALLS times in a loop, through a sandbox
//   worker, per call (the whole path: bridge, wake-ups, session, the tracing check);
// - direct: HostSession.call on the main thread alone (on a tree without it, what the
//   sandbox did before: the function run in the session's context).
// With HORUS_TRACED=1 (and OTEL_EXPORTER_OTLP_ENDPOINT set, to anything: spans that
// cannot be sent are dropped) every call is also a span.
// Needs a build: `npx tsc -p tsconfig.build.json && node bench/experiments/host-calls.mjs`.
import { HostModules } from "../../dist/host/index.js";
import { createSandbox } from "../../dist/sandbox/index.js";
import * as tracing from "../../dist/tracing/index.js";
import benchModule from "./host-calls-module.mjs";

const CALLS = Number(process.env.BENCH_CALLS ?? 20000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const traced = process.env.HORUS_TRACED === "1";

let tracer;
if (traced) {
  await tracing.startTracing("bench");
  await tracing.inSpan("job.execute", {}, async () => {
    tracer = tracing.hostCallTracer();
  });
  if (tracer === undefined) throw new Error("set OTEL_EXPORTER_OTLP_ENDPOINT to trace");
}

const job = {
  source: `let s = 0; for i in 0..${CALLS} { s += bench_echo(i); } s`,
  jobId: "00000000-0000-4000-8000-000000000000",
  callerId: "bench",
  contextId: "bench",
  signatories: [],
  envVars: {},
};
const sandbox = await createSandbox({
  modules: [{ url: new URL("./host-calls-module.mjs", import.meta.url) }],
  size: 1,
});
const bridged = [];
for (let r = 0; r < ROUNDS + 1; r++) {
  const t0 = performance.now();
  await sandbox.run(job, tracer ? { traceHostCall: tracer } : {});
  if (r > 0) bridged.push(((performance.now() - t0) * 1000) / CALLS);
}
await sandbox.close();

const direct = [];
const fn = benchModule.functions[0];
const session = new HostModules().beginSession(
  { jobId: "j", callerId: "c", contextId: "x", signatories: [] },
  () => {},
  undefined,
  tracer,
);
// A tree without HostSession.call ran a function as the sandbox did then.
const call =
  typeof session.call === "function"
    ? (env, args) => session.call(benchModule, fn, env, args)
    : (env, args) => fn.run(session.context(benchModule, env), args);
const env = {};
const N = CALLS * 50;
for (let r = 0; r < ROUNDS + 1; r++) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await call(env, [i]);
  if (r > 0) direct.push(((performance.now() - t0) * 1e6) / N);
}
await tracing.stopTracing();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => median(xs).toFixed(2);
console.log(
  `tracing ${traced ? "on " : "off"}: bridged ${fmt(bridged)} µs/call (rounds: ${bridged.map((x) => x.toFixed(2)).join(" ")}); direct ${fmt(direct)} ns/call`,
);

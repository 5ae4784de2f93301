// The Rhai engine beside the reference (Rust, Rhai 1.25), issue 8.
//
// Two parts:
// 1. Six example scripts from the shared corpus, each run whole (new engine, compile, run)
//    in this process, median of RUNS runs after one warm-up run. The reference figure is
//    `v1.25.0.wall_s` in scripts/MANIFEST.jsonl: the wall time of a whole process of the
//    reference's script runner, so it also holds process start-up (a few ms for a Rust
//    binary), the reference's own compile and its writes to stdout. Ours holds engine construction, compile and run but not
//    Node's start-up, nor the JIT warm-up the first run pays: we compare the steady cost of
//    running the script in a runner that is already up, which is how a job runs.
// 2. The reference's own benchmarks (benches.jsonl, `self_contained: true`), timed as the
//    reference's `cargo bench` times them: per iteration, the part named by `timed`
//    (`run`/`eval`: run a compiled AST; `parse+eval`: compile and run; `compile`: parse
//    only...), against `ns_per_iter` in reference-bench-timings.jsonl. Median of BATCHES
//    batches after a warm-up. `optimization_level` is not applied: we have no optimiser
//    (the results are the same; the reference's optimised variants may be faster).
//
// Needs a build (`npm run build`, or `npx tsc -p tsconfig.build.json`); the corpus lives in
// ../shared/conformance/rhai next to the project. Prints are discarded. Finishes in about
// a minute; BENCH_RHAI_RUNS and BENCH_RHAI_BATCHES trade time for steadier figures.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Engine } from "../dist/rhai/index.js";

const CORPUS = fileURLToPath(new URL("../../shared/conformance/rhai/", import.meta.url));
const SCRIPTS = ["fibonacci", "primes", "strings_map", "for2", "speed_test", "mat_mul"];
const RUNS = Number(process.env.BENCH_RHAI_RUNS ?? 5);
const BATCHES = Number(process.env.BENCH_RHAI_BATCHES ?? 7);
/** Only the scripts and benchmarks whose name contains this text. */
const ONLY = process.env.BENCH_RHAI_ONLY ?? "";
/** Each measured batch of a benchmark runs for about this long. */
const BATCH_MS = 60;
/** How long each benchmark runs before it is measured. */
const WARM_MS = 400;

function quietEngine() {
  return new Engine().onPrint(() => {}).onDebug(() => {});
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function geomean(ratios) {
  if (ratios.length === 0) return Number.NaN;
  return Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
}

function readJsonl(path) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** A time in the unit that keeps it readable. */
function fmt(ns) {
  if (!Number.isFinite(ns)) return "-";
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** ours / reference, and how to read it: below 1 we are faster. */
function ratioText(ours, ref) {
  const r = ours / ref;
  const how = r <= 1 ? `${(1 / r).toFixed(1)}x faster` : `${r.toFixed(1)}x slower`;
  return `${r.toFixed(3)} (${how})`;
}

function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

function nowNs() {
  return Number(process.hrtime.bigint());
}

// ---- 1. the example scripts ------------------------------------------------------------

function benchScripts() {
  const manifestPath = `${CORPUS}scripts/MANIFEST.jsonl`;
  if (!existsSync(manifestPath)) {
    console.log(
      `Rhai scripts: skipped, ${manifestPath} is absent (needs ../shared next to the project)`,
    );
    return [];
  }
  const manifest = new Map(readJsonl(manifestPath).map((m) => [m.name, m]));
  const rows = [];
  const ratios = [];
  for (const name of SCRIPTS.filter((n) => n.includes(ONLY))) {
    const file = `${CORPUS}scripts/${name}.rhai`;
    const ref = manifest.get(`${name}.rhai`)?.["v1.25.0"];
    if (!existsSync(file) || ref?.status !== "ok") {
      rows.push([`${name}.rhai`, "-", "-", "skipped: script or reference figure absent"]);
      continue;
    }
    const source = readFileSync(file, "utf8");
    const once = () => {
      const start = nowNs();
      const engine = quietEngine();
      engine.run(engine.compile(source));
      return nowNs() - start;
    };
    once(); // warm-up: the JIT's first pass over the engine's closures
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(once());
    const ours = median(times);
    const refNs = ref.wall_s * 1e9;
    ratios.push(ours / refNs);
    rows.push([`${name}.rhai`, fmt(ours), fmt(refNs), ratioText(ours, refNs)]);
  }
  table(
    `Rhai example scripts: median of ${RUNS} in-process runs (engine + compile + run) vs the reference's whole-process wall time`,
    ["script", "ours", "reference (v1.25.0 wall)", "ours/reference"],
    rows,
  );
  const g = geomean(ratios);
  console.log(
    `\ngeometric mean ours/reference over ${ratios.length} scripts: ${g.toFixed(3)} (${(1 / g).toFixed(2)}x faster)`,
  );
  return ratios;
}

// ---- 2. the reference's benchmarks -------------------------------------------------------

/** The timed body of one benchmark, per `timed` and `parse_as`, on a prepared engine. */
function bodyOf(bench) {
  const engine = quietEngine();
  const src = bench.script;
  const expression = bench.parse_as === "expression";
  const compile = () => (expression ? engine.compileExpression(src) : engine.compile(src));
  for (const setup of bench.setup_scripts ?? []) engine.run(setup);
  switch (bench.timed) {
    case "run": {
      const ast = compile();
      return () => engine.run(ast);
    }
    case "eval": {
      const ast = compile();
      return () => engine.eval(ast);
    }
    case "parse+eval":
      return () => engine.eval(src);
    case "parse+eval_expression":
      return () => engine.evalExpression(src);
    case "compile":
    case "compile_expression":
      return compile;
    default:
      return undefined;
  }
}

/**
 * ns per call of `body`: median over batches sized to about BATCH_MS each, after WARM_MS of
 * warm-up (V8 needs a few thousand calls of a fresh script's closures before they run at
 * full speed: a shorter warm-up measured the compile-and-run benchmarks several times slow).
 */
function timePerIter(body) {
  let n = 1;
  const warmStart = nowNs();
  let rate = 0; // ns per call in the latest warm-up round
  while (nowNs() - warmStart < WARM_MS * 1e6) {
    const start = nowNs();
    for (let i = 0; i < n; i++) body();
    rate = (nowNs() - start) / n;
    if (rate * n * 2 < BATCH_MS * 1e6) n *= 2;
  }
  n = Math.max(1, Math.round((BATCH_MS * 1e6) / Math.max(rate, 1)));
  const perIter = [];
  for (let b = 0; b < BATCHES; b++) {
    const start = nowNs();
    for (let i = 0; i < n; i++) body();
    perIter.push((nowNs() - start) / n);
  }
  return median(perIter);
}

function benchReference() {
  const benchesPath = `${CORPUS}benches.jsonl`;
  const timingsPath = `${CORPUS}reference-bench-timings.jsonl`;
  if (!existsSync(benchesPath) || !existsSync(timingsPath)) {
    console.log(`Rhai benchmarks: skipped, ${benchesPath} or its timings are absent`);
    return [];
  }
  const reference = new Map(readJsonl(timingsPath).map((t) => [t.bench, t]));
  const rows = [];
  const ratios = [];
  for (const bench of readJsonl(benchesPath)) {
    if (!bench.self_contained || !bench.bench.includes(ONLY)) continue;
    const ref = reference.get(bench.bench);
    let body;
    try {
      body = bodyOf(bench);
    } catch (e) {
      rows.push([bench.bench, bench.timed, `error: ${e.code ?? e.message}`, "-", "-"]);
      continue;
    }
    if (body === undefined) {
      rows.push([bench.bench, bench.timed, "skipped: unknown `timed`", "-", "-"]);
      continue;
    }
    let ours;
    try {
      ours = timePerIter(body);
    } catch (e) {
      rows.push([bench.bench, bench.timed, `error: ${e.code ?? e.message}`, "-", "-"]);
      continue;
    }
    if (ref === undefined) {
      rows.push([bench.bench, bench.timed, fmt(ours), "-", "no reference figure"]);
      continue;
    }
    ratios.push(ours / ref.ns_per_iter);
    rows.push([
      bench.bench,
      bench.timed,
      fmt(ours),
      fmt(ref.ns_per_iter),
      ratioText(ours, ref.ns_per_iter),
    ]);
  }
  table(
    `Rhai reference benchmarks (benches.jsonl, self-contained): time per iteration, median of ${BATCHES} batches`,
    ["benchmark", "timed", "ours", "reference", "ours/reference"],
    rows,
  );
  const g = geomean(ratios);
  console.log(
    `\ngeometric mean ours/reference over ${ratios.length} benchmarks: ${g.toFixed(3)} (${g <= 1 ? `${(1 / g).toFixed(2)}x faster` : `${g.toFixed(2)}x slower`})`,
  );
  const slower = rows.filter((r) => /slower/.test(r[4])).map((r) => r[0]);
  if (slower.length > 0) console.log(`slower than the reference: ${slower.join(", ")}`);
  return ratios;
}

const started = Date.now();
console.log(`Rhai engine benchmark (node ${process.version})`);
benchScripts();
benchReference();
console.log(`\n(took ${((Date.now() - started) / 1000).toFixed(0)} s)`);

// `npm run fuzz:rhai -- --count N --seed S [--shrink K] [--show]`: generates N programs
// from seeds S..S+N-1, runs them on our engine and on the reference, prints the divergence
// rate and the first K divergences shrunk to small programs. Built and started by
// scripts/fuzz-rhai.sh. The reference is found at ../shared/tools/rhai-reference beside the
// project, or where RHAI_REFERENCE points.
import { resolve } from "node:path";
import { differentialRun, findReference, shrink } from "./differential.js";
import { generateProgram } from "./generator.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name} needs a non-negative integer, got ${process.argv[i + 1]}\n`);
    process.exit(2);
  }
  return n;
}

const repoRoot = resolve(process.env.FUZZ_REPO_ROOT ?? process.cwd());
const refDir = findReference(repoRoot);
if (refDir === undefined) {
  process.stderr.write(
    `reference engine not found at ${resolve(repoRoot, "../shared/tools/rhai-reference")} (set RHAI_REFERENCE)\n`,
  );
  process.exit(2);
}
const count = option("count", 1000);
const seed = option("seed", 1);
const shrinkCount = option("shrink", 10);
const showAll = process.argv.includes("--show");

const started = Date.now();
const chunk = 1000;
let total = 0;
let timeouts = 0;
const divergences: { seed: number; src: string; why: string }[] = [];
for (let s = seed; s < seed + count; s += chunk) {
  const n = Math.min(chunk, seed + count - s);
  const programs = Array.from({ length: n }, (_, i) => ({
    seed: s + i,
    src: generateProgram(s + i),
  }));
  const report = differentialRun(refDir, programs);
  total += report.total;
  timeouts += report.timeouts;
  divergences.push(...report.divergences);
  process.stderr.write(`${total}/${count} programs, ${divergences.length} divergences\r`);
}
process.stderr.write("\n");
const rate = (100 * divergences.length) / Math.max(1, total);
process.stdout.write(
  `${total} programs (seeds ${seed}..${seed + count - 1}), ${divergences.length} diverge (${rate.toFixed(2)}%), ${timeouts} timed out, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
if (showAll) for (const d of divergences) process.stdout.write(`seed ${d.seed}: ${d.why}\n`);
for (const d of divergences.slice(0, shrinkCount)) {
  const small = shrink(refDir, d.src);
  process.stdout.write(`\n--- seed ${d.seed}: ${small.why}\n${small.src.trim()}\n`);
}

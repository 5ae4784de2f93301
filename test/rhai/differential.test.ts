// Differential test against the reference engine: a few thousand generated programs (fixed
// seeds) run on our engine and on the reference's `rhai-case`; the share that ends
// differently (printed lines, final value or error variant) must stay under the budget.
// Runs when the reference is present at ../shared/tools/rhai-reference beside the project
// (or where RHAI_REFERENCE points) and skips otherwise. `npm run fuzz:rhai` runs more.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { differentialRun, findReference } from "./fuzz/differential.js";
import { generateProgram } from "./fuzz/generator.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const refDir = findReference(repoRoot);
/** Programs per run (seeds 100000 on). */
const COUNT = 3000;
/**
 * How many of them may end differently: what the engine reached (3, 0.10%; each remaining
 * class is listed in src/rhai/README.md). It can only go down: lower it when a fix lands.
 * The goal was 0.2% (6).
 */
const MAX_DIVERGENCES = 3;

describe("differential fuzzing against the reference engine", () => {
  if (refDir === undefined) {
    const where = resolve(repoRoot, "../shared/tools/rhai-reference");
    test.skip(`reference engine not found at ${where} (set RHAI_REFERENCE): skipped`, () => {});
    return;
  }
  const title = `at most ${MAX_DIVERGENCES} of ${COUNT} generated programs diverge`;
  test(title, { timeout: 300_000 }, () => {
    const programs = Array.from({ length: COUNT }, (_, i) => ({
      seed: 100_000 + i,
      src: generateProgram(100_000 + i),
    }));
    const report = differentialRun(refDir, programs);
    const shown = report.divergences
      .slice(0, 10)
      .map((d) => `seed ${d.seed}: ${d.why}\n${d.src}`)
      .join("\n");
    const message = `${report.divergences.length} of ${COUNT} diverge:\n${shown}`;
    expect(report.divergences.length, message).toBeLessThanOrEqual(MAX_DIVERGENCES);
  });
});

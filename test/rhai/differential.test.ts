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
/** Programs per run, and the share (in %) of them allowed to diverge. */
const COUNT = 3000;
const BUDGET_PERCENT = 0.2;

describe("differential fuzzing against the reference engine", () => {
  if (refDir === undefined) {
    test.skip(`reference engine not found at ${resolve(repoRoot, "../shared/tools/rhai-reference")} (set RHAI_REFERENCE): differential test skipped`, () => {});
    return;
  }
  test(`${COUNT} generated programs diverge at most ${BUDGET_PERCENT}%`, {
    timeout: 180_000,
  }, () => {
    const programs = Array.from({ length: COUNT }, (_, i) => ({
      seed: 100_000 + i,
      src: generateProgram(100_000 + i),
    }));
    const report = differentialRun(refDir, programs);
    const shown = report.divergences
      .slice(0, 10)
      .map((d) => `seed ${d.seed}: ${d.why}\n${d.src}`)
      .join("\n");
    expect(
      report.divergences.length,
      `${report.divergences.length} of ${COUNT} diverge:\n${shown}`,
    ).toBeLessThanOrEqual(Math.floor((COUNT * BUDGET_PERCENT) / 100));
  });
});

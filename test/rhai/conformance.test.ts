// Runs the shared conformance corpus (when the shared folder is present beside the project)
// and fails if a file passes fewer cases than recorded in conformance-baseline.json: the
// pass rate can only go up. Raise the baseline when the engine improves.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runFile } from "../../src/rhai/conformance.js";

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = resolve(here, "../../../shared/conformance/rhai");
const baseline = JSON.parse(
  readFileSync(join(here, "conformance-baseline.json"), "utf8"),
) as Record<string, number>;
const present = existsSync(corpusDir);

describe("Rhai conformance corpus", () => {
  if (!present) {
    test.skip(`corpus not found at ${corpusDir}: shared conformance data absent`, () => {});
    return;
  }
  test.each(Object.entries(baseline))("%s passes at least %i cases", (file, minimum) => {
    const report = runFile(join(corpusDir, file));
    const failures = report.results.filter((r) => !r.pass).map((r) => `${r.id}: ${r.why}`);
    expect(
      report.passed,
      `${report.passed} passed, ${report.failed} failed\n${failures.join("\n")}`,
    ).toBeGreaterThanOrEqual(minimum);
  });
});

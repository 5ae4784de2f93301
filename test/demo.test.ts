// `npm run demo` is the README's first promise: its script runs here for real (three runner
// processes, three signed jobs) and must print each runner's result and stop them cleanly.
import { expect, test } from "vitest";
import { runToEnd } from "./helpers/processes.js";

test("the demo runs a job on each runner and stops them cleanly", async () => {
  const r = await runToEnd(process.execPath, ["scripts/demo.mjs"], { timeoutMs: 120_000 });
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("runners up: herorunner, runner_sal, runner_osiris");
  expect(r.stdout).toMatch(
    /== herorunner: .* \(finished, [\d.]+ ms\)\nhello from heroscript\njob ran for the demo\n/,
  );
  expect(r.stdout).toMatch(
    /== runner_sal: .* \(finished, [\d.]+ ms\)\nfile has 3 words; connected to test\n/,
  );
  expect(r.stdout).toMatch(/== runner_osiris: .* \(finished, [\d.]+ ms\)\nfound: Buy milk\n/);
  // Each result is signed by its runner and verified; a deleted job's bytes are refused.
  expect(r.stdout.match(/-- result signed by runner key [0-9a-f]{16}… \(verified\)/g)).toHaveLength(
    3,
  );
  expect(r.stdout).toMatch(/the last job, deleted and submitted again: refused: .*claimed/);
  expect(r.stdout).toContain(
    "== a flow across three runners (start -> double, greet -> report): finished, report says: 42 and hero saw 21",
  );
  // The Rhai runner's metrics counted the jobs it ended (the retries and the dead letter too).
  expect(r.stdout).toMatch(/\/metrics of runner_sal \(readyz: 200\)/);
  expect(r.stdout).toMatch(/horus_jobs_ended_total\{outcome="retry",error_kind="script"\} [1-9]/);
  expect(r.stdout).toMatch(/demo-sal: finished [1-9]\d*, error [1-9]\d*, dead 1/);
  expect(r.stdout).toContain("runners stopped (exit codes 0, 0, 0)");
});

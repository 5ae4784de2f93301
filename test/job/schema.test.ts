import { describe, expect, test } from "vitest";
import {
  createJob,
  InvalidJobError,
  JOB_LIMITS,
  jobFromHash,
  jobToHash,
  parseJob,
  parseJobJson,
} from "../../src/job/index.js";

const valid = createJob({ payload: "x", runner: "r1", env_vars: { A: "1" } });

describe("parseJob", () => {
  test("accepts a valid job and fills defaults", () => {
    const { caller_id, context_id, executor, updated_at, ...minimal } = valid;
    const job = parseJob({ ...minimal, signatures: undefined });
    expect(job.caller_id).toBe("");
    expect(job.signatures).toEqual([]);
    expect(job.updated_at).toBe(valid.created_at);
  });

  test("accepts upstream's runner_id for runner", () => {
    const { runner, ...rest } = valid;
    expect(parseJob({ ...rest, runner_id: "up" }).runner).toBe("up");
  });

  test.each([
    [{ timeout: 0 }, "timeout: must be > 0"],
    [{ timeout: "5" }, "timeout"],
    [{ id: "" }, "id: must not be empty"],
    [{ id: "a b" }, "id: may hold only"],
    [{ env_vars: { A: 1 } }, "env_vars.A"],
    [{ created_at: "yesterday" }, "created_at: must be an RFC 3339 timestamp"],
    [
      { signatures: [{ public_key: "xyz", signature: "00" }] },
      "signatures.0.public_key: must be a hex string",
    ],
    [{ payload: "x".repeat(JOB_LIMITS.payloadBytes + 1) }, "payload: is larger than"],
    [{ runner: undefined }, "runner"],
  ])("refuses %o naming the field", (change, message) => {
    expect(() => parseJob({ ...valid, ...change })).toThrow(InvalidJobError);
    expect(() => parseJob({ ...valid, ...change })).toThrow(message);
  });

  test("refuses an env var named __proto__ (it would vanish in validation)", () => {
    const text = JSON.stringify({ ...valid, env_vars: {} }).replace(
      '"env_vars":{}',
      '"env_vars":{"__proto__":"x"}',
    );
    expect(() => parseJobJson(text)).toThrow("env_vars: the name __proto__ is not allowed");
  });

  test("refuses non-objects and non-JSON", () => {
    expect(() => parseJob([1])).toThrow("expected a JSON object");
    expect(() => parseJobJson("{nope")).toThrow("not JSON");
  });

  test("hash round trip; broken JSON fields are named", () => {
    expect(jobFromHash(jobToHash(valid))).toEqual(valid);
    expect(() => jobFromHash({ ...jobToHash(valid), env_vars: "{broken" })).toThrow(
      "field env_vars is not valid JSON",
    );
  });
});

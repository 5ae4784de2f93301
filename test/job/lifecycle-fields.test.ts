// The lifecycle fields at their limits, the backoff's arithmetic, and the command line's
// durations: every limit tested at its edge, every bad input refused with its name.
import { describe, expect, test } from "vitest";
import { parseDurationMs, parseTime } from "../../src/cli/durations.js";
import {
  checkJob,
  createJob,
  generateKeyPair,
  JOB_LIMITS,
  type Job,
  longestSpanS,
  parseJob,
  retryDelayMs,
  retryJobOf,
  signJob,
} from "../../src/job/index.js";

const base = () => ({ ...createJob({ payload: "x", runner: "r" }) });

describe("the fields at their limits", () => {
  test("max_attempts: 1 to 100, whole", () => {
    expect(parseJob({ ...base(), max_attempts: 1 }).max_attempts).toBe(1);
    expect(parseJob({ ...base(), max_attempts: JOB_LIMITS.maxAttempts }).max_attempts).toBe(100);
    expect(() => parseJob({ ...base(), max_attempts: 101 })).toThrow(
      /max_attempts: must be at most 100/,
    );
    expect(() => parseJob({ ...base(), max_attempts: 0 })).toThrow(
      /max_attempts: must be at least 1/,
    );
    expect(() => parseJob({ ...base(), max_attempts: 2.5 })).toThrow(
      /max_attempts: must be a whole number/,
    );
  });

  test("priority: 0 to 9, whole", () => {
    expect(parseJob({ ...base(), priority: 0 }).priority).toBe(0);
    expect(parseJob({ ...base(), priority: 9 }).priority).toBe(9);
    expect(() => parseJob({ ...base(), priority: 10 })).toThrow(/priority: must be 0-9/);
    expect(() => parseJob({ ...base(), priority: -1 })).toThrow(/priority: must be 0-9/);
  });

  test("backoff: a known type, delays up to a day, no other keys", () => {
    const day = JOB_LIMITS.maxBackoffMs;
    expect(parseJob({ ...base(), backoff: { type: "fixed", delay_ms: day } }).backoff).toEqual({
      type: "fixed",
      delay_ms: day,
    });
    expect(() => parseJob({ ...base(), backoff: { type: "fixed", delay_ms: day + 1 } })).toThrow(
      /backoff.delay_ms: must be at most 86400000 ms/,
    );
    expect(() => parseJob({ ...base(), backoff: { type: "linear", delay_ms: 1 } })).toThrow(
      /backoff.type/,
    );
    expect(() =>
      parseJob({ ...base(), backoff: { type: "fixed", delay_ms: 1, jitter: 0 } }),
    ).toThrow(/backoff/);
  });

  test("run_at must be RFC 3339", () => {
    expect(() => parseJob({ ...base(), run_at: "tomorrow" })).toThrow(
      /run_at: must be an RFC 3339/,
    );
  });

  test("a plain job carries none of them, so its keys are exactly as before", () => {
    expect(Object.keys(parseJob(base())).sort()).toEqual([
      "caller_id",
      "context_id",
      "created_at",
      "env_vars",
      "executor",
      "id",
      "payload",
      "runner",
      "signatures",
      "timeout",
      "updated_at",
    ]);
  });
});

describe("backoff", () => {
  test("fixed waits the same; exponential doubles up to its cap; both spread by ±20%", () => {
    const mid = () => 0.5;
    expect(retryDelayMs({ type: "fixed", delay_ms: 200 }, 1, mid)).toBe(200);
    expect(retryDelayMs({ type: "fixed", delay_ms: 200 }, 7, mid)).toBe(200);
    const exp = { type: "exponential" as const, delay_ms: 1000, max_delay_ms: 5000 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(exp, n, mid))).toEqual([1000, 2000, 4000, 5000]);
    expect(retryDelayMs(exp, 1, () => 0)).toBe(800);
    expect(retryDelayMs(exp, 1, () => 1)).toBe(1200);
    // Never past the cap, jitter or not, and never past a day.
    expect(retryDelayMs(exp, 10, () => 1)).toBe(5000);
    expect(retryDelayMs({ type: "exponential", delay_ms: 1000 }, 60, () => 1)).toBe(
      JOB_LIMITS.maxBackoffMs,
    );
    expect(retryDelayMs(undefined, 3)).toBe(0);
  });

  test("a client waits for every attempt and backoff of a job", () => {
    const job: Job = {
      ...base(),
      timeout: 10,
      max_attempts: 3,
      backoff: { type: "fixed", delay_ms: 2000 },
    };
    expect(longestSpanS(job)).toBeCloseTo(30 + 2 * 2.4);
  });

  test("a dead letter's retry keeps the work, drops run_at and the signatures, names the original", () => {
    const key = generateKeyPair();
    const dead = signJob(
      { ...base(), max_attempts: 2, run_at: "2026-01-01T00:00:00.000Z", priority: 2 },
      key.private_key,
    );
    const retry = retryJobOf(dead);
    expect(retry.id).not.toBe(dead.id);
    expect(retry).toMatchObject({ payload: "x", max_attempts: 2, priority: 2, signatures: [] });
    expect(retry.run_at).toBeUndefined();
    expect(retry.env_vars.HORUS_RETRY_OF).toBe(dead.id);
  });
});

describe("the acceptance window of a delayed job", () => {
  const key = generateKeyPair();
  const policy = {
    runnerId: "r",
    trustedKeys: new Set([key.public_key]),
    maxJobAgeS: 3600,
    clockSkewS: 60,
  };
  const now = new Date("2026-06-01T12:00:00Z");
  const job = (runAt: string, created = "2026-06-01T11:00:00Z") =>
    signJob(
      { ...base(), created_at: created, updated_at: created, run_at: runAt },
      key.private_key,
    );

  test("opens at run_at (less the skew) and lasts the max job age from there", () => {
    expect(checkJob(job("2026-06-01T12:00:30Z"), policy, now).ok).toBe(true);
    expect(checkJob(job("2026-06-01T12:02:00Z"), policy, now)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/from the future: run_at is 120 s ahead/),
    });
    // Created three days earlier, due now: fine; due over an hour ago: too old.
    expect(checkJob(job("2026-06-01T12:00:00Z", "2026-05-29T12:00:00Z"), policy, now).ok).toBe(
      true,
    );
    expect(
      checkJob(job("2026-06-01T10:59:00Z", "2026-05-29T12:00:00Z"), policy, now),
    ).toMatchObject({
      ok: false,
      message: expect.stringMatching(/too old: due 3660 s ago/),
    });
  });

  test("a created_at in the future is refused whatever run_at says", () => {
    expect(
      checkJob(job("2026-06-01T12:00:00Z", "2026-06-01T12:05:00Z"), policy, now),
    ).toMatchObject({
      ok: false,
      message: expect.stringMatching(/created_at is 300 s ahead/),
    });
  });
});

describe("durations and times on the command line", () => {
  test("take a unit, and say what was wrong", () => {
    expect(parseDurationMs("200ms", "--backoff")).toBe(200);
    expect(parseDurationMs("1h30m", "--delay")).toBe(5_400_000);
    expect(() => parseDurationMs("30", "--delay")).toThrow(
      /--delay: expected a duration with its unit/,
    );
    expect(() => parseDurationMs("soon", "--delay")).toThrow(/got "soon"/);
    expect(parseTime("2026-12-24T18:00:00Z", "--at").toISOString()).toBe(
      "2026-12-24T18:00:00.000Z",
    );
    expect(() => parseTime("2026-12-24 18:00", "--at")).toThrow(
      /--at: expected an RFC 3339 time with its zone/,
    );
  });
});

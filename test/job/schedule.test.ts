// Schedules, without Redis: the schema, the signed bytes, the times an expression produces,
// and checkOccurrence, the one judgement a runner passes on an occurrence. Each refusal test
// changes one thing of an otherwise acceptable occurrence, so it fails without its check.
import { describe, expect, test } from "vitest";
import {
  canonicalJson,
  checkOccurrence,
  expressionProduces,
  generateKeyPair,
  InvalidScheduleError,
  jobToHash,
  nextOccurrence,
  occurrenceFields,
  occurrenceId,
  occurrenceJob,
  occurrencesBetween,
  parseSchedule,
  type Schedule,
  scheduleBytes,
  signBytes,
  signJob,
  signSchedule,
  verifyEnvelope,
  verifySignatures,
} from "../../src/job/index.js";

const keys = generateKeyPair();
const stranger = generateKeyPair();
const HOUR = 3600_000;
/** A fixed "now" the tests judge from: 2026-03-02T10:00:00Z, a Monday. */
const NOW = Date.parse("2026-03-02T10:00:00.000Z");
const policy = {
  runnerId: "r1",
  trustedKeys: new Set([keys.public_key]),
  maxJobAgeS: 3600,
  clockSkewS: 60,
};

function unsigned(extra: Partial<Schedule> = {}): Schedule {
  return {
    name: "tick",
    runner: "r1",
    every_ms: 2000,
    template: { payload: "echo hi", env_vars: { A: "1" }, timeout: 5 },
    created_at: new Date(NOW - 2 * HOUR).toISOString(),
    signatures: [],
    ...extra,
  };
}

function signed(extra: Partial<Schedule> = {}, key = keys.private_key): Schedule {
  return signSchedule(unsigned(extra), key);
}

/** The hash the minter writes for the occurrence at t. */
function hashOf(schedule: Schedule, t: number): Record<string, string> {
  return {
    ...jobToHash(occurrenceJob(schedule, t)),
    ...occurrenceFields(JSON.stringify(schedule), t),
    status: "started",
  };
}

function refusal(hash: Record<string, string>, now = NOW) {
  const verdict = checkOccurrence(hash, policy, new Date(now));
  if (verdict.ok) throw new Error("the occurrence was accepted");
  return verdict;
}

describe("the schedule's schema", () => {
  test("a valid schedule parses to itself, absent fields absent", () => {
    const s = signed({ cron: "*/5 * * * *", every_ms: undefined, timezone: "Europe/Brussels" });
    const text = JSON.stringify(s);
    expect(parseSchedule(JSON.parse(text))).toEqual(JSON.parse(text));
    expect(Object.keys(parseSchedule(JSON.parse(text))).sort()).toEqual(
      ["created_at", "cron", "name", "runner", "signatures", "template", "timezone"].sort(),
    );
  });

  test.each([
    [{ name: "a b" }, "name: must be 1 to 64 characters"],
    [{ name: "x".repeat(65) }, "name: must be 1 to 64"],
    [{ cron: "* * * * *" }, "every_ms: a schedule has exactly one of cron and every_ms"],
    [{ every_ms: undefined }, "cron: a schedule has exactly one of cron and every_ms"],
    [{ every_ms: 999 }, "every_ms: must be at least 1000"],
    [{ every_ms: 1500.5 }, "every_ms: must be a whole number"],
    [{ timezone: "UTC" }, "timezone: applies to a cron expression only"],
    [{ every_ms: undefined, cron: "61 * * * *" }, "cron: is not a cron expression"],
    [{ every_ms: undefined, cron: "* * * * * * *" }, "cron: is not a cron expression"],
    [
      { every_ms: undefined, cron: "* * * * *", timezone: "Mars/Olympus" },
      "timezone: must be an IANA timezone",
    ],
    [
      { not_before: "2026-02-01T00:00:00.000Z", not_after: "2026-01-01T00:00:00.000Z" },
      "not_after: is before not_before",
    ],
    [{ not_after: "tomorrow" }, "not_after: must be an RFC 3339 timestamp"],
    [{ template: { payload: "x", timeout: 0 } }, "template.timeout: must be > 0"],
    [{ template: { payload: "x", priority: 12 } }, "template.priority: must be 0-9"],
    [{ template: { payload: "x", run_at: "2026-01-01T00:00:00Z" } }, "template: Unrecognized key"],
    [{ colour: "blue" }, 'schedule: Unrecognized key: "colour"'],
  ] as [Record<string, unknown>, string][])("%j is refused: %s", (change, message) => {
    const input = { ...unsigned(), ...change };
    expect(() => parseSchedule(input)).toThrow(InvalidScheduleError);
    expect(() => parseSchedule(input)).toThrow(message);
  });

  test("an env var named __proto__ is refused by name", () => {
    const text = JSON.stringify(unsigned()).replace('"A":"1"', '"__proto__":"1"');
    expect(() => parseSchedule(JSON.parse(text))).toThrow("__proto__ is not allowed");
  });
});

describe("the signed bytes", () => {
  test("are the domain line, then the canonical JSON without signatures", () => {
    const s = signed();
    const text = new TextDecoder().decode(scheduleBytes(s));
    const { signatures: _, ...body } = s;
    expect(text).toBe(`horus-schedule-v1\n${canonicalJson(body)}`);
    expect(text).not.toContain("signatures");
  });

  test("every field is covered: any change breaks the signature", () => {
    const s = signed();
    const verify = (x: Schedule) =>
      verifyEnvelope(scheduleBytes(x), x.signatures, policy.trustedKeys, "schedule").ok;
    expect(verify(s)).toBe(true);
    expect(verify({ ...s, every_ms: 1000 })).toBe(false);
    expect(verify({ ...s, template: { ...s.template, payload: "echo evil" } })).toBe(false);
    expect(verify({ ...s, template: { ...s.template, env_vars: { A: "2" } } })).toBe(false);
    expect(verify({ ...s, not_after: "2030-01-01T00:00:00.000Z" })).toBe(false);
  });

  test("a job-style signature over the bare JSON does not sign a schedule", () => {
    const s = unsigned();
    const { signatures: _, ...body } = s;
    // What a signature made the way a job's is (no domain line) would cover.
    const bare = new TextEncoder().encode(canonicalJson(body));
    const forged: Schedule = {
      ...s,
      signatures: [{ public_key: keys.public_key, signature: signBytes(bare, keys.private_key) }],
    };
    const verdict = verifyEnvelope(
      scheduleBytes(forged),
      forged.signatures,
      policy.trustedKeys,
      "schedule",
    );
    expect(verdict).toMatchObject({ ok: false, kind: "unauthorized" });
  });

  test("a schedule's signature verifies over its own bytes only, never as a job's", () => {
    const s = signed();
    const { signatures: _, ...body } = s;
    const bare = new TextEncoder().encode(canonicalJson(body));
    expect(verifySignatures(scheduleBytes(s), s.signatures).valid).toEqual([keys.public_key]);
    expect(verifySignatures(bare, s.signatures).valid).toEqual([]);
    // And the job an occurrence runs is not signed by it either: its bytes are a job's.
    const job = occurrenceJob(s, NOW);
    expect(
      verifySignatures(new TextEncoder().encode(canonicalJson(job)), s.signatures).valid,
    ).toEqual([]);
    const jobSig = signJob(job, keys.private_key).signatures;
    expect(verifySignatures(scheduleBytes(s), jobSig).valid).toEqual([]);
  });
});

describe("the times a schedule produces", () => {
  test("an interval counts from the epoch, or from not_before when set", () => {
    const s = unsigned({ every_ms: 60_000 });
    expect(expressionProduces(s, Date.parse("2026-03-02T09:59:00.000Z"))).toBe(true);
    expect(expressionProduces(s, Date.parse("2026-03-02T09:59:00.001Z"))).toBe(false);
    const anchored = unsigned({ every_ms: 60_000, not_before: "2026-03-02T08:00:30.000Z" });
    expect(expressionProduces(anchored, Date.parse("2026-03-02T09:59:30.000Z"))).toBe(true);
    expect(expressionProduces(anchored, Date.parse("2026-03-02T09:59:00.000Z"))).toBe(false);
    expect(nextOccurrence(anchored, 0)).toBe(Date.parse("2026-03-02T08:00:30.000Z"));
  });

  test("a cron expression is read in its timezone, to the second", () => {
    const s = unsigned({ every_ms: undefined, cron: "30 9 * * 1", timezone: "Europe/Brussels" });
    // 09:30 in Brussels on a winter Monday is 08:30 UTC.
    expect(expressionProduces(s, Date.parse("2026-03-02T08:30:00.000Z"))).toBe(true);
    expect(expressionProduces(s, Date.parse("2026-03-02T09:30:00.000Z"))).toBe(false);
    expect(expressionProduces(s, Date.parse("2026-03-02T08:30:00.500Z"))).toBe(false);
    const utc = unsigned({ every_ms: undefined, cron: "30 9 * * 1" });
    expect(expressionProduces(utc, Date.parse("2026-03-02T09:30:00.000Z"))).toBe(true);
    const seconds = unsigned({ every_ms: undefined, cron: "*/10 * * * * *" });
    expect(expressionProduces(seconds, Date.parse("2026-03-02T09:30:20.000Z"))).toBe(true);
    expect(expressionProduces(seconds, Date.parse("2026-03-02T09:30:25.000Z"))).toBe(false);
  });

  test("occurrences start at created_at, stop at not_after, and are capped", () => {
    const s = unsigned({
      every_ms: 1000,
      created_at: "2026-03-02T10:00:00.500Z",
      not_after: "2026-03-02T10:00:05.000Z",
    });
    const base = Date.parse("2026-03-02T10:00:00.000Z");
    expect(occurrencesBetween(s, 0, base + 60_000, 100)).toEqual(
      [1, 2, 3, 4, 5].map((n) => base + n * 1000),
    );
    expect(occurrencesBetween(s, base + 2000, base + 60_000, 2)).toEqual([
      base + 3000,
      base + 4000,
    ]);
    expect(nextOccurrence(s, base + 5000)).toBeUndefined();
  });
});

describe("checkOccurrence", () => {
  const T = NOW - 10_000; // a multiple of 2 s, ten seconds ago

  test("an occurrence of a trusted schedule runs the job the schedule describes", () => {
    const s = signed();
    const verdict = checkOccurrence(hashOf(s, T), policy, new Date(NOW));
    if (!verdict.ok) throw new Error(verdict.message);
    expect(verdict.signatories).toEqual([keys.public_key]);
    expect(verdict.job).toMatchObject({
      id: `sched:tick:${T}`,
      runner: "r1",
      payload: "echo hi",
      timeout: 5,
      env_vars: { A: "1" },
      created_at: new Date(T).toISOString(),
    });
  });

  test("the hash's own job fields are never what runs", () => {
    const s = signed();
    const hash = { ...hashOf(s, T), payload: "echo evil", env_vars: '{"A":"evil"}', timeout: "9" };
    const verdict = checkOccurrence(hash, policy, new Date(NOW));
    if (!verdict.ok) throw new Error(verdict.message);
    expect(verdict.job.payload).toBe("echo hi");
    expect(verdict.job.env_vars).toEqual({ A: "1" });
    expect(verdict.job.timeout).toBe(5);
  });

  test.each([
    ["payload", (s: Schedule) => ({ ...s, template: { ...s.template, payload: "echo evil" } })],
    ["interval", (s: Schedule) => ({ ...s, every_ms: 1000 })],
    ["runner", (s: Schedule) => ({ ...s, runner: "r2" })],
    ["created_at", (s: Schedule) => ({ ...s, created_at: new Date(NOW - 9 * HOUR).toISOString() })],
  ])("a schedule whose %s was edited in Redis is refused unauthorized", (_what, edit) => {
    const s = signed();
    const hash = hashOf(s, T);
    hash.schedule = JSON.stringify(edit(s));
    expect(refusal(hash)).toMatchObject({ kind: "unauthorized" });
    // The edited runner is not even reached: the signature is judged first.
    expect(refusal(hash).message).toContain("invalid signature");
  });

  test("a cron schedule whose expression was edited is refused unauthorized", () => {
    const s = signed({ every_ms: undefined, cron: "* * * * *" });
    const t = Date.parse("2026-03-02T09:59:00.000Z");
    expect(checkOccurrence(hashOf(s, t), policy, new Date(NOW)).ok).toBe(true);
    const hash = hashOf(s, t);
    hash.schedule = JSON.stringify({ ...s, cron: "* * * * * *" });
    expect(refusal(hash)).toMatchObject({ kind: "unauthorized" });
  });

  test("a schedule signed by an untrusted key is refused", () => {
    const s = signed({}, stranger.private_key);
    expect(refusal(hashOf(s, T))).toMatchObject({ kind: "unauthorized" });
    expect(refusal(hashOf(s, T)).message).toContain("no signatory is trusted");
    expect(refusal(hashOf(unsigned(), T)).message).toContain("schedule is not signed");
  });

  test("an untrusted signature added beside a trusted one gives no identity", () => {
    const s = signSchedule(signed(), stranger.private_key);
    const verdict = checkOccurrence(hashOf(s, T), policy, new Date(NOW));
    expect(verdict).toMatchObject({
      ok: true,
      signatories: [keys.public_key],
      untrusted: [stranger.public_key],
    });
  });

  test("a time the expression does not produce is refused", () => {
    const s = signed();
    expect(refusal(hashOf(s, T + 1000))).toMatchObject({ kind: "unauthorized" });
    expect(refusal(hashOf(s, T + 1000)).message).toContain("has no occurrence at");
    expect(refusal(hashOf(s, T + 1))).toMatchObject({ kind: "unauthorized" });
  });

  test("an occurrence older than the window is refused", () => {
    const s = signed({ created_at: new Date(NOW - 5 * HOUR).toISOString() });
    const old = NOW - 3600_000 - 2000;
    expect(refusal(hashOf(s, old))).toMatchObject({ kind: "invalid_job" });
    expect(refusal(hashOf(s, old)).message).toContain("occurrence is too old");
    expect(checkOccurrence(hashOf(s, old + 4000), policy, new Date(NOW)).ok).toBe(true);
  });

  test("an occurrence from the future beyond the clock skew is refused", () => {
    const s = signed();
    expect(refusal(hashOf(s, NOW + 120_000)).message).toContain("comes from the future");
    expect(checkOccurrence(hashOf(s, NOW + 30_000), policy, new Date(NOW)).ok).toBe(true);
  });

  test("an occurrence id that does not match name and time is refused", () => {
    const s = signed();
    const hash = hashOf(s, T);
    // The same occurrence under another id would be a second run of it.
    hash.id = `sched:tick:${T}x`;
    expect(refusal(hash)).toMatchObject({ kind: "unauthorized" });
    hash.id = `sched:tock:${T}`;
    expect(refusal(hash)).toMatchObject({ kind: "unauthorized" });
    // Or the id of one time with the stamp of another.
    const moved = { ...hashOf(s, T), occurrence: new Date(T - 2000).toISOString() };
    expect(refusal(moved)).toMatchObject({ kind: "unauthorized" });
    expect(occurrenceId("tick", T)).toBe(`sched:tick:${T}`);
  });

  test("the time must be written the one way the tools write it", () => {
    const s = signed();
    const hash = { ...hashOf(s, T), occurrence: new Date(T).toISOString().replace(".000Z", "Z") };
    expect(refusal(hash)).toMatchObject({ kind: "invalid_job" });
  });

  test("occurrences before created_at or not_before, or after not_after, are refused", () => {
    const early = signed({ created_at: new Date(T + 1).toISOString() });
    expect(refusal(hashOf(early, T)).message).toContain("outside schedule");
    const notYet = signed({ not_before: new Date(T + 2000).toISOString() });
    expect(refusal(hashOf(notYet, T))).toMatchObject({ kind: "unauthorized" });
    const over = signed({ not_after: new Date(T - 2000).toISOString() });
    expect(refusal(hashOf(over, T))).toMatchObject({ kind: "unauthorized" });
    const inclusive = signed({ not_after: new Date(T).toISOString() });
    expect(checkOccurrence(hashOf(inclusive, T), policy, new Date(NOW)).ok).toBe(true);
  });

  test("a trusted schedule for another runner id is refused", () => {
    const s = signed({ runner: "r2" });
    expect(refusal(hashOf(s, T))).toMatchObject({ kind: "invalid_job" });
    expect(refusal(hashOf(s, T)).message).toContain('is for runner "r2"');
  });

  test("a schedule that is not one is refused invalid_job", () => {
    const hash = { ...hashOf(signed(), T), schedule: "{not json" };
    expect(refusal(hash)).toMatchObject({ kind: "invalid_job" });
    expect(refusal({ ...hash, schedule: '{"name":"x"}' }).message).toContain("invalid schedule");
  });
});

// retryJobOf, retryRefusal and retryMismatch: a letter's work is signed again only if its
// signer signed it, and a retry made anywhere (a browser, `horus --supervisor`) is checked
// field by field against what retryJobOf makes of the letter.
import { describe, expect, test } from "vitest";
import {
  createJob,
  generateKeyPair,
  type Job,
  retryJobOf,
  retryMismatch,
  retryRefusal,
  signJob,
} from "../../src/job/index.js";

const key = generateKeyPair().private_key;
const dead: Job = signJob(
  {
    ...createJob({ payload: "fail boom", runner: "r1", env_vars: { TOKEN: "secret" } }),
    max_attempts: 3,
    backoff: { type: "exponential", delay_ms: 100, max_delay_ms: 1000 },
    run_at: "2026-01-01T00:00:00.000Z",
    priority: 7,
  },
  key,
);

describe("retryMismatch", () => {
  test("a retry as retryJobOf makes it, signed by anyone, passes", () => {
    const retry = signJob(retryJobOf(dead), generateKeyPair().private_key);
    expect(retryMismatch(dead, retry)).toBeUndefined();
    expect(retry.env_vars).toEqual({ TOKEN: "secret", HORUS_RETRY_OF: dead.id });
    expect(retry.run_at).toBeUndefined();
    expect(retry).toMatchObject({ max_attempts: 3, priority: 7, backoff: dead.backoff });
  });

  test.each<[string, (j: Job) => Job, string]>([
    ["another payload", (j) => ({ ...j, payload: "echo other" }), "payload differs"],
    ["another runner", (j) => ({ ...j, runner: "r2" }), "runner differs"],
    ["a longer timeout", (j) => ({ ...j, timeout: j.timeout + 1 }), "timeout differs"],
    ["another caller", (j) => ({ ...j, caller_id: "me" }), "caller_id differs"],
    ["more attempts", (j) => ({ ...j, max_attempts: 9 }), "max_attempts differs"],
    ["no backoff", ({ backoff: _b, ...j }) => j, "backoff differs"],
    ["another priority", (j) => ({ ...j, priority: 9 }), "priority differs"],
    ["a run_at", (j) => ({ ...j, run_at: "2030-01-01T00:00:00.000Z" }), "run_at differs"],
    ["the original's id", (j) => ({ ...j, id: dead.id }), "id (a retry has an id of its own)"],
    [
      "no HORUS_RETRY_OF",
      (j) => ({ ...j, env_vars: { TOKEN: "secret" } }),
      "env_vars (HORUS_RETRY_OF) differs",
    ],
    [
      "another value and an extra variable",
      (j) => ({ ...j, env_vars: { ...j.env_vars, TOKEN: "guess", EXTRA: "1" } }),
      "env_vars (EXTRA, TOKEN) differs",
    ],
  ])("%s is refused, naming what differs", (_what, change, words) => {
    const retry = signJob(change(retryJobOf(dead)), key);
    const reason = retryMismatch(dead, retry);
    expect(reason).toContain(`not a retry of job ${dead.id}: ${words}`);
    // Values are never named: a user key does not see env_vars values.
    expect(reason).not.toContain("secret");
    expect(reason).not.toContain("guess");
  });

  test("several differences are all named", () => {
    const retry = { ...retryJobOf(dead), payload: "x", priority: 1 };
    expect(retryMismatch(dead, retry)).toContain("payload, priority differ from what retrying");
  });
});

describe("retryRefusal", () => {
  test("a letter whose signatures hold may be signed again; one changed since may not", () => {
    expect(retryRefusal(dead)).toBeUndefined();
    const changed = { ...dead, payload: "echo pwned" };
    expect(retryRefusal(changed)).toMatch(
      new RegExp(
        `^job ${dead.id}'s signatures do not hold \\(it was changed after it was signed: signature 1 .*does not match the job\\): its work is not signed again$`,
      ),
    );
    expect(retryRefusal({ ...dead, signatures: [] })).toBe(
      `job ${dead.id}'s signatures do not hold (it was changed after it was signed): its work is not signed again`,
    );
  });
});

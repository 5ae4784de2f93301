import { describe, expect, test } from "vitest";
import {
  type AcceptancePolicy,
  checkJob,
  createJob,
  generateKeyPair,
  parseTrustedKeys,
  signJob,
} from "../../src/job/index.js";

const trusted = generateKeyPair();
const stranger = generateKeyPair();
const policy: AcceptancePolicy = {
  runnerId: "r1",
  trustedKeys: new Set([trusted.public_key]),
  maxJobAgeS: 3600,
  clockSkewS: 60,
};

function signed(overrides = {}, key = trusted.private_key) {
  return signJob({ ...createJob({ payload: "p", runner: "r1" }), ...overrides }, key);
}

describe("acceptance policy", () => {
  test("accepts a job signed by a trusted key; only trusted keys are its signatories", () => {
    // The signatures list is not signed: a valid signature by an untrusted key, added by
    // whoever could edit the queued job, must give it no identity.
    const job = signJob(signed(), stranger.private_key);
    expect(checkJob(job, policy)).toEqual({
      ok: true,
      signatories: [trusted.public_key],
      untrusted: [stranger.public_key],
    });
  });

  test.each([
    [
      "no signatures",
      (j: ReturnType<typeof signed>) => ({ ...j, signatures: [] }),
      "unauthorized",
      "not signed",
    ],
    [
      "tampered payload",
      (j: ReturnType<typeof signed>) => ({ ...j, payload: "q" }),
      "unauthorized",
      "invalid signature",
    ],
    [
      "wrong runner",
      (j: ReturnType<typeof signed>) =>
        signJob({ ...j, runner: "r2", signatures: [] }, trusted.private_key),
      "invalid_job",
      'for runner "r2"',
    ],
  ])("refuses %s", (_name, change, kind, message) => {
    const verdict = checkJob(change(signed()), policy);
    expect(verdict).toMatchObject({ ok: false, kind });
    expect(verdict.ok ? "" : verdict.message).toContain(message);
  });

  test("refuses an untrusted signer", () => {
    const verdict = checkJob(signed({}, stranger.private_key), policy);
    expect(verdict).toMatchObject({ ok: false, kind: "unauthorized" });
    expect(verdict.ok ? "" : verdict.message).toContain("no signatory is trusted");
  });

  test("one bad signature among good ones is refused", () => {
    const job = signed();
    const bad = { public_key: stranger.public_key, signature: job.signatures[0]?.signature ?? "" };
    expect(checkJob({ ...job, signatures: [...job.signatures, bad] }, policy)).toMatchObject({
      ok: false,
    });
  });

  test("refuses jobs too old or from the future, with the skew allowed", () => {
    const now = new Date("2030-01-01T12:00:00Z");
    const at = (s: number) =>
      signed({ created_at: new Date(now.getTime() + s * 1000).toISOString() });
    expect(checkJob(at(-3601), policy, now)).toMatchObject({ ok: false, kind: "invalid_job" });
    expect(checkJob(at(-3599), policy, now)).toMatchObject({ ok: true });
    expect(checkJob(at(30), policy, now)).toMatchObject({ ok: true });
    expect(checkJob(at(120), policy, now)).toMatchObject({ ok: false, kind: "invalid_job" });
    // Each refusal states the limit it broke.
    expect(checkJob(at(-3601), policy, now)).toMatchObject({
      message: expect.stringMatching(/too old: created 3601 s ago, the limit is 3600 s/),
    });
    expect(checkJob(at(120), policy, now)).toMatchObject({
      message: expect.stringMatching(
        /from the future: created_at is 120 s ahead, the limit is 60 s/,
      ),
    });
  });

  test("trusted keys are normalised and a bad one is named", () => {
    expect(parseTrustedKeys([` ${trusted.public_key.toUpperCase()} `, ""])).toEqual(
      new Set([trusted.public_key]),
    );
    expect(() => parseTrustedKeys(["beef"])).toThrow('trusted key "beef');
  });
});

// The acceptance policy (docs/protocol.md, section 3): what a job must prove before anything of it runs.
import { canonicalBytes } from "./canonical.js";
import { normalisePublicKey } from "./crypto.js";
import { checkWindow, type EnvelopeVerdict, verifyEnvelope } from "./envelope.js";
import type { Job } from "./types.js";

export interface AcceptancePolicy {
  runnerId: string;
  /** Compressed hex public keys whose signatures this runner trusts. */
  trustedKeys: ReadonlySet<string>;
  /** A job created longer ago than this is refused (seconds). */
  maxJobAgeS: number;
  /** How far in the future created_at may lie (clocks differ a little). */
  clockSkewS: number;
  /**
   * The longest a flow's signed window (created_at to expires_at) may be (seconds;
   * `--max-flow-age`, DEFAULT_MAX_FLOW_AGE_S when absent). See flowWindow.
   */
  maxFlowAgeS?: number;
  /**
   * Runner keys (compressed hex) a flow node's parents' results must be signed by
   * (`--result-keys`); absent, a parent's result is taken signed or not, a signed one only
   * if its signature verifies.
   */
  resultKeys?: ReadonlySet<string>;
}

/**
 * An hour: the window in which a job's signed bytes are accepted at all, so also the window
 * in which a replay would have to get past both the claim and the run ledger.
 */
export const DEFAULT_MAX_JOB_AGE_S = 3600;
export const DEFAULT_CLOCK_SKEW_S = 60;

export type Verdict = EnvelopeVerdict;

export function checkJob(job: Job, policy: AcceptancePolicy, now: Date = new Date()): Verdict {
  if (job.runner !== policy.runnerId) {
    const message = `job is for runner "${job.runner}", not "${policy.runnerId}"`;
    return { ok: false, kind: "invalid_job", message };
  }
  const limits = { maxAgeS: policy.maxJobAgeS, clockSkewS: policy.clockSkewS };
  const nowMs = now.getTime();
  // A delayed job's window opens at its run_at, when its signed bytes are meant to run; its
  // created_at must still not lie in the future.
  const created = Date.parse(job.created_at);
  const window =
    job.run_at === undefined
      ? checkWindow(created, nowMs, limits, "job", "created_at")
      : created - nowMs > policy.clockSkewS * 1000
        ? checkWindow(created, nowMs, limits, "job", "created_at")
        : checkWindow(Date.parse(job.run_at), nowMs, limits, "job", "run_at");
  if (!window.ok) return window;
  return verifyEnvelope(canonicalBytes(job), job.signatures, policy.trustedKeys, "job");
}

/** Parses trusted keys as given on the command line, normalised; throws on a bad one. */
export function parseTrustedKeys(keys: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const raw of keys) {
    const key = raw.trim();
    if (key === "") continue;
    try {
      out.add(normalisePublicKey(key));
    } catch (e) {
      throw new Error(
        `trusted key "${key.slice(0, 20)}…" is not a secp256k1 public key: ${(e as Error).message}`,
      );
    }
  }
  return out;
}

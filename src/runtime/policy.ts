// The acceptance policy (docs/protocol.md, section 3): what a job must prove before anything of it runs.
import { type ErrorKind, type Job, normalisePublicKey, verifyJobSignatures } from "../job/index.js";

export interface AcceptancePolicy {
  runnerId: string;
  /** Compressed hex public keys whose signatures this runner trusts. */
  trustedKeys: ReadonlySet<string>;
  /** A job created longer ago than this is refused (seconds). */
  maxJobAgeS: number;
  /** How far in the future created_at may lie (clocks differ a little). */
  clockSkewS: number;
}

/**
 * An hour: the window in which a job's signed bytes are accepted at all, so also the window
 * in which a replay would have to get past both the claim and the run ledger.
 */
export const DEFAULT_MAX_JOB_AGE_S = 3600;
export const DEFAULT_CLOCK_SKEW_S = 60;

export type Verdict =
  | {
      ok: true;
      /** The trusted signatories: what the script sees and Osiris checks access with. */
      signatories: string[];
      /** Valid signatures by keys this runner does not trust: logged, then ignored. */
      untrusted: string[];
    }
  | { ok: false; kind: ErrorKind; message: string };

function refuse(kind: ErrorKind, message: string): Verdict {
  return { ok: false, kind, message };
}

export function checkJob(job: Job, policy: AcceptancePolicy, now: Date = new Date()): Verdict {
  if (job.runner !== policy.runnerId) {
    return refuse("invalid_job", `job is for runner "${job.runner}", not "${policy.runnerId}"`);
  }
  const created = Date.parse(job.created_at);
  const ageS = (now.getTime() - created) / 1000;
  if (ageS > policy.maxJobAgeS) {
    return refuse(
      "invalid_job",
      `job is too old: created ${Math.round(ageS)} s ago, the limit is ${policy.maxJobAgeS} s`,
    );
  }
  if (-ageS > policy.clockSkewS) {
    return refuse(
      "invalid_job",
      `job comes from the future: created_at is ${Math.round(-ageS)} s ahead, the limit is ${policy.clockSkewS} s`,
    );
  }
  if (job.signatures.length === 0) return refuse("unauthorized", "job is not signed");
  const report = verifyJobSignatures(job);
  if (report.invalid.length > 0) {
    return refuse("unauthorized", `invalid signature: ${report.invalid.join("; ")}`);
  }
  // Only a trusted signature confers identity: the `signatures` list is not itself signed,
  // so anyone who can edit a queued job can add a valid signature of their own to it.
  const signatories = report.valid.filter((key) => policy.trustedKeys.has(key));
  if (signatories.length === 0) {
    const keys = report.valid.map((k) => `${k.slice(0, 16)}…`).join(", ");
    return refuse("unauthorized", `no signatory is trusted by this runner (signed by ${keys})`);
  }
  const untrusted = report.valid.filter((key) => !policy.trustedKeys.has(key));
  return { ok: true, signatories, untrusted };
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

// One check for everything signed that authorises runs: a job, a schedule (each of its
// occurrences), and later flows. Whatever the envelope, a run is allowed only when its signed
// bytes verify under at least one key the runner trusts, inside the window in which those
// bytes are accepted at all. A signature may cover the bytes alone or a batch holding them
// (an entry with a `batch` proof, batch.ts): verifySignatures judges both, so every caller
// accepts batch-signed envelopes with no case of its own.
import { canonicalJson } from "./canonical.js";
import { verifySignatures } from "./crypto.js";
import type { ErrorKind, JobSignature } from "./types.js";

export type EnvelopeVerdict =
  | {
      ok: true;
      /** The trusted signatories: what the script sees and Osiris checks access with. */
      signatories: string[];
      /** Valid signatures by keys the runner does not trust: logged, then ignored. */
      untrusted: string[];
    }
  | { ok: false; kind: ErrorKind; message: string };

/**
 * The signatures over `message`, judged against the trusted keys: every signature must verify
 * (a bad one is a tampered envelope, not noise) and at least one valid signer be trusted.
 * `what` names the envelope in messages ("job", "schedule").
 */
export function verifyEnvelope(
  message: Uint8Array,
  signatures: readonly JobSignature[],
  trustedKeys: ReadonlySet<string>,
  what: string,
): EnvelopeVerdict {
  if (signatures.length === 0) return refuse("unauthorized", `${what} is not signed`);
  const report = verifySignatures(message, signatures);
  if (report.invalid.length > 0) {
    return refuse("unauthorized", `invalid signature: ${report.invalid.join("; ")}`);
  }
  // Only a trusted signature confers identity: the list of signatures is not itself signed,
  // so anyone who can edit a stored envelope can add a valid signature of their own to it.
  const signatories = report.valid.filter((key) => trustedKeys.has(key));
  if (signatories.length === 0) {
    const keys = report.valid.map((k) => `${k.slice(0, 16)}…`).join(", ");
    return refuse("unauthorized", `no signatory is trusted by this runner (signed by ${keys})`);
  }
  const untrusted = report.valid.filter((key) => !trustedKeys.has(key));
  return { ok: true, signatories, untrusted };
}

/**
 * Whether `now` lies in the window that starts at `fromMs` (less the clock skew allowed) and
 * lasts `maxAgeS`: signed bytes are accepted only inside it, which bounds how long a replay
 * guard must remember them. `what` names the envelope and `field` the signed time checked.
 */
const PAST = { created_at: "created", run_at: "due", occurrence: "due" } as const;

export function checkWindow(
  fromMs: number,
  nowMs: number,
  limits: { maxAgeS: number; clockSkewS: number },
  what: string,
  field: "created_at" | "run_at" | "occurrence",
): { ok: true } | { ok: false; kind: ErrorKind; message: string } {
  const ageS = (nowMs - fromMs) / 1000;
  if (ageS > limits.maxAgeS)
    return refuse(
      "invalid_job",
      `${what} is too old: ${PAST[field]} ${Math.round(ageS)} s ago, the limit is ${limits.maxAgeS} s`,
    );
  if (-ageS > limits.clockSkewS)
    return refuse(
      "invalid_job",
      `${what} comes from the future: ${field} is ${Math.round(-ageS)} s ahead, the limit is ${limits.clockSkewS} s`,
    );
  return { ok: true };
}

function refuse(kind: ErrorKind, message: string): { ok: false; kind: ErrorKind; message: string } {
  return { ok: false, kind, message };
}

const utf8 = new TextEncoder();

/**
 * The bytes an envelope's signatures cover: its domain (`horus-schedule-v1`, `horus-flow-v1`),
 * a newline, then the canonical JSON of the envelope without `signatures`. The domain keeps
 * one kind's signature from ever being taken for another's (a job's bytes start with `{`).
 */
export function envelopeBytes(domain: string, envelope: { signatures: unknown }): Uint8Array {
  const { signatures: _signatures, ...body } = envelope;
  return utf8.encode(`${domain}\n${canonicalJson(body)}`);
}

/** zod writes an absent optional field as present-but-undefined: drop those, at any depth. */
export function dropUndefined<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(dropUndefined) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = dropUndefined(v);
  return out as T;
}

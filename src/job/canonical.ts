// The canonical form of a job: the bytes every signature covers (docs/protocol.md).
import type { Job } from "./types.js";

/** Fields that are not signed: signatures cannot sign themselves, updated_at changes. */
const UNSIGNED_FIELDS: ReadonlySet<string> = new Set(["signatures", "updated_at"]);

/** JSON with object keys sorted at every depth and no whitespace (RFC 8785 style). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot serialise ${typeof value} canonically`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(",")}}`;
}

/** The signed view of a job: every field but `signatures` and `updated_at`. */
export function signedFields(job: Job): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(job)) if (!UNSIGNED_FIELDS.has(k)) out[k] = v;
  return out;
}

/** The signed fields of a job as the runtime makes it, in canonical (sorted) order. */
const SIGNED_IN_ORDER = [
  "caller_id",
  "context_id",
  "created_at",
  "env_vars",
  "executor",
  "id",
  "payload",
  "runner",
  "timeout",
] as const;

const JOB_FIELDS: ReadonlySet<string> = new Set([...SIGNED_IN_ORDER, ...UNSIGNED_FIELDS]);

/**
 * The canonical form of a job holding exactly the fields of `Job`, written without sorting
 * or building the signed view: every job a runner verifies and every one a client signs goes
 * through here. Undefined for any other object (an extra field, a field left undefined),
 * which takes the general way.
 */
function canonicalJobFast(job: Job): string | undefined {
  let fields = 0;
  for (const k in job) {
    const v = (job as unknown as Record<string, unknown>)[k];
    if (!JOB_FIELDS.has(k) || v === undefined) return undefined;
    fields += 1;
  }
  if (fields !== JOB_FIELDS.size) return undefined;
  let out = "{";
  for (const k of SIGNED_IN_ORDER) {
    if (out.length > 1) out += ",";
    out += `"${k}":${canonicalJson(job[k])}`;
  }
  return `${out}}`;
}

// One encoder for every call; TextEncoder (not Buffer) because the console signs in a browser.
const utf8 = new TextEncoder();

/** UTF-8 bytes of the canonical form of a job. */
export function canonicalBytes(job: Job): Uint8Array {
  return utf8.encode(canonicalJobFast(job) ?? canonicalJson(signedFields(job)));
}

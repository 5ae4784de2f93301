// The canonical form of a job: the bytes every signature covers (DESIGN §2).
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

/** UTF-8 bytes of the canonical form of a job. */
export function canonicalBytes(job: Job): Uint8Array {
  return new TextEncoder().encode(canonicalJson(signedFields(job)));
}

// The common case of job validation without the schema library: a runner validates every
// job it takes, and the schema's general machinery costs several times this (see
// bench/RESULTS.md). It only ever accepts what the schema accepts, giving the same job; any
// input it is unsure of (every invalid one among them) goes to the schema, which alone
// words the errors. test/fuzz/job.test.ts holds it to that.
import { JOB_LIMITS } from "./limits.js";
import { BATCH_MAX_PATH, BATCH_MAX_SIZE } from "./merkle.js";
import type { BatchProof, Job, JobSignature } from "./types.js";

const ID = /^[A-Za-z0-9._:-]+$/;
const HEX = /^(0x)?[0-9a-fA-F]+$/;
const HASH = /^[0-9a-fA-F]{64}$/;
const RFC3339_START = /^\d{4}-\d{2}-\d{2}T/;
const MAX_TIMEOUT_S = 7 * 24 * 3600;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A UTF-8 length bound without encoding: a UTF-16 unit never takes more than 3 bytes. */
function fitsBytes(s: string, limit: number): boolean {
  return s.length * 3 <= limit || Buffer.byteLength(s, "utf8") <= limit;
}

function optionalText(v: unknown): string | undefined {
  if (v === undefined) return "";
  return typeof v === "string" ? v : undefined;
}

function timestamp(v: unknown): string | undefined {
  return typeof v === "string" && RFC3339_START.test(v) && !Number.isNaN(Date.parse(v))
    ? v
    : undefined;
}

function envVars(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return {};
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, string> = {};
  let count = 0;
  for (const name in v) {
    if (!Object.hasOwn(v, name) || name === "__proto__") return undefined;
    const value = v[name];
    if (typeof value !== "string" || !fitsBytes(value, JOB_LIMITS.envValueBytes)) return undefined;
    out[name] = value;
    count += 1;
  }
  return count <= JOB_LIMITS.envVars ? out : undefined;
}

/**
 * A batch proof with exactly its three members, in range: every job of a batch carries one,
 * so batches must not fall back to the schema. Anything else (an extra member, a path of
 * something other than plain hash strings) goes to the schema, which words the error.
 */
function batchProof(v: unknown): BatchProof | undefined {
  if (!isPlainObject(v)) return undefined;
  let members = 0;
  for (const name in v) {
    if (!Object.hasOwn(v, name)) return undefined;
    members += 1;
  }
  const { index, size, path } = v;
  if (members !== 3 || typeof size !== "number" || typeof index !== "number") return undefined;
  if (!Number.isInteger(size) || size < 1 || size > BATCH_MAX_SIZE) return undefined;
  if (!Number.isInteger(index) || index < 0 || index >= size) return undefined;
  if (!Array.isArray(path) || path.length > BATCH_MAX_PATH) return undefined;
  const hashes: string[] = [];
  for (const h of path) {
    if (typeof h !== "string" || !HASH.test(h)) return undefined;
    hashes.push(h);
  }
  return { index, size, path: hashes };
}

function signatures(v: unknown): JobSignature[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > JOB_LIMITS.signatures) return undefined;
  const out: JobSignature[] = [];
  for (const s of v) {
    if (!isPlainObject(s)) return undefined;
    const { public_key, signature, batch } = s;
    if (typeof public_key !== "string" || !HEX.test(public_key)) return undefined;
    if (typeof signature !== "string" || !HEX.test(signature)) return undefined;
    if (batch === undefined) {
      out.push({ public_key, signature });
      continue;
    }
    const proof = batchProof(batch);
    if (proof === undefined) return undefined;
    out.push({ public_key, signature, batch: proof });
  }
  return out;
}

/** The job, when the input is plainly valid; undefined when the schema must decide. */
export function quickJob(raw: Record<string, unknown>): Job | undefined {
  // The lifecycle fields are rare; the schema checks them.
  if (
    raw.max_attempts !== undefined ||
    raw.backoff !== undefined ||
    raw.run_at !== undefined ||
    raw.priority !== undefined
  )
    return;
  const { id, payload, runner, timeout } = raw;
  if (typeof id !== "string" || id.length > JOB_LIMITS.idLength || !ID.test(id)) return;
  if (typeof payload !== "string" || !fitsBytes(payload, JOB_LIMITS.payloadBytes)) return;
  if (typeof runner !== "string" || runner.length === 0) return;
  if (typeof timeout !== "number" || !(timeout > 0 && timeout <= MAX_TIMEOUT_S)) return;
  const caller_id = optionalText(raw.caller_id);
  const context_id = optionalText(raw.context_id);
  const executor = optionalText(raw.executor);
  const created_at = timestamp(raw.created_at);
  // Usually the same text: checked once.
  const updated_at =
    raw.updated_at === undefined || raw.updated_at === created_at
      ? created_at
      : timestamp(raw.updated_at);
  const env_vars = envVars(raw.env_vars);
  const sigs = signatures(raw.signatures);
  if (
    caller_id === undefined ||
    context_id === undefined ||
    executor === undefined ||
    created_at === undefined ||
    updated_at === undefined ||
    env_vars === undefined ||
    sigs === undefined
  )
    return;
  return {
    id,
    caller_id,
    context_id,
    payload,
    runner,
    executor,
    timeout,
    env_vars,
    created_at,
    updated_at,
    signatures: sigs,
  };
}

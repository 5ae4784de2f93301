// Turns untrusted input (JSON from a client, a hash from Redis) into a `Job`, or into an
// error that names the field and what is wrong with it.
import { z } from "zod";
import { coerceError } from "../util/index.js";
import { JOB_LIMITS } from "./limits.js";
import { BATCH_MAX_PATH, BATCH_MAX_SIZE } from "./merkle.js";
import { quickJob } from "./quick-parse.js";
import type { Job } from "./types.js";

export { JOB_LIMITS };

const hex = z.string().regex(/^(0x)?[0-9a-fA-F]+$/, "must be a hex string");

const rfc3339 = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: "must be an RFC 3339 timestamp",
  });

/**
 * A batch signature's proof (batch.ts). Its shape only: whether the path is as long as the
 * index and size need, and where it leads, is the signature check's to say (`unauthorized`),
 * like any other signature that does not hold.
 */
const batchProof = z
  .strictObject({
    index: z.number().int("must be a whole number").min(0, "must be >= 0"),
    size: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(BATCH_MAX_SIZE, `must be at most ${BATCH_MAX_SIZE}`),
    path: z
      .array(z.string().regex(/^[0-9a-fA-F]{64}$/, "must be a SHA-256 hash (64 hex characters)"))
      .max(BATCH_MAX_PATH, `has more than ${BATCH_MAX_PATH} hashes`),
  })
  .refine((b) => b.index < b.size, { message: "must be less than size", path: ["index"] });

const delayMs = z
  .number()
  .int("must be a whole number of milliseconds")
  .min(0, "must be >= 0")
  .max(JOB_LIMITS.maxBackoffMs, `must be at most ${JOB_LIMITS.maxBackoffMs} ms (a day)`);

/** The wire schema of a job (the supervisor publishes it in its OpenRPC document). */
export const jobSchema = z.object({
  id: z
    .string()
    .min(1, "must not be empty")
    .max(JOB_LIMITS.idLength, `must be at most ${JOB_LIMITS.idLength} characters`)
    .regex(/^[A-Za-z0-9._:-]+$/, "may hold only letters, digits and . _ : -"),
  caller_id: z.string().default(""),
  context_id: z.string().default(""),
  payload: z.string().refine((s) => Buffer.byteLength(s, "utf8") <= JOB_LIMITS.payloadBytes, {
    message: `is larger than ${JOB_LIMITS.payloadBytes} bytes`,
  }),
  runner: z.string().min(1, "must not be empty"),
  executor: z.string().default(""),
  timeout: z
    .number()
    .positive("must be > 0")
    .max(7 * 24 * 3600, "must be at most 7 days"),
  env_vars: z
    .record(
      z.string(),
      z.string().refine((s) => Buffer.byteLength(s, "utf8") <= JOB_LIMITS.envValueBytes, {
        message: `is larger than ${JOB_LIMITS.envValueBytes} bytes`,
      }),
    )
    .refine((r) => Object.keys(r).length <= JOB_LIMITS.envVars, {
      message: `has more than ${JOB_LIMITS.envVars} variables`,
    })
    .default({}),
  created_at: rfc3339,
  updated_at: rfc3339.optional(),
  signatures: z
    .array(z.object({ public_key: hex, signature: hex, batch: batchProof.optional() }))
    .max(JOB_LIMITS.signatures, `has more than ${JOB_LIMITS.signatures} signatures`)
    .default([]),
  max_attempts: z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(JOB_LIMITS.maxAttempts, `must be at most ${JOB_LIMITS.maxAttempts}`)
    .optional(),
  backoff: z
    .strictObject({
      type: z.enum(["fixed", "exponential"]),
      delay_ms: delayMs,
      max_delay_ms: delayMs.optional(),
    })
    .optional(),
  run_at: rfc3339.optional(),
  priority: z
    .number()
    .int("must be a whole number")
    .min(0, "must be 0-9")
    .max(9, "must be 0-9")
    .optional(),
});

/** The lifecycle fields: a job holding any of them takes the schema's way (quick-parse.ts). */
export const LIFECYCLE_FIELDS = ["max_attempts", "backoff", "run_at", "priority"] as const;

export class InvalidJobError extends Error {
  override readonly name = "InvalidJobError";
  readonly errorKind = "invalid_job" as const;
}

/** zod's issues as one line, each naming its field (`root` when the issue is the whole). */
export function describeIssues(error: z.ZodError, root = "job"): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : root;
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}

/** Validates a job object (upstream spelling `runner_id` accepted for `runner`). */
export function parseJob(input: unknown): Job {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new InvalidJobError("invalid job: expected a JSON object");
  }
  const raw = { ...(input as Record<string, unknown>) };
  // JSON.parse makes "__proto__" an ordinary key, but copying it into a new object (as any
  // validation does) sets a prototype instead: the variable would vanish and the signature
  // no longer match. Refuse it by name.
  const env = raw.env_vars;
  if (env !== null && typeof env === "object" && Object.hasOwn(env, "__proto__")) {
    throw new InvalidJobError("invalid job: env_vars: the name __proto__ is not allowed");
  }
  if (raw.runner === undefined && raw.runner_id !== undefined) raw.runner = raw.runner_id;
  delete raw.runner_id;
  const quick = quickJob(raw);
  if (quick !== undefined) return quick;
  const result = jobSchema.safeParse(raw);
  if (!result.success) throw new InvalidJobError(`invalid job: ${describeIssues(result.error)}`);
  const job = result.data;
  // zod writes an absent optional field as present-but-undefined; drop those, so a job's
  // keys are exactly the fields it carries.
  const out: Job = { ...job, updated_at: job.updated_at ?? job.created_at };
  for (const f of LIFECYCLE_FIELDS) if (out[f] === undefined) delete out[f];
  return out;
}

/** Validates a job given as JSON text. */
export function parseJobJson(text: string): Job {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidJobError(`invalid job: not JSON (${coerceError(e).message})`);
  }
  return parseJob(value);
}

function parseJsonField(hash: Record<string, string>, field: string, fallback: unknown): unknown {
  const text = hash[field];
  if (text === undefined || text === "") return fallback;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidJobError(`invalid job: field ${field} is not valid JSON`);
  }
}

/** The job stored as a Redis hash (docs/protocol.md): JSON fields decoded, numbers parsed. */
export function jobFromHash(hash: Record<string, string>): Job {
  const timeout = hash.timeout === undefined ? undefined : Number(hash.timeout);
  const raw: Record<string, unknown> = {
    id: hash.id,
    caller_id: hash.caller_id,
    context_id: hash.context_id,
    payload: hash.payload,
    runner: hash.runner ?? hash.runner_id,
    executor: hash.executor,
    timeout,
    env_vars: parseJsonField(hash, "env_vars", {}),
    created_at: hash.created_at,
    updated_at: hash.updated_at || undefined,
    signatures: parseJsonField(hash, "signatures", []),
  };
  if (hash.max_attempts !== undefined) raw.max_attempts = Number(hash.max_attempts);
  if (hash.backoff !== undefined) raw.backoff = parseJsonField(hash, "backoff", undefined);
  if (hash.run_at !== undefined) raw.run_at = hash.run_at;
  if (hash.priority !== undefined) raw.priority = Number(hash.priority);
  // Built here, so parseJob's defensive copy is not needed for the common, valid case.
  return quickJob(raw) ?? parseJob(raw);
}

/** The job's fields as a Redis hash. */
export function jobToHash(job: Job): Record<string, string> {
  const hash: Record<string, string> = {
    id: job.id,
    caller_id: job.caller_id,
    context_id: job.context_id,
    payload: job.payload,
    runner: job.runner,
    executor: job.executor,
    timeout: String(job.timeout),
    env_vars: JSON.stringify(job.env_vars),
    created_at: job.created_at,
    updated_at: job.updated_at,
    signatures: JSON.stringify(job.signatures),
  };
  if (job.max_attempts !== undefined) hash.max_attempts = String(job.max_attempts);
  if (job.backoff !== undefined) hash.backoff = JSON.stringify(job.backoff);
  if (job.run_at !== undefined) hash.run_at = job.run_at;
  if (job.priority !== undefined) hash.priority = String(job.priority);
  return hash;
}

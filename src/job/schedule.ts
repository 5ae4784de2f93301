// Schedules (recurring jobs, docs/protocol.md "Schedules"): a signed object that authorises
// one run per time its cron expression or interval produces. An occurrence is stored and
// queued like a job, under an id made from the schedule's name and the time; a runner
// verifies the schedule's signature and the time, then rebuilds the job from the schedule,
// so nothing a Redis writer puts in the occurrence's job fields ever runs.
import { z } from "zod";
import { cronOf, expressionProduces, isTimezone, withinBounds } from "./calendar.js";
import { DEFAULT_TIMEOUT_S } from "./create.js";
import { withSignature } from "./crypto.js";
import { checkWindow, dropUndefined, envelopeBytes, verifyEnvelope } from "./envelope.js";
import { JOB_LIMITS } from "./limits.js";
import { describeIssues, jobSchema } from "./schema.js";
import type { ErrorKind, Job, JobSignature } from "./types.js";

export * from "./calendar.js";

/** The first line of every schedule's signed bytes: never the start of a job's (`{`). */
export const SCHEDULE_SIGNATURE_DOMAIN = "horus-schedule-v1";

/** What each occurrence runs: a job's fields, less those the schedule or the time decide. */
export interface ScheduleTemplate {
  payload: string;
  executor?: string;
  /** Seconds; 60 when absent (DEFAULT_OCCURRENCE_TIMEOUT_S). */
  timeout?: number;
  env_vars?: Record<string, string>;
  caller_id?: string;
  context_id?: string;
  max_attempts?: number;
  backoff?: Job["backoff"];
  priority?: number;
}

export interface Schedule {
  /** 1-64 of `A-Z a-z 0-9 . _ -`: part of every occurrence's id. */
  name: string;
  /** The runner id whose instances mint and run the occurrences. */
  runner: string;
  /** A cron expression (5 fields, or 6 with seconds first); exactly one of cron, every_ms. */
  cron?: string;
  /** An interval in ms (at least 1000): occurrences at its multiples from the anchor. */
  every_ms?: number;
  /** IANA timezone the cron expression is read in (cron only); UTC when absent. */
  timezone?: string;
  template: ScheduleTemplate;
  /** RFC 3339: no occurrence before; also the interval's anchor when set. */
  not_before?: string;
  /** RFC 3339: no occurrence after (inclusive). */
  not_after?: string;
  /** RFC 3339: when it was signed; no occurrence falls before it. */
  created_at: string;
  signatures: JobSignature[];
}

export const SCHEDULE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const DEFAULT_OCCURRENCE_TIMEOUT_S = DEFAULT_TIMEOUT_S;
/** The shortest interval, and the longest (a year and a day). */
export const MIN_EVERY_MS = 1000;
export const MAX_EVERY_MS = 366 * 24 * 3600 * 1000;

const s = jobSchema.shape;

const envVars = z
  .record(
    z.string(),
    z.string().refine((v) => Buffer.byteLength(v, "utf8") <= JOB_LIMITS.envValueBytes, {
      message: `is larger than ${JOB_LIMITS.envValueBytes} bytes`,
    }),
  )
  .refine((r) => Object.keys(r).length <= JOB_LIMITS.envVars, {
    message: `has more than ${JOB_LIMITS.envVars} variables`,
  });

// No field gets a default here: the signed bytes are the fields as given, absent ones absent
// (a job's defaults are applied when an occurrence's job is built).
const templateSchema = z.strictObject({
  payload: s.payload,
  executor: z.string().optional(),
  timeout: s.timeout.optional(),
  env_vars: envVars.optional(),
  caller_id: z.string().optional(),
  context_id: z.string().optional(),
  max_attempts: s.max_attempts,
  backoff: s.backoff,
  priority: s.priority,
});

/** The wire schema of a schedule; errors name the field. */
export const scheduleSchema = z
  .strictObject({
    name: z
      .string()
      .regex(SCHEDULE_NAME, "must be 1 to 64 characters of letters, digits and . _ -"),
    runner: s.runner,
    cron: z.string().min(1, "must not be empty").optional(),
    every_ms: z
      .number()
      .int("must be a whole number of milliseconds")
      .min(MIN_EVERY_MS, `must be at least ${MIN_EVERY_MS} (a second)`)
      .max(MAX_EVERY_MS, `must be at most ${MAX_EVERY_MS} (366 days)`)
      .optional(),
    timezone: z
      .string()
      .refine(isTimezone, { message: "must be an IANA timezone (Europe/Brussels, UTC)" })
      .optional(),
    template: templateSchema,
    not_before: s.created_at.optional(),
    not_after: s.created_at.optional(),
    created_at: s.created_at,
    signatures: s.signatures,
  })
  .superRefine((v, ctx) => {
    if ((v.cron === undefined) === (v.every_ms === undefined))
      ctx.addIssue({
        code: "custom",
        path: [v.cron === undefined ? "cron" : "every_ms"],
        message: "a schedule has exactly one of cron and every_ms",
      });
    if (v.timezone !== undefined && v.cron === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["timezone"],
        message: "applies to a cron expression only",
      });
    if (v.cron !== undefined && (v.timezone === undefined || isTimezone(v.timezone)))
      try {
        cronOf(v.cron, v.timezone);
      } catch (e) {
        ctx.addIssue({
          code: "custom",
          path: ["cron"],
          message: `is not a cron expression: ${(e as Error).message.replace(/^CronPattern: /, "")}`,
        });
      }
    if (
      v.not_before !== undefined &&
      v.not_after !== undefined &&
      Date.parse(v.not_after) < Date.parse(v.not_before)
    )
      ctx.addIssue({ code: "custom", path: ["not_after"], message: "is before not_before" });
    const env = v.template.env_vars;
    if (env !== undefined && Object.hasOwn(env, "__proto__"))
      ctx.addIssue({
        code: "custom",
        path: ["template", "env_vars"],
        message: "the name __proto__ is not allowed",
      });
  });

export class InvalidScheduleError extends Error {
  override readonly name = "InvalidScheduleError";
  readonly errorKind = "invalid_job" as const;
}

/** Validates a schedule object; throws InvalidScheduleError naming the field. */
export function parseSchedule(input: unknown): Schedule {
  if (input === null || typeof input !== "object" || Array.isArray(input))
    throw new InvalidScheduleError("invalid schedule: expected a JSON object");
  // JSON.parse makes "__proto__" an ordinary key; zod's copy would make it a prototype.
  const env = (input as { template?: { env_vars?: unknown } }).template?.env_vars;
  if (env !== null && typeof env === "object" && Object.hasOwn(env, "__proto__"))
    throw new InvalidScheduleError(
      "invalid schedule: template.env_vars: the name __proto__ is not allowed",
    );
  const result = scheduleSchema.safeParse(input);
  if (!result.success)
    throw new InvalidScheduleError(`invalid schedule: ${describeIssues(result.error, "schedule")}`);
  return dropUndefined(result.data) as Schedule;
}

/** Validates a schedule given as JSON text. */
export function parseScheduleJson(text: string): Schedule {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidScheduleError(`invalid schedule: not JSON (${(e as Error).message})`);
  }
  return parseSchedule(value);
}

/**
 * The bytes a schedule's signatures cover: `horus-schedule-v1`, a newline, then the
 * canonical JSON (sorted keys, no whitespace) of the schedule without `signatures`.
 */
export function scheduleBytes(schedule: Schedule): Uint8Array {
  return envelopeBytes(SCHEDULE_SIGNATURE_DOMAIN, schedule);
}

/** Adds this key's signature to the schedule (replacing an earlier one by the same key). */
export function signSchedule(schedule: Schedule, privateKeyHex: string): Schedule {
  return withSignature(schedule, scheduleBytes(schedule), privateKeyHex);
}

/** The id of the occurrence at `t` (ms since the epoch): `sched:<name>:<t>`. */
export function occurrenceId(name: string, t: number): string {
  return `sched:${name}:${t}`;
}

/**
 * The job an occurrence runs, built from the schedule alone: the same schedule and time
 * always give the same job. It carries no signatures of its own (the schedule's authorise it).
 */
export function occurrenceJob(schedule: Schedule, t: number): Job {
  const tpl = schedule.template;
  const at = new Date(t).toISOString();
  const job: Job = {
    id: occurrenceId(schedule.name, t),
    caller_id: tpl.caller_id ?? "",
    context_id: tpl.context_id ?? "",
    payload: tpl.payload,
    runner: schedule.runner,
    executor: tpl.executor ?? "",
    timeout: tpl.timeout ?? DEFAULT_OCCURRENCE_TIMEOUT_S,
    env_vars: { ...(tpl.env_vars ?? {}) },
    created_at: at,
    updated_at: at,
    signatures: [],
  };
  if (tpl.max_attempts !== undefined) job.max_attempts = tpl.max_attempts;
  if (tpl.backoff !== undefined) job.backoff = { ...tpl.backoff };
  if (tpl.priority !== undefined) job.priority = tpl.priority;
  return job;
}

/** The fields an occurrence's hash holds besides the job's: the signed schedule and the time. */
export function occurrenceFields(scheduleJson: string, t: number): Record<string, string> {
  return { schedule: scheduleJson, occurrence: new Date(t).toISOString() };
}

/** What a runner judges an occurrence by (the runner's acceptance policy has this shape). */
export interface OccurrencePolicy {
  runnerId: string;
  trustedKeys: ReadonlySet<string>;
  maxJobAgeS: number;
  clockSkewS: number;
}

export type OccurrenceVerdict =
  | { ok: true; job: Job; schedule: Schedule; signatories: string[]; untrusted: string[] }
  | { ok: false; kind: ErrorKind; message: string };

function refuse(kind: ErrorKind, message: string): { ok: false; kind: ErrorKind; message: string } {
  return { ok: false, kind, message };
}

/**
 * A schedule as a minter or runner accepts it: valid, signed by a trusted key (every
 * signature valid), for this runner id. The signature is checked before anything it covers,
 * so a schedule edited in Redis (payload, expression, runner) is refused `unauthorized`.
 */
export function checkSchedule(
  scheduleJson: string,
  policy: Pick<OccurrencePolicy, "runnerId" | "trustedKeys">,
):
  | { ok: true; schedule: Schedule; signatories: string[]; untrusted: string[] }
  | { ok: false; kind: ErrorKind; message: string } {
  let schedule: Schedule;
  try {
    schedule = parseScheduleJson(scheduleJson);
  } catch (e) {
    return refuse("invalid_job", (e as Error).message);
  }
  const verdict = verifyEnvelope(
    scheduleBytes(schedule),
    schedule.signatures,
    policy.trustedKeys,
    "schedule",
  );
  if (!verdict.ok) return verdict;
  if (schedule.runner !== policy.runnerId)
    return refuse(
      "invalid_job",
      `schedule "${schedule.name}" is for runner "${schedule.runner}", not "${policy.runnerId}"`,
    );
  return { ok: true, schedule, signatories: verdict.signatories, untrusted: verdict.untrusted };
}

/**
 * Judges an occurrence's hash (as TAKE returns it): its schedule must pass `checkSchedule`,
 * its id be `sched:<name>:<t>` for its `occurrence` time t, t one the expression produces,
 * within the schedule's bounds and inside the window of recent times; the job is then
 * rebuilt from the schedule (the hash's own job fields are never read).
 */
export function checkOccurrence(
  hash: Readonly<Record<string, string>>,
  policy: OccurrencePolicy,
  now: Date = new Date(),
): OccurrenceVerdict {
  const scheduleJson = hash.schedule;
  if (scheduleJson === undefined) return refuse("invalid_job", "occurrence carries no schedule");
  const checked = checkSchedule(scheduleJson, policy);
  if (!checked.ok) return checked;
  const { schedule } = checked;
  const stamp = hash.occurrence ?? "";
  const t = Date.parse(stamp);
  // One spelling per time, so one id per occurrence: the tools' own (UTC, milliseconds).
  if (Number.isNaN(t) || new Date(t).toISOString() !== stamp)
    return refuse(
      "invalid_job",
      `occurrence time ${JSON.stringify(stamp.slice(0, 40))} is not an RFC 3339 UTC time with milliseconds`,
    );
  const expected = occurrenceId(schedule.name, t);
  if (hash.id !== expected)
    return refuse(
      "unauthorized",
      `occurrence id "${hash.id}" is not "${expected}", the id of schedule "${schedule.name}" at ${stamp}`,
    );
  if (!expressionProduces(schedule, t))
    return refuse(
      "unauthorized",
      `schedule "${schedule.name}" has no occurrence at ${stamp} (${schedule.cron !== undefined ? `cron "${schedule.cron}"` : `every ${schedule.every_ms} ms`})`,
    );
  if (!withinBounds(schedule, t))
    return refuse(
      "unauthorized",
      `occurrence ${stamp} lies outside schedule "${schedule.name}"'s bounds (created_at ${schedule.created_at}${schedule.not_before ? `, not_before ${schedule.not_before}` : ""}${schedule.not_after ? `, not_after ${schedule.not_after}` : ""})`,
    );
  const window = checkWindow(
    t,
    now.getTime(),
    { maxAgeS: policy.maxJobAgeS, clockSkewS: policy.clockSkewS },
    "occurrence",
    "occurrence",
  );
  if (!window.ok) return window;
  return {
    ok: true,
    job: occurrenceJob(schedule, t),
    schedule,
    signatories: checked.signatories,
    untrusted: checked.untrusted,
  };
}

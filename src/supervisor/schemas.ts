// The shapes of every method's params and result. The server validates params with these
// and the OpenRPC document is generated from them, so the two cannot drift apart.
import { z } from "zod";
import { jobSchema, SCHEDULE_NAME } from "../job/index.js";
import { SCOPES } from "./auth.js";

/** A job as a client sends it; upstream's `runner_id` is accepted for `runner`. */
export const jobInput = z.preprocess((value) => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const raw = { ...(value as Record<string, unknown>) };
  if (raw.runner === undefined && raw.runner_id !== undefined) raw.runner = raw.runner_id;
  delete raw.runner_id;
  return raw;
}, jobSchema);

const jobId = z.string().min(1, "must not be empty").describe("the job's id");
const runnerName = z
  .string()
  .min(1, "must not be empty")
  .max(128)
  .regex(/^[A-Za-z0-9._-]+$/, "may hold only letters, digits and . _ -")
  .describe("runner id");

export const scope = z.enum(SCOPES);

export const jobStatus = z.enum([
  "created",
  "scheduled",
  "dispatched",
  "started",
  "finished",
  "error",
  "unknown",
]);

export const jobResult = z
  .union([z.object({ success: z.string() }), z.object({ error: z.string() })])
  .describe('{"success": output} or {"error": message}');

export const jobRecord = z.object({
  id: z.string(),
  runner: z.string(),
  status: jobStatus,
  created_at: z.string().optional(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  next_run_at: z
    .string()
    .optional()
    .describe("while scheduled: when it is due (its next attempt, or its run_at)"),
  attempts: z.number(),
  runner_instance: z.string().optional(),
  error: z.string().optional(),
  error_kind: z.string().optional(),
  result: jobResult.optional(),
  result_signature: z
    .string()
    .optional()
    .describe("the ending runner's signature over the outcome (hex), when it signs results"),
  result_signer: z
    .string()
    .optional()
    .describe("that runner's public key (compressed hex); compare it with the keys you trust"),
  result_proof: z
    .string()
    .optional()
    .describe(
      "the outcome's place in the batch that signature covers (JSON text), when the runner signed several ends at once",
    ),
  submitted_by: z
    .string()
    .optional()
    .describe("public id of the API key that stored the job through this supervisor"),
  submitted_by_name: z.string().optional().describe("that key's name"),
});

export const jobSummary = z.object({
  id: z.string(),
  runner: z.string().optional(),
  status: z.string().optional(),
  caller_id: z.string().optional(),
  context_id: z.string().optional(),
  executor: z.string().optional(),
  created_at: z.string().optional(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  error_kind: z.string().optional(),
  submitted_by: z.string().optional(),
});

export const instance = z.object({
  runner_id: z.string(),
  instance: z.string(),
  host: z.string(),
  pid: z.number(),
  kind: z.string(),
  version: z.string(),
  concurrency: z.number(),
  started_at: z.string(),
  jobs_done: z.number(),
  jobs_running: z.number(),
  public_key: z
    .string()
    .optional()
    .describe("the key this instance signs results with (compressed hex), when it signs"),
});

export const runnerStatus = z.object({
  name: z.string(),
  registered: z.boolean(),
  queue: z.string().optional(),
  registered_at: z.string().optional(),
  online: z.boolean().describe("at least one live instance"),
  queue_length: z.number(),
  instances: z.array(instance),
});

export const keyRecord = z.object({
  id: z.string().describe("public id of the key (what auth.remove_key takes)"),
  name: z.string(),
  scope,
  created_at: z.string(),
});

const scheduleName = z
  .string()
  .regex(SCHEDULE_NAME, "must be 1 to 64 characters of letters, digits and . _ -")
  .describe("schedule name");

export const scheduleView = z.object({
  name: z.string(),
  runner: z.string().optional(),
  cron: z.string().optional(),
  every_ms: z.number().optional(),
  timezone: z.string().optional(),
  not_before: z.string().optional(),
  not_after: z.string().optional(),
  created_at: z.string().optional(),
  signed_by: z
    .array(z.string())
    .describe("keys whose signatures verify; whether a runner trusts them is its own business"),
  next: z.string().optional().describe("the next occurrence"),
  last_minted: z.string().optional().describe("the latest occurrence minted"),
  problem: z.string().optional().describe("why the stored schedule cannot run"),
});

export const scheduleRun = z.object({
  id: z.string(),
  occurrence: z.string(),
  status: z.string().describe("the occurrence job's status; expired once its record is gone"),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  error_kind: z.string().optional(),
  error: z.string().optional(),
});

/** One attempt of a job that may run more than once, as its history keeps it. */
export const attemptEntry = z.object({
  attempt: z.number().describe("1 for the first run"),
  instance: z.string().describe("the runner instance that ran it"),
  started_at: z.string().optional(),
  ended_at: z.string(),
  status: z.enum(["finished", "error"]),
  error_kind: z.string().optional(),
  error: z.string().optional(),
  next_run_at: z.string().optional().describe("when the next attempt was due, if one was"),
});

export const deadLetter = z.object({
  id: z.string(),
  died_at: z.string().describe("when its last attempt failed"),
  record: jobRecord,
});

const nullableSeconds = z.number().nullable();

export const runnerOverview = z.object({
  runner: z.string(),
  registered: z.boolean(),
  instances: z.number().describe("live instances (heartbeat present)"),
  concurrency: z.number().describe("the live instances' concurrency, summed"),
  queued: z.number().describe("jobs queued, every priority"),
  scheduled: z.number().describe("jobs waiting for their run_at or next attempt"),
  running: z.number().describe("jobs the instances hold"),
  dead_letters: z.number(),
  oldest_queued_age_s: z.number().describe("how long the oldest queued job has waited"),
  totals: z
    .object({ finished: z.number(), error: z.number(), dead: z.number() })
    .describe("ended jobs since the counts began"),
  window: z
    .object({
      finished: z.number(),
      failed: z.number().describe("ended in error (dead letters and cancels included)"),
      retried: z.number().describe("attempts failed with another to come"),
      finished_per_min: z.number().describe("over the last 5 minutes (or the window)"),
      failed_per_min: z.number(),
      duration_p50_s: nullableSeconds.describe("attempt durations, start to end"),
      duration_p95_s: nullableSeconds,
      queue_wait_p50_s: nullableSeconds.describe("from being queued to being started"),
      queue_wait_p95_s: nullableSeconds,
    })
    .describe("from the event stream, over the window"),
  series: z
    .array(
      z.object({
        t: z.number().describe("the bucket's start, ms since the epoch"),
        finished: z.number(),
        failed: z.number(),
        retried: z.number(),
        p50_s: nullableSeconds,
        p95_s: nullableSeconds,
      }),
    )
    .describe("one entry per bucket, oldest first"),
});

export const indexedJob = jobRecord.omit({ result: true }).extend({
  stored_at: z.string().describe("when the job index got it"),
});

export const statusCounts = z.object({
  queued: z.number(),
  scheduled: z.number(),
  running: z.number(),
  finished: z.number(),
  error: z.number(),
  dead: z.number(),
});

export const activityNotice = z.object({
  changes: z.number(),
  kinds: z.record(z.string(), z.number()).describe("changes per event kind"),
  runners: z.array(z.string()),
});

const flowStatus = z.enum(["created", "started", "finished", "error"]);
const nodeState = z.enum(["pending", "queued", "finished", "error", "cancelled"]);

export const flowRecord = z.object({
  id: z.string(),
  status: flowStatus,
  failure_policy: z.string(),
  created_at: z.string().optional().describe("when it was stored"),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  expires_at: z.string().optional().describe("until when its nodes may run, if its signer said"),
  submitted_by: z.string().optional().describe("public id of the API key that stored it"),
  submitted_by_name: z.string().optional(),
  nodes: z.array(
    z.object({
      id: z.string(),
      job_id: z.string().describe("the node's job: flow:<flow id>:<node id>"),
      runner: z.string(),
      depends_on: z.array(z.string()),
      state: nodeState.describe("queued: its job exists, and its own status says more"),
      job: jobRecord.optional().describe("the node job's record, once queued (flow.status only)"),
    }),
  ),
});

const flowId = z.string().min(1, "must not be empty").max(64).describe("the flow's id");
const byFlowId = z.object({ flow_id: flowId });
const empty = z.object({});
const byJobId = z.object({ job_id: jobId });

/** Params and result of each method, by method name. */
export const SCHEMAS = {
  "rpc.discover": { params: empty, result: z.record(z.string(), z.unknown()) },
  "auth.verify": {
    params: z.object({
      key: z
        .string()
        .optional()
        .describe("key to check; over WebSocket it also authenticates the connection"),
    }),
    result: z.object({ valid: z.literal(true), id: z.string(), name: z.string(), scope }),
  },
  "auth.create_key": {
    params: z.object({ name: z.string().min(1, "must not be empty").max(200), scope }),
    result: keyRecord.extend({ key: z.string().describe("the secret; shown only this once") }),
  },
  "auth.list_keys": { params: empty, result: z.object({ keys: z.array(keyRecord) }) },
  "auth.remove_key": {
    params: z.object({ id: z.string().min(1, "must not be empty") }),
    result: z.object({ removed: z.literal(true) }),
  },
  register_runner: {
    params: z.object({
      name: runnerName,
      queue: z
        .string()
        .optional()
        .describe(
          "queue the runner reads; runners read the queue of their name, so it must be the name",
        ),
    }),
    result: runnerStatus,
  },
  list_runners: { params: empty, result: z.object({ runners: z.array(runnerStatus) }) },
  get_runner_status: { params: z.object({ name: runnerName }), result: runnerStatus },
  "jobs.create": {
    params: z.object({ job: jobInput }),
    result: z.object({ job_id: z.string() }),
  },
  "jobs.get": {
    params: byJobId,
    result: z.object({
      job: jobSchema,
      status: jobRecord,
      history: z
        .array(attemptEntry)
        .describe("every attempt so far, oldest first (kept for jobs with max_attempts > 1)"),
    }),
  },
  "jobs.list": {
    params: z.object({
      status: jobStatus.optional(),
      runner: z.string().optional(),
      search: z
        .string()
        .optional()
        .describe("text looked for in id, caller_id, context_id and payload"),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(500).default(50),
    }),
    result: z.object({
      jobs: z.array(jobSummary),
      offset: z.number(),
      limit: z.number(),
      has_more: z.boolean(),
    }),
  },
  "jobs.index": {
    params: z.object({
      runner: z.string().optional(),
      status: jobStatus.optional(),
      since: z.iso
        .datetime({ offset: true })
        .optional()
        .describe("only jobs stored at or after this time (RFC 3339)"),
      after: z
        .string()
        .regex(/^[0-9]+$/, "must be a cursor from a previous page's next")
        .optional()
        .describe("the previous page's next: this page goes on from there"),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    result: z.object({
      jobs: z.array(indexedJob).describe("newest first"),
      next: z.string().optional().describe("pass as after for the next page; absent at the end"),
      counts: statusCounts.describe(
        "the runner id's jobs by state (every runner id's summed without a runner), whoever stored them",
      ),
    }),
  },
  "stats.overview": {
    params: z.object({
      window_s: z.number().int().min(60).max(3600).default(1800),
      bucket_s: z
        .number()
        .int()
        .min(10)
        .max(600)
        .default(60)
        .describe("the charts' bucket width (s); at most 360 buckets to a window"),
    }),
    result: z.object({
      now: z.string(),
      window_s: z.number(),
      bucket_s: z.number(),
      events_since: z
        .string()
        .optional()
        .describe("the oldest event read: the stream holds nothing older (capped, or idle)"),
      events_read: z.number(),
      runners: z.array(runnerOverview),
    }),
  },
  "events.subscribe": {
    params: empty,
    result: z.object({ subscribed: z.literal(true) }),
  },
  "events.unsubscribe": {
    params: empty,
    result: z.object({ unsubscribed: z.boolean() }),
  },
  "job.run": {
    params: z.object({
      job: jobInput,
      timeout: z
        .number()
        .positive()
        .optional()
        .describe("seconds to wait; default the job's timeout plus 30"),
    }),
    result: jobResult,
  },
  "job.start": {
    params: byJobId,
    result: z.object({ job_id: z.string(), queued: z.literal(true) }),
  },
  "job.status": { params: byJobId, result: jobRecord },
  "job.result": {
    params: byJobId,
    result: jobResult.nullable().describe("null while the job has not ended"),
  },
  "job.logs": {
    params: byJobId.extend({ from: z.number().int().min(0).default(0) }),
    result: z.object({ lines: z.array(z.string()), next: z.number(), dropped: z.number() }),
  },
  "job.cancel": {
    params: byJobId,
    result: z.object({ outcome: z.enum(["cancelled", "signalled"]) }),
  },
  "job.delete": { params: byJobId, result: z.object({ deleted: z.literal(true) }) },
  "job.subscribe": {
    params: byJobId,
    result: z.object({
      subscribed: z.literal(true),
      job_id: z.string(),
    }),
  },
  "job.unsubscribe": { params: byJobId, result: z.object({ unsubscribed: z.boolean() }) },
  "schedule.add": {
    params: z.object({
      schedule: z
        .record(z.string(), z.unknown())
        .describe("a schedule signed by the client (docs/protocol.md, section 10)"),
    }),
    result: z.object({ name: z.string(), next: z.string().optional() }),
  },
  "schedule.list": { params: empty, result: z.object({ schedules: z.array(scheduleView) }) },
  "schedule.remove": {
    params: z.object({ name: scheduleName }),
    result: z.object({ removed: z.literal(true) }),
  },
  "schedule.runs": {
    params: z.object({
      name: scheduleName,
      limit: z.number().int().min(1).max(100).default(100),
    }),
    result: z.object({ runs: z.array(scheduleRun) }),
  },
  "dead.list": {
    params: z.object({
      runner: runnerName,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(500).default(50),
    }),
    result: z.object({
      runner: z.string(),
      letters: z.array(deadLetter).describe("newest first"),
      offset: z.number(),
      limit: z.number(),
      has_more: z.boolean(),
      total: z
        .number()
        .optional()
        .describe("how many dead letters the runner id holds (admin only: it reaches them all)"),
    }),
  },
  "dead.show": {
    params: byJobId,
    result: z.object({
      record: jobRecord,
      dead: z.boolean().describe("whether it is among its runner id's dead letters"),
      attempts: z.array(attemptEntry),
      retry_job: jobSchema
        .optional()
        .describe(
          "a dead letter's retry, unsigned: sign it (with any env_vars values redacted_env_vars names filled in) and give it to dead.retry",
        ),
      retry_refused: z
        .string()
        .optional()
        .describe(
          "instead of retry_job, for a dead letter whose signatures no longer hold (changed in Redis): why it is not run again",
        ),
      redacted_env_vars: z
        .array(z.string())
        .optional()
        .describe(
          "env_vars of retry_job whose values this key may not see: the signer fills them in (they must be the original's)",
        ),
    }),
  },
  "dead.retry": {
    params: z.object({
      job_id: jobId.describe("the dead letter's id"),
      job: jobInput.describe(
        "the retry, signed by the caller: dead.show's retry_job (retryJobOf in code)",
      ),
    }),
    result: z.object({
      job_id: z.string().describe("the new job's id"),
      retry_of: z.string().describe("the dead letter's id"),
    }),
  },
  "dead.purge": {
    params: z.object({
      runner: runnerName,
      job_ids: z
        .array(jobId)
        .min(1, "name at least one id, or leave job_ids out for every letter")
        .max(1000)
        .optional()
        .describe(
          "the letters to purge; every one of the runner id's (that the key reaches) if absent",
        ),
    }),
    result: z.object({
      purged: z.number(),
      job_ids: z.array(z.string()).describe("the ids purged"),
    }),
  },
  "flow.create": {
    params: z.object({
      flow: z
        .record(z.string(), z.unknown())
        .describe('a flow signed by the client (docs/flows.md, "The protocol")'),
      check_runners: z
        .boolean()
        .default(true)
        .describe(
          "refuse a flow with a node for a runner id with no live instance and no registration (false: for runners started later)",
        ),
    }),
    result: z.object({ flow_id: z.string(), nodes: z.number() }),
  },
  "flow.start": {
    params: byFlowId,
    result: z.object({
      flow_id: z.string(),
      status: flowStatus.describe("after starting: its root nodes are queued"),
    }),
  },
  "flow.status": { params: byFlowId, result: flowRecord },
  "flow.cancel": { params: byFlowId, result: z.object({ cancelled: z.literal(true) }) },
  "flow.list": {
    params: z.object({
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(500).default(50),
    }),
    result: z.object({
      flows: z.array(flowRecord).describe("newest first; nodes without their job records"),
      offset: z.number(),
      limit: z.number(),
      has_more: z.boolean(),
    }),
  },
  "flow.subscribe": {
    params: byFlowId,
    result: z.object({ subscribed: z.literal(true), flow_id: z.string() }),
  },
  "flow.unsubscribe": { params: byFlowId, result: z.object({ unsubscribed: z.boolean() }) },
} as const;

export type MethodName = keyof typeof SCHEMAS;
export type FlowMethodName = Extract<MethodName, `flow.${string}`>;
export type ParamsOf<M extends MethodName> = z.output<(typeof SCHEMAS)[M]["params"]>;
export type ResultOf<M extends MethodName> = z.input<(typeof SCHEMAS)[M]["result"]>;

/** The notification a subscribed WebSocket receives (method `job.event`). */
export const jobEvent = z.object({
  job_id: z.string(),
  type: z.enum(["status", "log", "end"]),
  status: jobStatus.optional(),
  line: z.string().optional(),
  record: jobRecord.optional(),
});
export type JobEvent = z.infer<typeof jobEvent>;

/** The notification a WebSocket subscribed to a flow receives (method `flow.event`). */
export const flowEvent = z.object({
  flow_id: z.string(),
  type: z.enum(["status", "node", "end"]),
  status: z.union([flowStatus, z.literal("missing")]).optional(),
  node: z.string().optional(),
  state: nodeState.optional(),
  job_status: jobStatus.optional().describe("a queued node's job status"),
  record: flowRecord.optional().describe("with `end`: the flow's final record"),
});
export type FlowEvent = z.infer<typeof flowEvent>;

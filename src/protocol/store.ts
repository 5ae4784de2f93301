// Job state in Redis: every read and write of a job's keys goes through `JobStore`.
import type { Redis } from "ioredis";
import { type ErrorKind, type Job, type JobStatus, jobFromHash, jobToHash } from "../job/index.js";
import { isCluster } from "./connection.js";
import { RedisKeys } from "./keys.js";
import { CANCEL, FINISH, HAND_BACK, START, STORE, SUBMIT, TAKE } from "./scripts.js";
import { runScript, runScriptBatched } from "./scripts-runner.js";

/** `{"success": output}` or `{"error": message}`, as upstream's job.run answers. */
export type JobResult = { success: string } | { error: string };

/** What a waiter receives on the reply list when a job ends. */
export interface JobReply {
  id: string;
  status: JobStatus;
  error_kind?: ErrorKind;
  /** The job's final record, when the reply was written by a runner ending the job. */
  record?: JobRecord;
}

/** A job's state as people and tools see it. */
export interface JobRecord {
  id: string;
  runner: string;
  status: JobStatus | "unknown";
  created_at?: string;
  started_at?: string;
  finished_at?: string;
  attempts: number;
  runner_instance?: string;
  error?: string;
  error_kind?: ErrorKind;
  result?: JobResult;
}

export const LOG_LINE_MAX_BYTES = 16 * 1024;
export const LOG_LINES_MAX = 10_000;
export const DEFAULT_RETENTION_S = 7 * 24 * 3600;

/**
 * A job's record from the fields of its hash (or of the record a runner put in its reply),
 * always in the same shape and key order.
 */
export function recordOf(
  id: string,
  fields: Record<string, unknown>,
  result: JobResult | undefined,
): JobRecord {
  const text = (key: string): string | undefined => {
    const v = fields[key];
    return typeof v === "string" ? v : undefined;
  };
  return {
    id,
    runner: text("runner") ?? "",
    status: (text("status") as JobStatus | undefined) ?? "unknown",
    created_at: text("created_at"),
    started_at: text("started_at"),
    finished_at: text("finished_at"),
    attempts: Number(fields.attempts ?? 0),
    runner_instance: text("runner_instance"),
    error: text("error"),
    error_kind: text("error_kind") as ErrorKind | undefined,
    result,
  };
}

/** A job id a runner took from its queue, with the job's hash as it was when taken. */
export interface TakenJob {
  id: string;
  /** Empty when no such job exists. */
  hash: Record<string, string>;
}

export class JobExistsError extends Error {
  override readonly name = "JobExistsError";
}

export type StartOutcome = "started" | "missing" | "already-run" | "cancelled" | "not-held";
export type FinishOutcome = "written" | "missing" | "already-ended" | "not-holder";

function clip(line: string): string {
  if (Buffer.byteLength(line, "utf8") <= LOG_LINE_MAX_BYTES) return line;
  return `${Buffer.from(line, "utf8").subarray(0, LOG_LINE_MAX_BYTES).toString("utf8")}…`;
}

export interface EndOptions {
  instance: string;
  /** "holder": only the instance that started the job may end it; "open": any. */
  mode: "holder" | "open";
  /** Active list to remove the id from (runner id + instance), if any. */
  active?: { runnerId: string; instance: string };
  retentionS: number;
}

/** TAKE's flat reply (id, [field, value, ...], id, ...) as jobs. */
function takenJobs(reply: unknown): TakenJob[] {
  const flat = reply as (string | string[])[];
  const out: TakenJob[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const fields = flat[i + 1] as string[];
    const hash: Record<string, string> = {};
    for (let f = 0; f + 1 < fields.length; f += 2)
      hash[fields[f] as string] = fields[f + 1] as string;
    out.push({ id: flat[i] as string, hash });
  }
  return out;
}

export class JobStore {
  readonly keys: RedisKeys;

  constructor(
    readonly redis: Redis,
    namespace = "",
  ) {
    // The one place the namespace is resolved: in a Cluster it becomes a hash tag.
    this.keys = new RedisKeys(namespace, { cluster: isCluster(redis) });
  }

  /** Stores a job as `dispatched` and pushes its id onto its runner's queue, atomically. */
  async submit(job: Job): Promise<void> {
    const fields = { ...jobToHash(job), status: "dispatched", attempts: "0" };
    const code = await runScriptBatched(
      this.redis,
      SUBMIT,
      [this.keys.job(job.id), this.keys.queue(job.runner), this.keys.reply(job.id)],
      [job.id, ...Object.entries(fields).flat()],
    );
    if (code === -1) throw new JobExistsError(`a job with id ${job.id} exists already`);
  }

  /** Stores a job without queueing it. */
  async store(job: Job): Promise<void> {
    const fields = { ...jobToHash(job), status: "dispatched", attempts: "0" };
    const code = await runScript(
      this.redis,
      STORE,
      [this.keys.job(job.id)],
      Object.entries(fields).flat(),
    );
    if (code === -1) throw new JobExistsError(`a job with id ${job.id} exists already`);
  }

  /** Queues a stored job. */
  async enqueue(runnerId: string, id: string): Promise<void> {
    await this.redis.lpush(this.keys.queue(runnerId), id);
  }

  /** The raw hash of a job (empty object when there is none). */
  async loadHash(id: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.job(id));
  }

  /** The job itself, validated; undefined when no such job exists. Throws InvalidJobError. */
  async loadJob(id: string): Promise<Job | undefined> {
    const hash = await this.loadHash(id);
    if (Object.keys(hash).length === 0) return undefined;
    return jobFromHash(hash);
  }

  /**
   * Moves up to `max` ids from the runner's queue to the instance's active list and reads
   * their jobs, in one round trip on `conn`. `takenId` (an id a BLMOVE moved already) is
   * read first. Oldest first.
   */
  async take(
    conn: Redis,
    runnerId: string,
    instance: string,
    max: number,
    takenId = "",
  ): Promise<TakenJob[]> {
    return takenJobs(
      await runScript(
        conn,
        TAKE,
        [this.keys.queue(runnerId), this.keys.active(runnerId, instance)],
        [Math.max(0, max), this.keys.job(""), takenId],
      ),
    );
  }

  /**
   * TAKE on this store's own connection, sent in the same pipeline as the other script calls
   * of this tick: a runner finishing a job asks for the next one in the round trip that
   * records the end, instead of a round trip of its own afterwards.
   */
  async takeAlong(runnerId: string, instance: string, max: number): Promise<TakenJob[]> {
    return takenJobs(
      await runScriptBatched(
        this.redis,
        TAKE,
        [this.keys.queue(runnerId), this.keys.active(runnerId, instance)],
        [Math.max(0, max), this.keys.job(""), ""],
      ),
    );
  }

  async start(
    id: string,
    runnerId: string,
    instance: string,
    claimTtlS: number,
  ): Promise<StartOutcome> {
    const code = await runScriptBatched(
      this.redis,
      START,
      [this.keys.job(id), this.keys.claim(id), this.keys.active(runnerId, instance)],
      [instance, new Date().toISOString(), Math.max(1, Math.ceil(claimTtlS)), id],
    );
    switch (code) {
      case 1:
        return "started";
      case -1:
        return "missing";
      case -3:
        return "cancelled";
      case -6:
        return "not-held";
      default:
        return "already-run";
    }
  }

  private async end(
    id: string,
    status: "finished" | "error",
    result: JobResult,
    errorKind: ErrorKind | "",
    opts: EndOptions,
  ): Promise<FinishOutcome> {
    const reply: JobReply = { id, status, ...(errorKind ? { error_kind: errorKind } : {}) };
    const active = opts.active
      ? this.keys.active(opts.active.runnerId, opts.active.instance)
      : this.keys.none();
    const code = await runScriptBatched(
      this.redis,
      FINISH,
      [
        this.keys.job(id),
        this.keys.result(id),
        this.keys.reply(id),
        this.keys.logs(id),
        this.keys.claim(id),
        active,
      ],
      [
        opts.instance,
        opts.mode,
        status,
        JSON.stringify(result),
        "error" in result ? result.error : "",
        errorKind,
        new Date().toISOString(),
        opts.retentionS,
        id,
        JSON.stringify(reply),
      ],
    );
    switch (code) {
      case 1:
        return "written";
      case -1:
        return "missing";
      case -2:
        return "already-ended";
      default:
        return "not-holder";
    }
  }

  succeed(id: string, output: string, opts: EndOptions): Promise<FinishOutcome> {
    return this.end(id, "finished", { success: output }, "", opts);
  }

  fail(id: string, kind: ErrorKind, message: string, opts: EndOptions): Promise<FinishOutcome> {
    return this.end(id, "error", { error: message }, kind, opts);
  }

  /** Gives a started job back to the front of its queue. True when it was handed back. */
  async handBack(runnerId: string, id: string, instance: string): Promise<boolean> {
    const code = await runScript(
      this.redis,
      HAND_BACK,
      [
        this.keys.job(id),
        this.keys.queue(runnerId),
        this.keys.active(runnerId, instance),
        this.keys.claim(id),
      ],
      [id, instance, new Date().toISOString()],
    );
    return code === 1;
  }

  /**
   * Cancels a job: a queued one ends at once ("cancelled"); a running one is flagged and
   * its runner told ("signalled").
   */
  async cancel(
    id: string,
    retentionS = DEFAULT_RETENTION_S,
  ): Promise<"cancelled" | "signalled" | "missing" | "already-ended"> {
    const message = "cancelled before it started";
    const reply: JobReply = { id, status: "error", error_kind: "cancelled" };
    const code = await runScript(
      this.redis,
      CANCEL,
      [this.keys.job(id), this.keys.result(id), this.keys.reply(id)],
      [
        new Date().toISOString(),
        retentionS,
        message,
        JSON.stringify({ error: message }),
        JSON.stringify(reply),
      ],
    );
    if (code === 1) return "cancelled";
    if (code === -1) return "missing";
    if (code === -2) return "already-ended";
    const runner = await this.redis.hget(this.keys.job(id), "runner");
    if (runner) await this.redis.publish(this.keys.control(runner), JSON.stringify({ cancel: id }));
    return "signalled";
  }

  /** Appends a line to the job's capped log. */
  async appendLog(id: string, line: string): Promise<void> {
    const key = this.keys.logs(id);
    await this.redis.multi().rpush(key, clip(line)).ltrim(key, -LOG_LINES_MAX, -1).exec();
  }

  async logs(id: string, from = 0): Promise<string[]> {
    return this.redis.lrange(this.keys.logs(id), from, -1);
  }

  async result(id: string): Promise<JobResult | undefined> {
    const text = await this.redis.get(this.keys.result(id));
    if (text === null) return undefined;
    return JSON.parse(text) as JobResult;
  }

  async record(id: string): Promise<JobRecord | undefined> {
    // One write and one round trip for both keys.
    const replies = await this.redis
      .pipeline()
      .hgetall(this.keys.job(id))
      .get(this.keys.result(id))
      .exec();
    if (replies === null) throw new Error("pipeline was discarded");
    const [[hashError, rawHash], [resultError, text]] = replies as [
      [Error | null, Record<string, string>],
      [Error | null, string | null],
    ];
    if (hashError) throw hashError;
    if (resultError) throw resultError;
    if (Object.keys(rawHash).length === 0) return undefined;
    const result = text === null ? undefined : (JSON.parse(text) as JobResult);
    return recordOf(id, rawHash, result);
  }

  /**
   * Waits for the job's reply on a connection that may block (no polling). The reply stays
   * on its list for other waiters: BLMOVE from the list onto itself reads it and puts it
   * back in one atomic command. Null on timeout.
   */
  async waitForReply(blocking: Redis, id: string, timeoutS: number): Promise<JobReply | null> {
    const key = this.keys.reply(id);
    const reply = await blocking.blmove(key, key, "RIGHT", "RIGHT", timeoutS);
    if (reply === null) return null;
    return JSON.parse(reply) as JobReply;
  }

  /** Keeps a queue item that is not a usable job for a person to inspect. */
  async keepInvalid(runnerId: string, item: string, reason: string): Promise<void> {
    const key = this.keys.invalid(runnerId);
    await this.redis
      .multi()
      .lpush(
        key,
        JSON.stringify({ item: item.slice(0, 1024), reason, at: new Date().toISOString() }),
      )
      .ltrim(key, 0, 999)
      .exec();
  }
}

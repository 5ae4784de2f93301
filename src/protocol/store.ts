// Job state in Redis: every read and write of a job's keys goes through `JobStore`.
import type { Redis } from "ioredis";
import {
  type ErrorKind,
  type Job,
  type JobStatus,
  jobFromHash,
  jobToHash,
  type ResultStatement,
} from "../job/index.js";
import {
  CANCEL_CODES,
  decodeCode,
  FINISH_CODES,
  HAND_BACK_CODES,
  RETRY_CODES,
  START_CODES,
  SUBMIT_CODES,
} from "./codes.js";
import { isCluster } from "./connection.js";
import {
  type PendingSignature,
  queueForSigning,
  type ResultSigner,
  signedArgs,
} from "./end-signing.js";
import { DEFAULT_MAX_LOG_BYTES, DEFAULT_MAX_RESULT_BYTES, type JobCaps } from "./job-caps.js";
import { RedisKeys } from "./keys.js";
import { sendTogether, textCommand, writeTogether } from "./one-write.js";
import { RETRY } from "./retry-scripts.js";
import {
  APPEND_LOG,
  CANCEL,
  FINISH,
  HAND_BACK,
  LOG_TAIL,
  START,
  STORE,
  SUBMIT,
  TAKE,
} from "./scripts.js";
import {
  carryBatchedCalls,
  isNoScript,
  runScript,
  runScriptBatched,
  scriptCommand,
} from "./scripts-runner.js";

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

/** Log lines read from some line number on (see JobStore.logTail). */
export interface LogTail {
  lines: string[];
  /** The line number to ask for next. */
  next: number;
  /**
   * Lines asked for that the log no longer holds (it keeps the newest LOG_LINES_MAX lines,
   * within the store's byte budget).
   */
  dropped: number;
}

/** A job's state as people and tools see it. */
export interface JobRecord {
  id: string;
  runner: string;
  status: JobStatus | "unknown";
  created_at?: string;
  started_at?: string;
  finished_at?: string;
  /** When a `scheduled` job is due: its next attempt's time, or its run_at. */
  next_run_at?: string;
  attempts: number;
  runner_instance?: string;
  error?: string;
  error_kind?: ErrorKind;
  result?: JobResult;
  /** The ending runner's signature over the outcome (see result-signature.ts), if signed. */
  result_signature?: string;
  /** Its public key (compressed hex). */
  result_signer?: string;
  /** Where the outcome sits in the batch its signature covers (JSON text), if it does. */
  result_proof?: string;
}

export const LOG_LINE_MAX_BYTES = 16 * 1024;
export const LOG_LINES_MAX = 10_000;
/**
 * How long a finished job is kept: a day. At a steady 100 jobs/s of tiny jobs (about 2.5 KB
 * each in Redis) that is 21 GB, which is why a count cap stands beside it (see
 * docs/operations.md, "Sizing Redis").
 */
export const DEFAULT_RETENTION_S = 24 * 3600;
/** How many finished jobs a runner id keeps at most (`--keep-finished`). */
export const DEFAULT_KEEP_FINISHED = 50_000;

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
  const status = (text("status") as JobStatus | undefined) ?? "unknown";
  return {
    id,
    runner: text("runner") ?? "",
    status,
    created_at: text("created_at"),
    started_at: text("started_at"),
    finished_at: text("finished_at"),
    // A retry's due time is written with it (RETRY); a delayed job's is its signed run_at.
    next_run_at: status === "scheduled" ? (text("next_run_at") ?? text("run_at")) : undefined,
    attempts: Number(fields.attempts ?? 0),
    runner_instance: text("runner_instance"),
    error: text("error"),
    error_kind: text("error_kind") as ErrorKind | undefined,
    result_signature: text("result_signature"),
    result_signer: text("result_signer"),
    result_proof: text("result_proof") || undefined,
    result,
  };
}

/** What a result signature covers, read back from a record (see verifyResult). */
export function statementOf(record: JobRecord): ResultStatement | undefined {
  if (record.status !== "finished" && record.status !== "error") return undefined;
  if (record.result === undefined || record.finished_at === undefined) return undefined;
  return {
    job_id: record.id,
    status: record.status,
    result: record.result,
    error_kind: record.error_kind,
    finished_at: record.finished_at,
    runner_instance: record.runner_instance ?? "",
  };
}

/** A job id a runner took from its queue, started if it could be (see TAKE). */
export interface TakenJob {
  id: string;
  /** How claiming it went: only a "started" job is this instance's to check and run. */
  outcome: StartOutcome;
  /** The job as it was when started; empty unless started. */
  hash: Record<string, string>;
}

/** What a runner instance asks TAKE for. */
export interface TakeRequest {
  runnerId: string;
  instance: string;
  /** Most jobs to take (one per free slot). */
  max: number;
  /**
   * How long the claim of a started job lives, before the job's own timeout is added: past
   * the maximum job age, so a replayed id is still recognised.
   */
  claimTtlS: number;
  /** Most jobs running across the runner id's instances (`--global-concurrency`; 0: none). */
  globalConcurrency?: number;
  /** Most jobs started per `rateWindowMs` across the runner id's instances (0: none). */
  rateLimit?: number;
  rateWindowMs?: number;
}

export class JobExistsError extends Error {
  override readonly name = "JobExistsError";
}

/** Redis refused a write because it has reached `maxmemory` (its policy evicts nothing). */
export class RedisOutOfMemoryError extends Error {
  override readonly name = "RedisOutOfMemoryError";
}

/**
 * Redis's "OOM command not allowed..." as a message that says what happened and what to do;
 * any other error as it is.
 */
export function explainRedisError(e: unknown, what: string): unknown {
  if (e instanceof Error && /^OOM\b/.test(e.message))
    return new RedisOutOfMemoryError(
      `Redis is out of memory (maxmemory reached): ${what}. Free memory (shorter --result-ttl, fewer kept jobs) or raise maxmemory. Redis said: ${e.message}`,
    );
  return e;
}

/** SUBMIT's and STORE's refusals as errors people can act on. */
function submitRefusal(code: unknown, id: string): JobExistsError | undefined {
  const word = decodeCode(SUBMIT_CODES, code, "SUBMIT/STORE");
  if (word === "exists") return new JobExistsError(`a job with id ${id} exists already`);
  if (word === "claimed")
    return new JobExistsError(
      `job id ${id} was claimed by a runner before (it ran, or started); a signed job runs once: sign a new job to run it again`,
    );
  return undefined;
}

export type StartOutcome =
  | "started"
  | "missing"
  | "already-run"
  | "cancelled"
  | "not-held"
  | "limited";

/** START's and TAKE's reply codes as words. */
function startOutcomeOf(code: unknown): StartOutcome {
  return decodeCode(START_CODES, code, "START/TAKE");
}
export type FinishOutcome = "written" | "missing" | "already-ended" | "not-holder";

/**
 * A job's end, ready to send (see JobStore.prepareEnd); plain data once its signature is made
 * (`signing` gone, see end-signing.ts), kept as JSON if need be.
 */
export interface FinishCall {
  id: string;
  /** How the job ends, as the call records it (and the error, for an error). */
  status: "finished" | "error";
  error?: { kind: ErrorKind | ""; message: string };
  /** Set when the call is a RETRY (the attempt failed, the next is due then), not a FINISH. */
  retryAt?: string;
  /** The job goes to the dead letters with this end. */
  dead?: boolean;
  keys: string[];
  args: (string | number)[];
  /** What the outcome's signature will cover, until its write leaves (end-signing.ts). */
  signing?: PendingSignature;
}

function clip(line: string): string {
  if (Buffer.byteLength(line, "utf8") <= LOG_LINE_MAX_BYTES) return line;
  return `${Buffer.from(line, "utf8").subarray(0, LOG_LINE_MAX_BYTES).toString("utf8")}…`;
}

export interface EndOptions {
  instance: string;
  /** Signs the outcome (a runner ending a job); unsigned without one. */
  signer?: ResultSigner;
  /** "holder": only the instance that started the job may end it; "open": any. */
  mode: "holder" | "open";
  /** Active list to remove the id from (runner id + instance), if any. */
  active?: { runnerId: string; instance: string };
  retentionS: number;
  /**
   * Finished jobs the runner id keeps at most, oldest deleted first (their claims stay);
   * 0 or unset: no count cap, only the retention.
   */
  keepFinished?: number;
  /**
   * The job used its attempts and failed: it joins the runner id's dead letters (kept for
   * `retentionS`, at most `keepDead` of them) instead of its finished jobs.
   */
  dead?: { keepDead: number };
  /** This attempt's entry in the job's history (jobs that may run more than once). */
  history?: string;
}

/** What one take brought: the jobs, and how many ids it left in the queue. */
export interface TakeResult {
  jobs: TakenJob[];
  /**
   * The queue's length right after the take. Zero tells a runner that the next job will have
   * to be waited for (see the runner's end of a job).
   */
  queueLeft: number;
}

/** A take-along not sent yet (see JobStore.takeAlong). */
interface PendingTake {
  /** Runner id and instance: only takes for the same ones are shared. */
  key: string;
  max: number;
  result: Promise<TakeResult>;
}

/** TAKE's flat reply (id, code, [field, value, ...], id, ..., queue length) as a result. */
function takeResult(reply: unknown): TakeResult {
  const flat = reply as (string | number | string[])[];
  const out: TakenJob[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const fields = flat[i + 2] as string[];
    const hash: Record<string, string> = {};
    for (let f = 0; f + 1 < fields.length; f += 2)
      hash[fields[f] as string] = fields[f + 1] as string;
    out.push({ id: flat[i] as string, outcome: startOutcomeOf(flat[i + 1]), hash });
  }
  const last = flat.length % 3 === 1 ? Number(flat[flat.length - 1]) : 0;
  return { jobs: out, queueLeft: Number.isFinite(last) ? last : 0 };
}

export class JobStore {
  readonly keys: RedisKeys;
  readonly caps: JobCaps;

  constructor(
    readonly redis: Redis,
    namespace = "",
    caps: Partial<JobCaps> = {},
  ) {
    // The one place the namespace is resolved: in a Cluster it becomes a hash tag.
    this.keys = new RedisKeys(namespace, { cluster: isCluster(redis) });
    this.caps = {
      maxLogBytes: caps.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES,
      maxResultBytes: caps.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    };
  }

  /** Stores a job as `dispatched` and pushes its id onto its runner's queue, atomically. */
  async submit(job: Job): Promise<void> {
    const code = await runScriptBatched(this.redis, SUBMIT, ...this.submitCall(job)).catch(
      (e: unknown) => {
        throw explainRedisError(e, `job ${job.id} was not submitted`);
      },
    );
    const refusal = submitRefusal(code, job.id);
    if (refusal) throw refusal;
  }

  /** SUBMIT's keys and arguments for a job (MINT runs SUBMIT with them, see schedules.ts). */
  submitCall(job: Job): [string[], string[]] {
    const hash = jobToHash(job);
    // A job due later waits in the delayed set (its run_at is signed: a runner refuses to
    // start it early whatever Redis says).
    const due = job.run_at === undefined ? 0 : Date.parse(job.run_at);
    const later = due > Date.now();
    const args = [
      job.id,
      later ? String(due) : "0",
      job.priority === undefined ? "" : String(job.priority),
      this.keys.control(job.runner),
    ];
    // Name and value pairs, then the state a new job starts in (a loop: spreading the hash
    // and flattening its entries was a tenth of a producer's CPU per job, signing included).
    for (const field in hash) args.push(field, hash[field] as string);
    args.push("status", later ? "scheduled" : "dispatched", "attempts", "0");
    return [
      [
        this.keys.job(job.id),
        this.keys.queue(job.runner),
        this.keys.reply(job.id),
        this.keys.claim(job.id),
        this.keys.delayed(job.runner),
      ],
      args,
    ];
  }

  /**
   * Submits a job and starts waiting for its reply in one write on `conn` (a connection that
   * may block): Redis runs SUBMIT, then the BLMOVE on the reply list (see waitForReply).
   * Returns the reply, or null after `timeoutS`. When the submit fails (the id exists, or
   * NOSCRIPT after Redis lost its script cache), the wait sent behind it is still blocking
   * `conn`, on a reply that is not this job's: the caller must close `conn`.
   */
  async submitAndWait(conn: Redis, job: Job, timeoutS: number): Promise<JobReply | null> {
    // A Cluster redirects a pipeline (MOVED, ASK, a failover) by sending its commands again
    // with fresh promises, after the first ones have failed: the submit's own answer cannot
    // be awaited there. Two steps instead.
    if (isCluster(conn)) {
      await this.submit(job);
      return this.waitForReply(conn, job.id, timeoutS);
    }
    const key = this.keys.reply(job.id);
    const submit = scriptCommand(SUBMIT, ...this.submitCall(job));
    const wait = textCommand("blmove", key, key, "RIGHT", "RIGHT", timeoutS);
    // Awaited below only if the submit went through; the caller closes `conn` otherwise.
    wait.promise.catch(() => {});
    writeTogether(conn, [submit, wait]);
    const refusal = submitRefusal(
      await submit.promise.catch((e: unknown) => {
        throw explainRedisError(e, `job ${job.id} was not submitted`);
      }),
      job.id,
    );
    if (refusal) throw refusal;
    const reply = (await wait.promise) as string | null;
    return reply === null ? null : (JSON.parse(reply) as JobReply);
  }

  /** Stores a job without queueing it, as `created` (queueing makes it `dispatched`). */
  async store(job: Job): Promise<void> {
    const fields = { ...jobToHash(job), status: "created", attempts: "0" };
    const code = await runScript(
      this.redis,
      STORE,
      [this.keys.job(job.id), this.keys.claim(job.id)],
      Object.entries(fields).flat(),
    ).catch((e: unknown) => {
      throw explainRedisError(e, `job ${job.id} was not stored`);
    });
    const refusal = submitRefusal(code, job.id);
    if (refusal) throw refusal;
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

  /** TAKE's keys and arguments for one request. */
  private takeCall(req: TakeRequest, max: number): [string[], (string | number)[]] {
    const jobPrefix = this.keys.job("");
    return [
      [
        this.keys.queue(req.runnerId),
        this.keys.active(req.runnerId, req.instance),
        this.keys.taking(req.runnerId, req.instance),
        this.keys.priorities(req.runnerId),
        this.keys.running(req.runnerId),
        this.keys.rate(req.runnerId),
      ],
      [
        max,
        jobPrefix,
        this.keys.claim("").slice(jobPrefix.length),
        req.instance,
        "",
        Math.max(1, Math.ceil(req.claimTtlS)),
        req.globalConcurrency ?? 0,
        req.rateLimit ?? 0,
        req.rateWindowMs ?? 0,
      ],
    ];
  }

  /**
   * Takes up to `req.max` (at least 1) jobs into the instance's active list and starts
   * them, waiting up to `timeoutS` for one when the queue is empty: a BLMOVE into the
   * instance's `taking` list and the TAKE that empties it go out in one write on `conn` (a
   * connection that may block), so a runner woken by a new job holds it, started, with the
   * same reply. Oldest first; empty after the timeout.
   */
  /** The take-along of this tick, not sent yet: later calls in the tick add to its count. */
  private pendingTakeAlong: PendingTake | undefined;

  async takeWaiting(conn: Redis, req: TakeRequest, timeoutS: number): Promise<TakeResult> {
    const [keys, args] = this.takeCall(req, Math.max(1, req.max));
    const [queue, , taking] = keys as [string, string, string];
    // The ends (and other script calls) this store's connection would send on the next tick
    // go out in this write instead, ahead of the BLMOVE, which may block: one write and one
    // wake-up of Redis for a runner that ends a job and waits for the next.
    const carried = isCluster(conn) ? [] : carryBatchedCalls(this.redis);
    const replies = await sendTogether(conn, [
      ...carried,
      textCommand("blmove", queue, taking, "RIGHT", "LEFT", timeoutS),
      scriptCommand(TAKE, keys, args),
    ]);
    // The last two replies: carried calls, if any, answered first.
    const [moved, took] = replies.slice(-2);
    if (moved?.[0]) throw moved[0];
    if (took?.[0]) {
      // Redis lost its script cache (a restart): the id stays in `taking` until TAKE runs.
      if (!isNoScript(took[0])) throw took[0];
      return takeResult(await runScript(conn, TAKE, keys, args));
    }
    return takeResult(took?.[1]);
  }

  /**
   * TAKE on this store's own connection, sent in the same pipeline as the other script calls
   * of this tick: a runner finishing a job asks for the next one in the round trip that
   * records the end, instead of a round trip of its own afterwards.
   */
  takeAlong(req: TakeRequest): Promise<TakeResult> {
    const key = `${req.runnerId}\n${req.instance}`;
    const pending = this.pendingTakeAlong;
    if (pending !== undefined && pending.key === key) {
      // Several jobs ended in this tick: one TAKE for all of them. The first caller starts
      // every job it brings; the others learn only how many are left.
      pending.max += Math.max(0, req.max);
      return pending.result.then((r) => ({ jobs: [], queueLeft: r.queueLeft }));
    }
    const [keys, args] = this.takeCall(req, 0);
    // The arguments are read when the tick's calls are sent, after every caller has added.
    const result: Promise<TakeResult> = runScriptBatched(this.redis, TAKE, keys, () => {
      // Sent now: later calls make a take of their own.
      if (this.pendingTakeAlong === along) this.pendingTakeAlong = undefined;
      return [along.max, ...args.slice(1)];
    }).then(takeResult);
    const along: PendingTake = { key, max: Math.max(0, req.max), result };
    this.pendingTakeAlong = along;
    return result;
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
    return startOutcomeOf(code);
  }

  /**
   * A job's end as the exact FINISH call that records it, decided once: sent again after a
   * failure (or by the next process, from the state directory), the same call is recognised
   * as a resend and answers "written" again.
   */
  prepareEnd(
    id: string,
    status: "finished" | "error",
    result: JobResult,
    errorKind: ErrorKind | "",
    opts: EndOptions,
  ): FinishCall {
    const reply: JobReply = { id, status, ...(errorKind ? { error_kind: errorKind } : {}) };
    const active = opts.active
      ? this.keys.active(opts.active.runnerId, opts.active.instance)
      : this.keys.none();
    const finishedAt = new Date().toISOString();
    // Signed when its write leaves, with the other ends that leave with it (end-signing.ts).
    const signing: PendingSignature | undefined = opts.signer && {
      signer: opts.signer,
      statement: {
        job_id: id,
        status,
        result,
        error_kind: errorKind || undefined,
        finished_at: finishedAt,
        runner_instance: opts.instance,
      },
    };
    return {
      id,
      status,
      ...("error" in result ? { error: { kind: errorKind, message: result.error } } : {}),
      ...(opts.dead ? { dead: true } : {}),
      keys: [
        this.keys.job(id),
        this.keys.result(id),
        this.keys.reply(id),
        this.keys.logs(id),
        this.keys.claim(id),
        active,
        opts.active && (opts.keepFinished ?? 0) > 0
          ? this.keys.done(opts.active.runnerId)
          : this.keys.none(),
        opts.active && opts.dead ? this.keys.dead(opts.active.runnerId) : this.keys.none(),
        opts.active ? this.keys.running(opts.active.runnerId) : this.keys.none(),
        opts.history === undefined ? this.keys.none() : this.keys.attempts(id),
      ],
      args: [
        opts.instance,
        opts.mode,
        status,
        JSON.stringify(result),
        "error" in result ? result.error : "",
        errorKind,
        finishedAt,
        opts.retentionS,
        id,
        JSON.stringify(reply),
        "", // the signature, the signer's key and the batch proof: see end-signing.ts
        "",
        opts.active ? Math.max(0, Math.floor(opts.keepFinished ?? 0)) : 0,
        opts.dead ? "dead" : "",
        opts.dead?.keepDead ?? 0,
        opts.history ?? "",
        "",
      ],
      ...(signing ? { signing } : {}),
    };
  }

  /** A prepared FINISH that also adds `entry` to the job's history of attempts. */
  withHistory(call: FinishCall, entry: string): FinishCall {
    const keys = [...call.keys];
    const args = [...call.args];
    keys[9] = this.keys.attempts(call.id);
    args[15] = entry;
    return { ...call, keys, args };
  }

  /** Sends a prepared end (see prepareEnd). */
  async writeEnd(call: FinishCall): Promise<FinishOutcome> {
    if (call.retryAt !== undefined) {
      const code = await runScriptBatched(this.redis, RETRY, call.keys, call.args);
      return decodeCode(RETRY_CODES, code, "RETRY");
    }
    if (call.signing !== undefined) queueForSigning(call);
    const args = call.signing === undefined ? call.args : () => signedArgs(call);
    const code = await runScriptBatched(this.redis, FINISH, call.keys, args);
    return decodeCode(FINISH_CODES, code, "FINISH");
  }

  /**
   * A successful job's end (see prepareEnd). An output over `caps.maxResultBytes` ends it as
   * an error (`resources`) instead, saying how large it was: a result is kept for the
   * retention and read whole by every waiter, so its size is capped rather than left to the
   * script.
   */
  prepareSuccess(id: string, output: string, opts: EndOptions): FinishCall {
    const max = this.caps.maxResultBytes;
    // Over 3 bytes per UTF-16 unit is impossible: only then is the exact count skipped.
    if (output.length > max || (output.length * 3 > max && Buffer.byteLength(output) > max)) {
      const size = Buffer.byteLength(output);
      const message = `the job's output is ${size} bytes; this runner keeps at most ${max} (--max-result-bytes)`;
      return this.prepareEnd(id, "error", { error: message }, "resources", opts);
    }
    return this.prepareEnd(id, "finished", { success: output }, "", opts);
  }

  succeed(id: string, output: string, opts: EndOptions): Promise<FinishOutcome> {
    return this.writeEnd(this.prepareSuccess(id, output, opts));
  }

  fail(id: string, kind: ErrorKind, message: string, opts: EndOptions): Promise<FinishOutcome> {
    return this.writeEnd(this.prepareEnd(id, "error", { error: message }, kind, opts));
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
        this.keys.running(runnerId),
      ],
      [id, instance, new Date().toISOString()],
    );
    return decodeCode(HAND_BACK_CODES, code, "HAND_BACK") !== "not-held";
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
        id,
      ],
    );
    const word = decodeCode(CANCEL_CODES, code, "CANCEL");
    if (word !== "signalled") return word;
    const runner = await this.redis.hget(this.keys.job(id), "runner");
    if (runner) await this.redis.publish(this.keys.control(runner), JSON.stringify({ cancel: id }));
    return "signalled";
  }

  /**
   * Appends a line to the job's log, which keeps its newest `keep` lines and at most
   * `caps.maxLogBytes` bytes of them.
   */
  async appendLog(id: string, line: string, keep = LOG_LINES_MAX): Promise<void> {
    await runScriptBatched(
      this.redis,
      APPEND_LOG,
      [this.keys.logs(id), this.keys.job(id)],
      [clip(line), keep, this.caps.maxLogBytes],
    );
  }

  /**
   * A job's log lines from line number `from` on (0 is the first line it ever logged), with
   * the number to continue from. Numbers count every line appended, so a follower keeps its
   * place after the oldest lines are trimmed; `dropped` says how many it asked for that are
   * gone.
   */
  async logTail(id: string, from = 0): Promise<LogTail> {
    const [next, dropped, lines] = (await runScript(
      this.redis,
      LOG_TAIL,
      [this.keys.logs(id), this.keys.job(id)],
      [Math.max(0, Math.floor(from))],
    )) as [number, number, string[]];
    return { lines, next, dropped };
  }

  /** A job's log lines from line number `from` on (see logTail). */
  async logs(id: string, from = 0): Promise<string[]> {
    return (await this.logTail(id, from)).lines;
  }

  async result(id: string): Promise<JobResult | undefined> {
    const text = await this.redis.get(this.keys.result(id));
    if (text === null) return undefined;
    return JSON.parse(text) as JobResult;
  }

  async record(id: string): Promise<JobRecord | undefined> {
    // One write and one round trip for both keys.
    const replies = await sendTogether(this.redis, [
      textCommand("hgetall", this.keys.job(id)),
      textCommand("get", this.keys.result(id)),
    ]);
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

// The supervisor's side as a library: build and sign jobs, submit them, wait for results,
// read status and logs, cancel, list live runners.
import type { Redis } from "ioredis";
import {
  createJob,
  type Flow,
  type Job,
  jobFromHash,
  longestSpanS,
  type NewJob,
  retryJobOf,
  retryRefusal,
  signBatch,
  signJob,
} from "../job/index.js";
import {
  closeRedis,
  connectRedis,
  DEFAULT_REDIS_URL,
  type DeadLetterDetail,
  type DeadPage,
  deadLetterOf,
  type FlowRecord,
  FlowStore,
  type InstanceInfo,
  isNoScript,
  type JobRecord,
  type JobReply,
  JobStore,
  type LogTail,
  listDead,
  listInstances,
  purgeDead,
  readEvents,
  recordOf,
  resubmitDead,
  type SubmitOutcome,
  submitMany,
  whenReady,
} from "../protocol/index.js";
import { followLogs } from "./follow.js";

export interface ClientOptions {
  redisUrl?: string;
  namespace?: string;
}

export type { DeadLetterDetail, DeadPage } from "../protocol/index.js";

/** How long past a job's own timeout a waiter keeps waiting (queueing, clock skew). */
const WAIT_MARGIN_S = 30;
/** BLPOP in slices so a waiter notices a Redis restart and a caller's abort. */
const WAIT_SLICE_S = 5;

/** How `submitMany` signs the batch. */
export interface SubmitManyOptions {
  /** Private keys (hex): each signs the whole batch with one signature. */
  privateKeys: readonly string[];
  /** The jobs' `created_at` (now by default). */
  now?: Date;
}

export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
}

export class HorusClient {
  readonly store: JobStore;
  private readonly redis: Redis;
  /** Every blocking connection opened, and those not waiting right now. */
  private readonly blocking = new Set<Redis>();
  private idleBlocking: Redis[] = [];

  constructor(private readonly options: ClientOptions = {}) {
    this.redis = connectRedis(options.redisUrl ?? DEFAULT_REDIS_URL, {
      persistent: true,
      name: "horus:client",
    });
    this.store = new JobStore(this.redis, options.namespace);
  }

  /** Waits for the first connection; rejects with a clear message when Redis does not answer. */
  ready(timeoutMs = 5000): Promise<void> {
    return whenReady(this.redis, this.options.redisUrl ?? DEFAULT_REDIS_URL, timeoutMs);
  }

  /**
   * A connection for one blocking wait, so waits never hold up ordinary commands nor each
   * other (a BLMOVE holds its connection until it returns). Give it back with `release`.
   */
  private acquireBlocking(): Redis {
    const idle = this.idleBlocking.pop();
    if (idle) return idle;
    const conn = connectRedis(this.options.redisUrl ?? DEFAULT_REDIS_URL, {
      persistent: true,
      name: "horus:client:wait",
    });
    this.blocking.add(conn);
    return conn;
  }

  private releaseBlocking(conn: Redis): void {
    if (this.blocking.has(conn)) this.idleBlocking.push(conn);
  }

  /** Closes a blocking connection whose wait must be cut off, instead of reusing it. */
  private dropBlocking(conn: Redis): void {
    this.blocking.delete(conn);
    conn.disconnect();
  }

  /** A new job signed with each of the given private keys. */
  static signedJob(spec: NewJob, privateKeys: readonly string[]): Job {
    let job = createJob(spec);
    for (const key of privateKeys) job = signJob(job, key);
    return job;
  }

  /**
   * New jobs signed as one batch (docs/protocol.md, "Batch signatures"): one signature per
   * key for all of them, each job carrying its proof. Refuses two jobs with one id.
   */
  static signedBatch(specs: readonly NewJob[], privateKeys: readonly string[], now?: Date): Job[] {
    if (privateKeys.length === 0) throw new Error("a batch needs at least one signing key");
    const at = now ?? new Date();
    let jobs = specs.map((spec) => createJob(spec, at));
    for (const key of privateKeys) jobs = signBatch(jobs, key);
    return jobs;
  }

  async submit(job: Job): Promise<string> {
    await this.store.submit(job);
    return job.id;
  }

  /**
   * Signs the jobs as one batch and submits them all in one round trip (see submitSigned).
   * One outcome per job, in order; the ids are in the outcomes.
   */
  submitMany(specs: readonly NewJob[], opts: SubmitManyOptions): Promise<SubmitOutcome[]> {
    return this.submitSigned(HorusClient.signedBatch(specs, opts.privateKeys, opts.now));
  }

  /**
   * Submits signed jobs (a batch, or any jobs) in one round trip: SUBMIT_MANY calls of at most
   * SUBMIT_MANY_MAX_JOBS jobs, sent together. Each job is stored as `submit` stores it or
   * refused on its own (`exists`, `claimed`); `failed` means its call failed, and sending the
   * same jobs again is safe. Never throws for a refused job: read the outcomes.
   */
  submitSigned(jobs: readonly Job[]): Promise<SubmitOutcome[]> {
    return submitMany(this.store, jobs);
  }

  /**
   * Waits until the job ends and returns its record. Waits at most `timeoutS` (default: the
   * job's own timeout plus a margin); throws WaitTimeoutError after that.
   */
  async wait(id: string, timeoutS?: number): Promise<JobRecord> {
    let limit = timeoutS;
    if (limit === undefined) {
      const hash = await this.store.loadHash(id);
      let span = Number(hash.timeout ?? 60);
      try {
        span = longestSpanS(jobFromHash(hash));
      } catch {
        // Not a valid job: its own timeout field (or a minute) is as good a guess as any.
      }
      limit = span + WAIT_MARGIN_S;
    }
    return this.waitUntilEnded(id, limit, false);
  }

  /**
   * The wait itself. A job this client has just submitted (`fresh`) is not read first: its
   * waiter blocks on the reply at once and takes the final record the runner put in it, so
   * a quick job costs one blocking call and nothing more. Any other job (one that may have
   * ended long ago, may not exist, or may have been changed since its reply was written)
   * is read before and after each wait. `limit` counts from `since`.
   */
  private async waitUntilEnded(
    id: string,
    limit: number,
    fresh: boolean,
    since = Date.now(),
  ): Promise<JobRecord> {
    const deadline = since + limit * 1000;
    let check = !fresh;
    for (;;) {
      if (check) {
        const record = await this.store.record(id);
        if (record === undefined) throw new Error(`no job with id ${id}`);
        if (record.status === "finished" || record.status === "error") return record;
      }
      check = true;
      const left = (deadline - Date.now()) / 1000;
      if (left <= 0) {
        const status = (await this.store.record(id))?.status ?? "unknown";
        throw new WaitTimeoutError(`job ${id} did not end within ${limit} s (status ${status})`);
      }
      const slice = Math.max(0.1, Math.min(WAIT_SLICE_S, left));
      const conn = this.acquireBlocking();
      let reply: JobReply | null;
      try {
        reply = await this.store.waitForReply(conn, id, slice);
      } finally {
        this.releaseBlocking(conn);
      }
      const final = reply?.record;
      if (fresh && final?.id === id) return recordOf(id, { ...final }, final.result);
    }
  }

  /**
   * Submits and waits. The submit and the first wait go out in one write, so a quick job
   * costs the caller one write and one reply.
   */
  async run(job: Job, timeoutS?: number): Promise<JobRecord> {
    const limit = timeoutS ?? longestSpanS(job) + WAIT_MARGIN_S;
    const started = Date.now();
    const conn = this.acquireBlocking();
    let reply: JobReply | null = null;
    try {
      reply = await this.store.submitAndWait(
        conn,
        job,
        Math.max(0.1, Math.min(WAIT_SLICE_S, limit)),
      );
      this.releaseBlocking(conn);
    } catch (e) {
      this.dropBlocking(conn);
      if (!isNoScript(e)) throw e;
      // Redis lost its script cache: the usual submit loads the script again.
      await this.submit(job);
    }
    const final = reply?.record;
    if (final?.id === job.id) return recordOf(job.id, { ...final }, final.result);
    // The wait so far counts: the limit (and the message on running out) is the whole wait.
    return this.waitUntilEnded(job.id, limit, true, started);
  }

  status(id: string): Promise<JobRecord | undefined> {
    return this.store.record(id);
  }

  result(id: string) {
    return this.store.result(id);
  }

  logs(id: string, from = 0): Promise<string[]> {
    return this.store.logs(id, from);
  }

  /** Log lines from line number `from` on, with where to continue (see JobStore.logTail). */
  logTail(id: string, from = 0): Promise<LogTail> {
    return this.store.logTail(id, from);
  }

  /** Calls `onLine` for each log line as it arrives, until the job ends (see follow.ts). */
  followLogs(
    jobId: string,
    onLine: (line: string) => void,
    pollMs = 200,
    onDropped?: (count: number) => void,
  ): Promise<JobRecord> {
    return followLogs(this, jobId, onLine, pollMs, onDropped);
  }

  cancel(jobId: string) {
    return this.store.cancel(jobId);
  }

  runners(runnerId?: string): Promise<InstanceInfo[]> {
    return listInstances(this.redis, this.store.keys, runnerId);
  }

  /** The runner id's dead letters, newest first. */
  deadLetters(
    runnerId: string,
    page: { offset?: number; limit?: number } = {},
  ): Promise<DeadPage & { total: number }> {
    return listDead(this.store, runnerId, page);
  }

  /** A job's record, its attempts and whether it is a dead letter; undefined if gone. */
  deadLetter(id: string): Promise<DeadLetterDetail | undefined> {
    return deadLetterOf(this.store, id);
  }

  /**
   * Runs a dead letter again as a new job signed with `privateKey` (see retryJobOf), and
   * takes the original out of the dead letters. Returns the new job.
   */
  async retryDead(id: string, privateKey: string): Promise<Job> {
    const original = await this.store.loadJob(id);
    if (original === undefined) throw new Error(`no job with id ${id}`);
    const refusal = retryRefusal(original);
    if (refusal !== undefined) throw new Error(refusal);
    const job = signJob(retryJobOf(original), privateKey);
    await resubmitDead(this.store, original, job);
    return job;
  }

  /** Deletes the runner id's dead letters (all, or the ids given); returns the ids purged. */
  purgeDead(runnerId: string, ids?: readonly string[]): Promise<string[]> {
    return purgeDead(this.store, runnerId, ids);
  }

  // Flows (docs/flows.md). The flow must be signed already (signFlow): validation names the
  // nodes before anything is signed.

  /** Stores a signed flow and starts it (its root nodes are queued); answers its id. */
  async submitFlow(flow: Flow): Promise<string> {
    const flows = new FlowStore(this.redis, this.store);
    await flows.create(flow);
    await flows.start(flow.id);
    return flow.id;
  }

  /** Cancels a flow (see FlowStore.cancel); false when there is none or it ended already. */
  cancelFlow(id: string): Promise<boolean> {
    return new FlowStore(this.redis, this.store).cancel(id);
  }

  /** The newest flows, newest first, with their status (those expired meanwhile left out). */
  async listFlows(max = 50): Promise<FlowRecord[]> {
    const flows = new FlowStore(this.redis, this.store);
    const records = await Promise.all((await flows.list(max)).map((id) => flows.status(id)));
    return records.filter((r): r is FlowRecord => r !== undefined);
  }

  flowStatus(id: string): Promise<FlowRecord | undefined> {
    return new FlowStore(this.redis, this.store).status(id);
  }

  /**
   * The runner ids among those given that nobody serves or announced: no live instance and
   * no registration with a supervisor (FlowStore.unknownRunners).
   */
  unknownRunners(runnerIds: Iterable<string>): Promise<string[]> {
    return new FlowStore(this.redis, this.store).unknownRunners(runnerIds);
  }

  /**
   * Waits until the flow ends (finished or error) and answers its record. Woken by the
   * namespace's event stream (any event makes it look again), at least every second.
   */
  async waitFlow(id: string, timeoutS = 300): Promise<FlowRecord> {
    const deadline = Date.now() + timeoutS * 1000;
    const conn = this.acquireBlocking();
    let after = "$";
    try {
      for (;;) {
        const record = await this.flowStatus(id);
        if (record === undefined) throw new Error(`no flow "${id}"`);
        if (record.status === "finished" || record.status === "error") return record;
        if (Date.now() > deadline)
          throw new WaitTimeoutError(`flow ${id} did not end within ${timeoutS} s`);
        const events = await readEvents(conn, this.store.keys, { after, blockMs: 1000 });
        after = events.at(-1)?.stream_id ?? after;
      }
    } finally {
      this.releaseBlocking(conn);
    }
  }

  async close(): Promise<void> {
    const waits = [...this.blocking];
    this.blocking.clear();
    this.idleBlocking = [];
    await Promise.all(waits.map((conn) => closeRedis(conn)));
    await closeRedis(this.redis);
  }
}

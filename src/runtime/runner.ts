// A runner instance: its slots and take loop, its lease and sweeps, its start and stop. Each
// job taken is run (checked, executed, ended) by job-run.ts. Every job taken is always ended
// or handed back, whatever happens.

import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { type AcceptancePolicy, publicKeyOf, signResults } from "../job/index.js";
import {
  closeRedis,
  connectRedis,
  DEFAULT_KEEP_FINISHED,
  DEFAULT_RETENTION_S,
  type EndOptions,
  type InstanceInfo,
  JobStore,
  type RedisKeys,
  type ResultSigner,
  ScheduleStore,
  sweepCrashedInstances,
  type TakenJob,
  type TakeRequest,
  trimJobIndex,
  unregisterInstance,
} from "../protocol/index.js";
import { coerceError } from "../util/index.js";
import { DelayedWatch } from "./delayed-watch.js";
import { type EndOutcome, EndWriter } from "./end-writer.js";
import type { RunnerEvents } from "./events.js";
import type { Executor } from "./executor.js";
import { advanceStartedFlows } from "./flow-parents.js";
import { JobRun, type RunHost } from "./job-run.js";
import { JobStop } from "./job-stop.js";
import { Lease } from "./lease.js";
import type { Logger } from "./logger.js";
import { Minter } from "./minter.js";
import { OrphanWatch } from "./orphans.js";
import type { Readiness } from "./probe-server.js";
import { watchRetention } from "./retention-check.js";
import { RunLedger } from "./run-ledger.js";
import { PendingEnds } from "./state-dir.js";

export interface RunnerOptions {
  runnerId: string;
  redisUrl: string;
  namespace?: string;
  concurrency?: number;
  policy: Omit<AcceptancePolicy, "runnerId">;
  /** How long running jobs may take to finish on a graceful stop before they are handed back. */
  gracePeriodS?: number;
  /** How long a finished job and its keys are kept. */
  retentionS?: number;
  /** Finished jobs this runner id keeps at most, oldest deleted first (0: no count cap). */
  keepFinished?: number;
  /** Seconds between heartbeats; the heartbeat (the lease on the instance's jobs) lives 3x that. */
  heartbeatS?: number;
  /** How many times a job may be started in all (a crash of its runner counts). */
  maxAttempts?: number;
  /** Seconds between sweeps for crashed instances' jobs. */
  sweepIntervalS?: number;
  version?: string;
  /**
   * Where the run ledger lives (see state-dir.ts): ids run here are refused ever after, even
   * if Redis forgets their claims. Without one, the claim in Redis is the only replay guard.
   */
  stateDir?: string;
  /** Private key (hex) the runner signs every outcome it records with; unsigned without. */
  signingKey?: string;
  /** Bytes of log a job keeps (its newest lines) and most bytes of its output (JobCaps). */
  maxLogBytes?: number;
  maxResultBytes?: number;
  /** Most jobs running across all instances of the runner id (0 or unset: no limit). */
  globalConcurrency?: number;
  /** Most jobs started per window across all instances of the runner id. */
  rate?: { count: number; windowMs: number };
  /** Dead letters the runner id keeps at most, oldest deleted first. */
  keepDead?: number;
  /** How long a dead letter is kept (seconds); the finished jobs' retention if unset. */
  deadRetentionS?: number;
}

/** How many dead letters a runner id keeps by default (`--keep-dead`). */
export const DEFAULT_KEEP_DEAD = 10_000;
/** How long a dead letter is kept by default: a week, for someone to look at it. */
export const DEFAULT_DEAD_RETENTION_S = 7 * 24 * 3600;

interface RunningJob {
  readonly stop: JobStop;
  readonly done: Promise<void>;
  /** Its run is over and its end on the way: the slot is free for the next job already. */
  slotReleased: boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** How long TAKE said to wait before a limit lets a job start (0: no limit was reached). */
function limitWaitMs(taken: readonly TakenJob[]): number {
  for (const job of taken)
    if (job.outcome === "limited")
      return Math.min(Math.max(Number(job.hash.retry_ms) || 0, 20), 1000);
  return 0;
}

function describe(e: unknown): string {
  const error = coerceError(e);
  return error.message || error.name;
}

/**
 * One runner instance: takes jobs of its runner id, checks and runs them, records their ends.
 * Observable through its events (events.ts); constructible in-process with any executor.
 */
export class Runner extends EventEmitter<RunnerEvents> {
  readonly instance: string;
  private readonly runnerId: string;
  private readonly concurrency: number;
  private readonly retentionS: number;
  private readonly gracePeriodS: number;
  private readonly heartbeatS: number;
  private readonly policy: AcceptancePolicy;

  private readonly commands: Redis;
  private readonly taker: Redis;
  private readonly control: Redis;
  private readonly store: JobStore;

  private readonly running = new Map<string, RunningJob>();
  /** Jobs in `running` whose slot was handed on before their end was recorded. */
  private releasedSlots = 0;
  /** Taken jobs waiting for their turn to start (see startSoon); each holds a slot. */
  private readonly toStart: TakenJob[] = [];
  private startScheduled = false;
  private readonly startGroup: number;
  /**
   * The queue held nothing after our last take: the next job will be waited for, so a job
   * ending frees its slot at once rather than asking for a successor along with its end.
   */
  private queueEmpty = true;
  private slotFreed: (() => void) | undefined;
  private stopping = false;
  private stopPromise: Promise<void> | undefined;
  private loopPromise: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private retention: { stop(): void } | undefined;
  private minter: Minter | undefined;
  private readonly maxAttempts: number;
  private readonly sweepIntervalS: number;
  private redisDown = false;
  private wasReady = false;
  /** When the commands connection last came back after losing Redis (0: never). */
  private reconnectedAt = 0;
  private jobsDone = 0;
  private ledger: RunLedger | undefined;
  private readonly lease: Lease;
  private ends: EndWriter;
  /** Jobs that ran and whose end is left to the next start: never handed back to run again. */
  private readonly deferredEnds = new Set<string>();
  private readonly orphans: OrphanWatch;
  private readonly signer: ResultSigner | undefined;
  private readonly startedAt = new Date().toISOString();
  private readonly log: Logger;
  private delayed: DelayedWatch | undefined;
  private readonly jobs: JobRun;

  constructor(
    private readonly options: RunnerOptions,
    private readonly executor: Executor,
    logger: Logger,
  ) {
    super();
    this.runnerId = options.runnerId;
    this.instance = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    this.log = logger.child({ instance: this.instance });
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.startGroup = Math.ceil(this.concurrency / 3);
    this.retentionS = options.retentionS ?? DEFAULT_RETENTION_S;
    this.gracePeriodS = options.gracePeriodS ?? 30;
    this.heartbeatS = options.heartbeatS ?? 5;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 1);
    this.sweepIntervalS = options.sweepIntervalS ?? 2 * this.heartbeatS;
    this.policy = { ...options.policy, runnerId: options.runnerId };
    const name = `horus:${options.runnerId}:${this.instance}`;
    this.commands = connectRedis(options.redisUrl, { persistent: true, name });
    this.taker = connectRedis(options.redisUrl, { persistent: true, name: `${name}:take` });
    this.control = connectRedis(options.redisUrl, { persistent: true, name: `${name}:control` });
    this.store = new JobStore(this.commands, options.namespace, {
      ...(options.maxLogBytes === undefined ? {} : { maxLogBytes: options.maxLogBytes }),
      ...(options.maxResultBytes === undefined ? {} : { maxResultBytes: options.maxResultBytes }),
    });
    const key = options.signingKey;
    if (key !== undefined)
      this.signer = {
        publicKey: publicKeyOf(key),
        signMany: (statements) => signResults(statements, key),
      };
    this.lease = new Lease(
      this.commands,
      this.store.keys,
      this.heartbeatS,
      {
        instance: this.instance,
        info: () => this.instanceInfo(),
        running: () => [...this.running].map(([id, job]) => [id, job.stop] as [string, JobStop]),
        lapsed: () => this.emit("lease:lapsed"),
      },
      this.log,
    );
    this.ends = new EndWriter(this.store, undefined, this.log);
    this.jobs = new JobRun(this.runHost());
    this.orphans = new OrphanWatch(
      {
        activeIds: () =>
          this.commands.lrange(this.store.keys.active(this.runnerId, this.instance), 0, -1),
        handled: (id) => this.running.has(id) || this.toStart.some((j) => j.id === id),
        adopt: (id) => this.launch(id),
        stopping: () => this.stopping,
      },
      this.log,
    );
    this.watchConnection(this.commands);
    // A connection cut with a take in flight may lose the take's reply (ioredis resends the
    // command, which then takes other ids): look for unhandled ids once Redis answers again.
    for (const conn of [this.commands, this.taker])
      conn.on("close", () => {
        if (!this.stopping) this.orphans.recoverLostTakes();
      });
  }

  /** What a job's run (job-run.ts) uses of this instance; mutable parts read when used. */
  private runHost(): RunHost {
    const self = this;
    return {
      instance: this.instance,
      runnerId: this.runnerId,
      store: this.store,
      commands: this.commands,
      policy: this.policy,
      executor: this.executor,
      lease: this.lease,
      log: this.log,
      maxAttempts: this.maxAttempts,
      keepDead: this.options.keepDead ?? DEFAULT_KEEP_DEAD,
      deferredEnds: this.deferredEnds,
      get deadRetentionS() {
        return self.deadRetentionS;
      },
      get ledger() {
        return self.ledger;
      },
      get ends() {
        return self.ends;
      },
      get delayed() {
        return self.delayed;
      },
      endOptions: (mode) => this.endOptions(mode),
      takeRequest: (max) => this.takeRequest(max),
      endAndTakeNext: (id, ending) => this.endAndTakeNext(id, ending),
      emit: (event, ...args) => this.emit(event, ...args),
      listenerCount: (event) => this.listenerCount(event),
    };
  }

  /** Logs Redis going away and coming back once per change, not once per retry. */
  private watchConnection(redis: Redis): void {
    redis.on("error", (e: Error) => {
      if (!this.redisDown && !this.stopping) {
        this.redisDown = true;
        this.log.warn({ err: e.message }, "redis unreachable; retrying with backoff");
        this.emit("redis:down", { error: e.message });
      }
    });
    redis.on("ready", () => {
      if (this.redisDown) {
        this.redisDown = false;
        this.log.info("redis reachable again");
        this.emit("redis:up");
      }
      // Every instance's heartbeat may have lapsed while Redis was away: renew ours at once,
      // and give the others time to renew theirs before sweeping anyone (see sweep()).
      if (this.wasReady) {
        this.reconnectedAt = Date.now();
        void this.lease.beat();
      }
      this.wasReady = true;
    });
  }

  /** How long a dead letter (and a job waiting for its next attempt) is kept. */
  private get deadRetentionS(): number {
    return Math.max(this.options.deadRetentionS ?? DEFAULT_DEAD_RETENTION_S, this.retentionS);
  }

  /** Jobs this instance runs (or holds to start) now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Whether the instance can do its work: started, Redis reachable, taking, not stopping. */
  readiness(): Readiness {
    const reasons: string[] = [];
    if (!this.wasReady) reasons.push("not connected to Redis yet");
    else if (this.redisDown) reasons.push("Redis unreachable");
    if (this.loopPromise === undefined) reasons.push("not started");
    if (this.stopping) reasons.push("stopping");
    return { ready: reasons.length === 0, reasons };
  }

  /** The runner's commands connection and key names, for metrics read at scrape time. */
  get redisView(): { redis: Redis; keys: RedisKeys } {
    return { redis: this.commands, keys: this.store.keys };
  }

  /** False while the runner's commands connection has lost Redis (see watchConnection). */
  get redisReachable(): boolean {
    return !this.redisDown;
  }

  private instanceInfo(): InstanceInfo {
    return {
      runner_id: this.runnerId,
      instance: this.instance,
      host: hostname(),
      pid: process.pid,
      kind: this.executor.kind,
      version: this.options.version ?? "",
      concurrency: this.concurrency,
      started_at: this.startedAt,
      jobs_done: this.jobsDone,
      jobs_running: this.running.size,
      ...(this.signer ? { public_key: this.signer.publicKey } : {}),
    };
  }

  async start(): Promise<void> {
    if (this.options.stateDir !== undefined) {
      this.ends = new EndWriter(
        this.store,
        new PendingEnds(this.options.stateDir, this.options.namespace ?? "", this.runnerId),
        this.log,
      );
      this.ledger = new RunLedger(
        this.options.stateDir,
        this.options.namespace ?? "",
        this.runnerId,
        this.instance,
      );
      const read = this.ledger.open();
      this.log.debug({ ...read, state_dir: this.options.stateDir }, "run ledger read");
    }
    await this.executor.start?.();
    await this.control.subscribe(this.store.keys.control(this.runnerId));
    this.control.on("message", (_channel: string, message: string) => this.onControl(message));
    this.delayed = new DelayedWatch(this.commands, this.store.keys, this.runnerId, this.log);
    this.delayed.start();
    // Written before "runner started" is said, so whoever reads that line finds the instance.
    await this.lease.start();
    // Schedules' occurrences: minted by whichever instance holds the minting lease.
    this.minter = new Minter({
      store: new ScheduleStore(this.store),
      runnerId: this.runnerId,
      instance: this.instance,
      policy: this.policy,
      leaseMs: this.heartbeatS * 3000,
      renewMs: this.heartbeatS * 1000,
      log: this.log,
    });
    this.minter.start();
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalS * 1000);
    this.sweepTimer.unref();
    this.ends.writeLeft();
    this.retention = watchRetention(
      this.commands,
      this.store.keys,
      this.runnerId,
      this.retentionS,
      this.options.keepFinished ?? DEFAULT_KEEP_FINISHED,
      this.log,
    );
    this.log.info(
      {
        concurrency: this.concurrency,
        kind: this.executor.kind,
        trusted_keys: this.policy.trustedKeys.size,
      },
      "runner started",
    );
    this.loopPromise = this.takeLoop();
  }

  /** Recovers the jobs of instances whose heartbeat expired (one sweeper at a time). */
  private sweep(): void {
    if (this.stopping) return;
    this.orphans.check().catch(() => {});
    // Just after a reconnect, a missing heartbeat may only mean its instance has not
    // reconnected yet (reconnection backs off up to 2 s, and a loaded machine adds its own
    // delay): wait two whole leases and 5 s. One lease and 2 s let a sweep end a live
    // instance's job as crashed once, in a fault run on a machine at load 8.
    const settling = this.heartbeatS * 6 * 1000 + 5000;
    if (Date.now() - this.reconnectedAt < settling) return;
    // Flows whose node ended without its runner advancing them (killed in between): any
    // instance may advance any flow, as often as it likes (docs/flows.md).
    advanceStartedFlows({ commands: this.commands, store: this.store, log: this.log }).catch(
      () => {},
    );
    // The job index's expired ids (finished jobs' retention): per sweep, not per job end.
    trimJobIndex(this.store, this.retentionS).catch(() => {});
    sweepCrashedInstances(this.commands, this.store.keys, this.runnerId, {
      self: this.instance,
      maxAttempts: this.maxAttempts,
      // A job the sweep ends (it crashed on its last attempt) is a dead letter.
      retentionS: this.deadRetentionS,
      keepDead: this.options.keepDead ?? DEFAULT_KEEP_DEAD,
      guardMs: Math.max(500, this.sweepIntervalS * 1000 - 100),
    }).then(
      (r) => {
        if (r.requeued + r.retried + r.crashed + r.cleaned > 0) {
          this.log.warn({ ...r }, "recovered jobs of a stopped instance");
        }
      },
      () => {
        // Redis is away: the next sweep tries again.
      },
    );
  }

  private onControl(message: string): void {
    let id: unknown;
    try {
      const parsed = JSON.parse(message) as { cancel?: unknown; due?: unknown };
      // A job due later was queued (SUBMIT, RETRY): anyone may say so; the worst a false
      // message does is an early look at the delayed set.
      if (typeof parsed.due === "number") {
        this.delayed?.dueAt(parsed.due);
        return;
      }
      id = parsed.cancel;
    } catch {
      return;
    }
    if (typeof id !== "string") return;
    const job = this.running.get(id);
    if (job) {
      this.log.info({ job_id: id }, "cancel requested");
      job.stop.stop("cancelled");
    }
  }

  private slotsInUse(): number {
    return this.running.size + this.toStart.length - this.releasedSlots;
  }

  /**
   * Starts taken jobs in groups, a group per macrotask. Started in one go, jobs taken
   * together (or whose takes answered in one read) verify, run and end in the same tick, and
   * all their ends leave in one write: the runner then works while Redis waits and Redis
   * while the runner waits, batch after batch, one core of two idle. In groups of a third of
   * the slots, three groups are in flight: one the runner works on, one Redis works on, one
   * on the wire, and each group's ends (with the takes of their successors) leave as soon as
   * the group is done. One job per macrotask overlaps too, but its extra writes cost more
   * CPU per job. The measurements are in bench/RESULTS.md (session 4, "Taken jobs start in
   * groups").
   */
  private startSoon(jobs: readonly TakenJob[]): void {
    let first = 0;
    // With nothing else running or waiting, there is nothing to overlap: start at once.
    const idle = this.toStart.length === 0 && this.running.size === this.releasedSlots;
    if (idle && jobs[0] !== undefined) {
      this.launch(jobs[0].id, jobs[0]);
      first = 1;
    }
    for (let i = first; i < jobs.length; i++) this.toStart.push(jobs[i] as TakenJob);
    if (this.toStart.length > 0 && !this.startScheduled) {
      this.startScheduled = true;
      setImmediate(this.startNext);
    }
  }

  private readonly startNext = (): void => {
    // Stopping meanwhile: the jobs stay in our active list, and shutdown hands them back.
    for (let n = this.startGroup; n > 0 && !this.stopping; n--) {
      const job = this.toStart.shift();
      if (job === undefined) break;
      this.launch(job.id, job);
    }
    if (this.toStart.length > 0 && !this.stopping) setImmediate(this.startNext);
    else {
      this.toStart.length = 0;
      this.startScheduled = false;
    }
  };

  private wakeTakeLoop(): void {
    const wake = this.slotFreed;
    this.slotFreed = undefined;
    wake?.();
  }

  /**
   * Hands a finished job's slot to the take loop before its end is recorded, so the next
   * blocking take goes out in the same tick as the end instead of a round trip after it.
   * The job stays in `running` (orphan checks and shutdown still see it) until recorded.
   */
  private releaseSlot(id: string): void {
    const entry = this.running.get(id);
    if (entry === undefined || entry.slotReleased) return;
    entry.slotReleased = true;
    this.releasedSlots += 1;
    this.wakeTakeLoop();
  }

  private waitForFreeSlot(): Promise<void> {
    if (this.slotsInUse() < this.concurrency) return Promise.resolve();
    return new Promise((resolve) => {
      this.slotFreed = resolve;
    });
  }

  /**
   * Takes as many jobs as there are free slots, waiting for the next one when the queue is
   * empty; waking up and reading the jobs cost one round trip (see takeWaiting).
   */
  private async takeLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      await this.waitForFreeSlot();
      if (this.stopping) break;
      const free = this.concurrency - this.slotsInUse();
      // A finishing job may have taken the next one itself (see endAndTakeNext): the slot that
      // woke us is full again.
      if (free <= 0) continue;
      let taken: TakenJob[];
      try {
        const result = await this.store.takeWaiting(this.taker, this.takeRequest(free), 1);
        this.queueEmpty = result.queueLeft === 0;
        taken = result.jobs;
        failures = 0;
        const wait = limitWaitMs(taken);
        if (wait > 0) {
          // A limit across the runner id's instances is reached: the job went back to the
          // queue, and taking again at once would only spin.
          this.startSoon(taken);
          await sleep(wait);
          continue;
        }
      } catch (e) {
        if (this.stopping) break;
        failures += 1;
        if (failures === 1) this.log.warn({ err: describe(e) }, "cannot take jobs; retrying");
        this.emit("take:error", { error: describe(e) });
        // The take may have gone through with its reply lost: look once a round trip works.
        this.orphans.recoverLostTakes();
        await sleep(Math.min(100 * 2 ** failures, 2000));
        continue;
      }
      this.startSoon(taken);
    }
  }

  private takeRequest(max: number): TakeRequest {
    return {
      runnerId: this.runnerId,
      instance: this.instance,
      max,
      claimTtlS: this.policy.maxJobAgeS + this.policy.clockSkewS + 60,
      globalConcurrency: this.options.globalConcurrency ?? 0,
      rateLimit: this.options.rate?.count ?? 0,
      rateWindowMs: this.options.rate?.windowMs ?? 0,
    };
  }

  /** Starts handling a taken id: as TAKE took it, or (an orphan adopted) read and started here. */
  private launch(id: string, taken?: TakenJob): void {
    // The same id twice in our list (queued again by hand while we run it, say): one handler
    // is enough. The second copy is looked at once the first is done, and then refused and
    // taken out of the list (else it would sit there until an orphan check adopted it).
    const current = this.running.get(id);
    if (current !== undefined) {
      this.log.warn({ job_id: id }, "job id taken twice; already handling it");
      // TAKE may even have started the copy (a Redis writer reset the job meanwhile): it
      // goes through every check, the run ledger's included, like any other take.
      if (taken !== undefined)
        void current.done.then(() => {
          if (!this.stopping) this.launch(id, taken);
        });
      return;
    }
    const stop = new JobStop();
    const entry: RunningJob = {
      stop,
      slotReleased: false,
      done: this.jobs
        .handle(id, stop, taken)
        .catch((e) => this.log.error({ job_id: id, err: describe(e) }, "job handling failed"))
        .finally(() => {
          if (entry.slotReleased) this.releasedSlots -= 1;
          this.running.delete(id);
          this.jobsDone += 1;
          this.wakeTakeLoop();
        }),
    };
    this.running.set(id, entry);
  }

  private endOptions(mode: EndOptions["mode"]): EndOptions {
    return {
      instance: this.instance,
      mode,
      active: { runnerId: this.runnerId, instance: this.instance },
      retentionS: this.retentionS,
      keepFinished: this.options.keepFinished ?? DEFAULT_KEEP_FINISHED,
      signer: this.signer,
    };
  }

  /**
   * Records a job's end and gets its slot a new job. With jobs queued, the next one is asked
   * for in the same round trip as the end is recorded (TAKE goes out in the same pipeline),
   * and launched while this one still holds the slot, so the take loop never sees the slot
   * free too. With the queue empty that TAKE would come back empty and the blocking take go
   * out only after it: a job submitted meanwhile would wait for that round trip. So the slot
   * is handed to the take loop at once, whose blocking take then leaves in the same tick.
   */
  private async endAndTakeNext(id: string, ending: Promise<EndOutcome>): Promise<EndOutcome> {
    if (this.stopping) return ending;
    if (this.queueEmpty) {
      // The take loop resumes before this tick's script calls are flushed, and its blocking
      // take carries them (see JobStore.takeWaiting): end and take leave in one write.
      this.releaseSlot(id);
      return ending;
    }
    const next = this.store.takeAlong(this.takeRequest(1)).catch(() => {
      this.orphans.recoverLostTakes();
      return undefined;
    });
    const [outcome, result] = await Promise.all([ending, next]);
    if (result !== undefined) this.queueEmpty = result.queueLeft === 0;
    // Stopping meanwhile: a job taken (and started) along stays in our active list, and
    // shutdown hands it back.
    if (!this.stopping && result !== undefined) this.startSoon(result.jobs);
    return outcome;
  }

  /**
   * Stops the runner. Graceful: take nothing new, let running jobs finish within the grace
   * period, hand back the rest. Forceful: hand back running jobs at once. Idempotent; a
   * forceful call during a graceful stop escalates it.
   */
  stop(mode: "graceful" | "forceful" = "graceful"): Promise<void> {
    if (mode === "forceful") this.abortAll();
    if (this.stopPromise) return this.stopPromise;
    this.stopping = true;
    this.stopPromise = this.shutdown(mode);
    return this.stopPromise;
  }

  private abortAll(): void {
    for (const job of this.running.values()) job.stop.stop("shutdown");
  }

  /**
   * Jobs left in our active list that no handler owns (taken along as the runner stopped,
   * or orphans) are handed back, their claims released; an id a cut-off blocking take left
   * in our taking list goes back as it is. All to the queue's front.
   */
  private async returnUntouched(): Promise<void> {
    const queue = this.store.keys.queue(this.runnerId);
    const taking = this.store.keys.taking(this.runnerId, this.instance);
    while ((await this.commands.lmove(taking, queue, "RIGHT", "RIGHT")) !== null) {
      // keep moving until the list is empty
    }
    // Newest first, each to the queue's front: the oldest ends up taken first again.
    const active = this.store.keys.active(this.runnerId, this.instance);
    for (const id of await this.commands.lrange(active, 0, -1)) {
      if (this.deferredEnds.has(id)) continue;
      await this.store.handBack(this.runnerId, id, this.instance);
    }
  }

  /** Drops our lease and leaves the registry, unless jobs are left for a sweep to recover. */
  private async unregister(): Promise<void> {
    // A beat still on its way would write the lease (and the registration) back after this.
    await this.lease.stop();
    const keys = this.store.keys;
    const outcome = await unregisterInstance(
      this.commands,
      keys,
      this.runnerId,
      this.instance,
      true,
    );
    if (outcome === "holds-jobs")
      this.log.warn("jobs left in our lists; another instance's sweep will recover them");
  }

  private async shutdown(mode: "graceful" | "forceful"): Promise<void> {
    this.log.info({ mode, running: this.running.size }, "stopping");
    const minterStopped = this.minter?.stop();
    this.slotFreed?.();
    // Interrupts a blocking BLMOVE at once; an id it had already moved stays in our active
    // list and is returned to the queue below.
    this.taker.disconnect();
    await this.loopPromise?.catch(() => {});
    if (mode === "graceful" && this.running.size > 0) {
      const all = Promise.all([...this.running.values()].map((j) => j.done));
      const deadline = sleep(this.gracePeriodS * 1000);
      await Promise.race([all, deadline]);
    }
    this.abortAll();
    // Ends Redis still refuses now are left in the state directory for the next start.
    await this.ends.abandon();
    await Promise.all([...this.running.values()].map((j) => j.done));
    const steps: [string, () => Promise<unknown>][] = [
      ["untouched jobs", () => this.returnUntouched()],
      [
        "timers",
        async () => {
          clearInterval(this.sweepTimer);
          this.retention?.stop();
          this.delayed?.stop();
        },
      ],
      ["minter", async () => minterStopped],
      ["instance key", () => this.unregister()],
      ["run ledger", async () => this.ledger?.close()],
      ["executor", async () => this.executor.close?.()],
      ["control connection", () => closeRedis(this.control)],
      ["commands connection", () => closeRedis(this.commands)],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (e) {
        this.log.error({ err: describe(e) }, `stopping: ${what} failed`);
      }
    }
    this.log.info({ jobs_done: this.jobsDone }, "stopped");
    this.emit("stopped");
  }
}

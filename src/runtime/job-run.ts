// One job's run, from the id a take brought to its recorded end: parse and check it (the
// policy, its attempt, the run ledger), execute it under its timeout, and decide how it ends
// (finished, retried after its backoff, failed, dead). The runner (runner.ts) owns the slots,
// the take loop, the lease and start/stop; it lends this what a run needs (RunHost).
import type { EventEmitter } from "node:events";
import { trace } from "@opentelemetry/api";
import type { Redis } from "ioredis";
import {
  type AcceptancePolicy,
  checkJob,
  checkNode,
  checkOccurrence,
  type EnvelopeVerdict,
  type ErrorKind,
  errorKindOf,
  InvalidJobError,
  type Job,
  jobFromHash,
  RETRYABLE_KINDS,
  retryDelayMs,
} from "../job/index.js";
import {
  type EndOptions,
  type FinishCall,
  type JobStore,
  prepareRetry,
  type TakenJob,
  type TakeRequest,
} from "../protocol/index.js";
import {
  contextFrom,
  type HostCallTracer,
  hostCallTracer,
  inSpan,
  tracingOn,
} from "../tracing/index.js";
import { coerceError } from "../util/index.js";
import type { DelayedWatch } from "./delayed-watch.js";
import type { EndOutcome, EndWriter } from "./end-writer.js";
import { type RunnerEvents, refusalReason } from "./events.js";
import type { ExecutionContext, Executor } from "./executor.js";
import { advanceFlowOf, parentResults, parentVars } from "./flow-parents.js";
import type { JobStop } from "./job-stop.js";
import type { Lease } from "./lease.js";
import type { Logger } from "./logger.js";
import type { RunLedger } from "./run-ledger.js";

/** What a job's run needs of the runner instance it runs in. */
export interface RunHost extends Pick<EventEmitter<RunnerEvents>, "emit" | "listenerCount"> {
  readonly instance: string;
  readonly runnerId: string;
  readonly store: JobStore;
  readonly commands: Redis;
  readonly policy: AcceptancePolicy;
  readonly executor: Executor;
  readonly lease: Lease;
  readonly log: Logger;
  /** The runner's --max-attempts: the runs a job without max_attempts may have. */
  readonly maxAttempts: number;
  /** How long a dead letter (and a job waiting for its next attempt) is kept. */
  readonly deadRetentionS: number;
  readonly keepDead: number;
  /** Set once the runner has started with a state directory. */
  readonly ledger: RunLedger | undefined;
  readonly ends: EndWriter;
  readonly delayed: DelayedWatch | undefined;
  /** Jobs that ran and whose end is left to the next start: never handed back. */
  readonly deferredEnds: Set<string>;
  endOptions(mode: EndOptions["mode"]): EndOptions;
  takeRequest(max: number): TakeRequest;
  /** Records an end and, in the same round trip, gets the freed slot a new job. */
  endAndTakeNext(id: string, ending: Promise<EndOutcome>): Promise<EndOutcome>;
}

const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** When a run's window ends (ms, no attempt after it), and how messages name that window. */
interface RunWindow {
  endMs: number;
  named: string;
}

/**
 * Failures that go to the dead letters once the job has no attempt left: it ran and failed.
 * A refusal (never ran) or a cancel (someone chose it) is no letter for anyone to look at.
 */
const DEAD_KINDS: ReadonlySet<ErrorKind> = new Set([
  "script",
  "timeout",
  "crashed",
  "internal",
  "resources",
]);

function describe(e: unknown): string {
  const error = coerceError(e);
  return error.message || error.name;
}

export class JobRun {
  constructor(private readonly host: RunHost) {}

  /** Ends a job that never started (bad input, refused by the policy). */
  private async reject(id: string, kind: ErrorKind, message: string): Promise<void> {
    this.host.log.warn({ job_id: id, error_kind: kind }, `job refused: ${message}`);
    this.host.emit("job:refused", { id, kind, reason: refusalReason(kind, message), message });
    await this.host.store.fail(id, kind, message, this.host.endOptions("open"));
  }

  private async dropItem(item: string, reason: string): Promise<void> {
    this.host.log.warn({ item: item.slice(0, 80) }, `queue item dropped: ${reason}`);
    await this.host.store.keepInvalid(this.host.runnerId, item, reason);
    await this.host.commands.lrem(
      this.host.store.keys.active(this.host.runnerId, this.host.instance),
      0,
      item,
    );
  }

  async handle(id: string, stop: JobStop, taken?: TakenJob): Promise<void> {
    if (!ID_PATTERN.test(id)) return this.dropItem(id, "not a job id");
    if (taken !== undefined && taken.outcome !== "started") return this.notStarted(taken);
    const hash = taken?.hash ?? (await this.host.store.loadHash(id));
    if (Object.keys(hash).length === 0) return this.dropItem(id, "no such job");
    if (hash.flow === undefined) return this.handleHash(id, hash, stop, taken);
    // A flow's node: whoever ends its job moves the flow on at once (docs/flows.md). A crash
    // before that leaves it to the sweep (runner.ts), which advances every started flow.
    try {
      await this.handleHash(id, hash, stop, taken);
    } finally {
      await advanceFlowOf(this.host, id);
    }
  }

  private async handleHash(
    id: string,
    hash: Record<string, string>,
    stop: JobStop,
    taken: TakenJob | undefined,
  ): Promise<void> {
    // An occurrence of a schedule is judged by the schedule's signature and rebuilt from the
    // schedule: the hash's own job fields are never read (docs/protocol.md, "Schedules").
    // A flow's node likewise, by the flow's signature (docs/flows.md); its parents' results,
    // read from Redis and checked, reach the script as env vars the runner adds after that.
    const occurrence =
      hash.schedule !== undefined
        ? checkOccurrence(hash, this.host.policy)
        : hash.flow !== undefined
          ? await this.checkFlowNode(hash)
          : undefined;
    if (occurrence?.ok === false) return this.reject(id, occurrence.kind, occurrence.message);
    let job: Job;
    try {
      job = occurrence?.ok ? occurrence.job : jobFromHash(hash);
    } catch (e) {
      if (e instanceof InvalidJobError) return this.reject(id, "invalid_job", e.message);
      throw e;
    }
    if (job.id !== id)
      return this.reject(id, "invalid_job", `job hash holds id "${job.id}", queued as "${id}"`);
    if (!tracingOn()) return this.checkAndRun(job, hash, stop, taken, occurrence);
    // Traced: the job's span joins the trace its TRACEPARENT names (signed with the job).
    const takenAt = Date.parse(hash.started_at ?? "");
    return inSpan(
      "job",
      {
        "horus.job_id": id,
        "horus.runner_id": this.host.runnerId,
        "horus.attempt": Number(hash.attempts),
      },
      async () => {
        if (Number.isFinite(takenAt))
          trace.getTracer("horus").startSpan("job.take", { startTime: takenAt }).end();
        return this.checkAndRun(job, hash, stop, taken, occurrence);
      },
      contextFrom(job.env_vars.TRACEPARENT),
    );
  }

  /** A node job judged by its flow, with its parents' results added to its env vars. */
  private async checkFlowNode(
    hash: Record<string, string>,
  ): Promise<(EnvelopeVerdict & { ok: false }) | (EnvelopeVerdict & { ok: true; job: Job })> {
    const verdict = checkNode(hash, this.host.policy);
    if (!verdict.ok) return verdict;
    const parents = await parentResults(
      this.host.commands,
      this.host.store.keys,
      verdict.flow,
      verdict.node,
      this.host.policy.resultKeys,
    );
    if (!parents.ok) return parents;
    const job = {
      ...verdict.job,
      env_vars: { ...verdict.job.env_vars, ...parentVars(parents.results) },
    };
    return { ...verdict, job };
  }

  /** A parsed job: checked against the policy and the run ledger, then run. */
  private async checkAndRun(
    job: Job,
    hash: Record<string, string>,
    stop: JobStop,
    taken: TakenJob | undefined,
    occurrence?: EnvelopeVerdict & { endMs?: number },
  ): Promise<void> {
    const id = job.id;
    // An occurrence was judged already, by its schedule (see handle).
    const verdict =
      occurrence ??
      (tracingOn()
        ? await inSpan("job.verify", {}, async () => checkJob(job, this.host.policy))
        : checkJob(job, this.host.policy));
    if (!verdict.ok) return this.reject(id, verdict.kind, verdict.message);
    if (verdict.untrusted.length > 0)
      this.host.log.warn(
        { job_id: id, untrusted: verdict.untrusted },
        "valid signatures by untrusted keys ignored: they give the script no identity",
      );

    let attempt = Number(hash.attempts);
    if (taken === undefined) {
      const { claimTtlS } = this.host.takeRequest(1);
      const outcome = await this.host.store.start(
        id,
        this.host.runnerId,
        this.host.instance,
        claimTtlS + job.timeout,
      );
      if (outcome !== "started") return this.notStarted({ id, outcome, hash });
      attempt = Number(await this.host.commands.hget(this.host.store.keys.job(id), "attempts"));
    }
    // The signer bounds the runs (max_attempts); a job without that field may start as many
    // times as this runner's --max-attempts lets a crashed run be tried again.
    const budget = job.max_attempts ?? this.host.maxAttempts;
    if (!(Number.isSafeInteger(attempt) && attempt >= 1 && attempt <= budget))
      return this.reject(
        id,
        "unauthorized",
        `job id ${id} was run before: this would be its attempt ${attempt}, and its signer allowed ${budget}; a replay is refused`,
      );
    if (this.host.ledger !== undefined) {
      // The claim said "may run"; the ledger, which Redis cannot erase, must agree: an id
      // runs here at most as many times as the job may be started in all.
      const runs = this.host.ledger.runs(id);
      if (runs >= budget)
        return this.reject(
          id,
          "unauthorized",
          `job id ${id} was started ${runs} time(s) before by this runner (its run ledger says so, though Redis let it start again); a replay is refused`,
        );
    }
    // A flow's node: its window is the flow's (flowWindow), which may outlast this take's
    // claim: the claim of this attempt is kept to the window's end, so a node's attempt
    // cannot be started twice while its flow's signature is accepted (docs/flows.md).
    const flowEndMs = occurrence?.ok ? occurrence.endMs : undefined;
    const windowEnd = this.windowEndMs(job, flowEndMs);
    this.host.ledger?.record(id, windowEnd);
    if (flowEndMs !== undefined) {
      const claim = this.host.store.keys.claim(id);
      await this.host.commands.pexpireat(
        attempt > 1 ? `${claim}:${attempt}` : claim,
        windowEnd + 60_000,
        "GT",
      );
    }
    const window: RunWindow = {
      endMs: windowEnd,
      named:
        flowEndMs === undefined
          ? `of --max-job-age ${this.host.policy.maxJobAgeS} s`
          : "(its flow's, docs/flows.md)",
    };
    await this.execute(job, verdict.signatories, stop, attempt, hash.started_at, window);
  }

  /**
   * When the job's signed bytes stop being accepted (see checkJob; a flow's node: its flow's
   * window end, `flowEndMs`): no attempt after, and the replay guards remember it to then.
   */
  private windowEndMs(job: Job, flowEndMs?: number): number {
    const skewMs = this.host.policy.clockSkewS * 1000;
    if (flowEndMs !== undefined) return flowEndMs + skewMs;
    const from = Date.parse(job.run_at ?? job.created_at);
    return from + this.host.policy.maxJobAgeS * 1000 + skewMs;
  }

  /** A taken id this instance may not run: gone, run before, cancelled, or swept away. */
  private async notStarted({ id, outcome }: TakenJob): Promise<void> {
    // Back in its queue already (TAKE put it there): nothing of it is ours.
    if (outcome === "limited") return;
    if (outcome === "already-run")
      return this.reject(id, "unauthorized", `job id ${id} was run before; a replay is refused`);
    if (outcome === "missing") return this.dropItem(id, "no such job");
    this.host.log.info({ job_id: id, outcome }, "job not started");
    await this.host.commands.lrem(
      this.host.store.keys.active(this.host.runnerId, this.host.instance),
      0,
      id,
    );
  }

  private async execute(
    job: Job,
    signatories: string[],
    stop: JobStop,
    attempt: number,
    startedAt: string | undefined,
    window: RunWindow,
  ): Promise<void> {
    // Made on first use: at the usual levels a quick job logs nothing of its own.
    let child: Logger | undefined;
    const jobLog = () => {
      child ??= this.host.log.child({ job_id: job.id });
      return child;
    };
    const started = performance.now();
    const logWrites: Promise<void>[] = [];
    const timer = setTimeout(() => stop.stop("timeout"), job.timeout * 1000);
    timer.unref();

    const run = {
      job,
      attempt,
      signatories,
      stop,
      jobLog,
      beforeHostCall: this.host.lease.gate(stop),
    };
    const appendLog = (line: string) => {
      logWrites.push(this.host.store.appendLog(job.id, line).catch(() => {}));
    };

    if (this.host.log.isLevelEnabled("info"))
      jobLog().info({ executor: this.host.executor.kind, timeout_s: job.timeout }, "job started");
    // Built only when someone listens: the quick path allocates nothing for it.
    if (this.host.listenerCount("job:start") > 0) {
      const from = Date.parse(job.run_at ?? job.created_at);
      const at = startedAt === undefined ? Date.now() : Date.parse(startedAt);
      this.host.emit("job:start", { id: job.id, attempt, queueWaitMs: Math.max(0, at - from) });
    }
    let output: string | undefined;
    let failure: { kind: ErrorKind; message: string } | undefined;
    try {
      // Cancelled (or the runner stopping) between being taken and now: it never runs.
      if (stop.reason !== undefined) throw stop.reason;
      // Traced, the host calls' tracer is made in the execute span: their spans are its.
      const running = tracingOn()
        ? inSpan("job.execute", { "horus.executor": this.host.executor.kind }, () =>
            this.host.executor.execute(
              executionContext({ ...run, traceHostCall: hostCallTracer() }, appendLog),
            ),
          )
        : this.host.executor.execute(executionContext(run, appendLog));
      output = await Promise.race([running, stop.stopped]);
    } catch (e) {
      const reason = stop.reason;
      if (reason === "shutdown") {
        clearTimeout(timer);
        await Promise.all(logWrites);
        const back = await this.host.store.handBack(this.host.runnerId, job.id, this.host.instance);
        // Handed back unfinished, to be run again: this start does not count.
        if (back) this.host.ledger?.writeOff(job.id);
        jobLog().info({ handed_back: back }, "job handed back to the queue");
        return;
      }
      if (reason === "timeout")
        failure = { kind: "timeout", message: `job timed out after ${job.timeout} s` };
      else if (reason === "fenced")
        failure = {
          kind: "crashed",
          message: `runner instance ${this.host.instance} lost its lease on the job (paused or cut off past it) and stopped it; another instance had taken it over`,
        };
      else if (reason === "cancelled")
        failure = { kind: "cancelled", message: "job was cancelled" };
      else failure = { kind: errorKindOf(e) ?? "script", message: describe(e) };
    } finally {
      clearTimeout(timer);
    }
    stop.stop("finished");
    if (logWrites.length > 0) await Promise.all(logWrites);

    const ms = Math.round(performance.now() - started);
    const call = this.endCall(job, attempt, startedAt, output ?? "", failure, window);
    const ending = tracingOn()
      ? inSpan("job.finish", { "horus.status": call.status }, () => this.host.ends.write(call))
      : this.host.ends.write(call);
    const outcome = await this.host.endAndTakeNext(job.id, ending);
    // A success can still end as an error: an output over the result cap (prepareSuccess).
    if (call.status === "finished") {
      if (this.host.log.isLevelEnabled("info")) jobLog().info({ duration_ms: ms }, "job finished");
    } else if (call.retryAt !== undefined) {
      if (outcome === "written") this.host.delayed?.dueAt(Date.parse(call.retryAt));
      jobLog().warn(
        { duration_ms: ms, attempt, error_kind: call.error?.kind, retry_at: call.retryAt },
        `job attempt failed, to be tried again: ${call.error?.message}`,
      );
    } else
      jobLog().warn(
        { duration_ms: ms, attempt, error_kind: call.error?.kind, error: call.error?.message },
        "job failed",
      );
    if (this.host.listenerCount("job:end") > 0)
      this.host.emit("job:end", {
        id: job.id,
        attempt,
        outcome: call.retryAt !== undefined ? "retry" : call.status,
        ...(call.error?.kind ? { errorKind: call.error.kind } : {}),
        dead: call.dead === true,
        durationMs: ms,
      });
    if (outcome === "deferred") this.host.deferredEnds.add(job.id);
    else if (outcome === "already-ended" || outcome === "not-holder")
      jobLog().warn({ outcome }, "job result not recorded: another writer ended it");
    else if (outcome === "missing")
      jobLog().warn({ outcome }, "job result not recorded: its record is gone from Redis");
  }

  /**
   * How an attempt ends: finished; failed with another attempt due after its backoff (a
   * failure another attempt may cure, attempts left, due inside the job's window); or failed
   * for good, to the dead letters when it ran and failed.
   */
  private endCall(
    job: Job,
    attempt: number,
    startedAt: string | undefined,
    output: string,
    failure: { kind: ErrorKind; message: string } | undefined,
    window: RunWindow,
  ): FinishCall {
    const opts = this.host.endOptions("holder");
    const multi = (job.max_attempts ?? 1) > 1;
    const endedAt = new Date().toISOString();
    const entry = (f: { kind: ErrorKind; message: string } | undefined, next?: string) =>
      JSON.stringify({
        attempt,
        instance: this.host.instance,
        started_at: startedAt,
        ended_at: endedAt,
        status: f === undefined ? "finished" : "error",
        ...(f === undefined ? {} : { error_kind: f.kind, error: f.message }),
        ...(next === undefined ? {} : { next_run_at: next }),
      });
    if (failure === undefined) {
      const call = this.host.store.prepareSuccess(job.id, output, opts);
      if (call.status === "finished")
        return multi ? this.host.store.withHistory(call, entry(undefined)) : call;
      failure = { kind: call.error?.kind || "resources", message: call.error?.message ?? "" };
    }
    let message = failure.message;
    if (job.max_attempts !== undefined && RETRYABLE_KINDS.has(failure.kind)) {
      if (attempt < job.max_attempts) {
        const dueMs = Date.now() + retryDelayMs(job.backoff, attempt);
        if (dueMs < window.endMs)
          return prepareRetry(this.host.store.keys, {
            id: job.id,
            runnerId: this.host.runnerId,
            instance: this.host.instance,
            kind: failure.kind,
            message,
            dueMs,
            entry: JSON.parse(entry(failure, new Date(dueMs).toISOString())),
            retentionS: this.host.deadRetentionS,
          });
        message += ` (attempt ${attempt} of ${job.max_attempts}; no more: the next would fall due after the job's window ${window.named})`;
      } else if (multi) message += ` (attempt ${attempt} of ${job.max_attempts}, the last)`;
    }
    const dead = DEAD_KINDS.has(failure.kind);
    return this.host.store.prepareEnd(job.id, "error", { error: message }, failure.kind, {
      ...opts,
      ...(dead
        ? {
            dead: { keepDead: this.host.keepDead },
            retentionS: this.host.deadRetentionS,
          }
        : {}),
      ...(multi ? { history: entry({ kind: failure.kind, message }) } : {}),
    });
  }
}

/** What an executor gets for one job (see ExecutionContext). */
function executionContext(
  run: {
    job: Job;
    attempt: number;
    signatories: string[];
    stop: JobStop;
    jobLog: () => Logger;
    beforeHostCall: () => Promise<void> | undefined;
    traceHostCall?: HostCallTracer;
  },
  log: (line: string) => void,
): ExecutionContext {
  const { job, stop, jobLog } = run;
  return {
    job,
    attempt: run.attempt,
    // Made only if the executor looks (see JobStop).
    get signal() {
      return stop.signal;
    },
    envVars: job.env_vars,
    signatories: run.signatories,
    beforeHostCall: run.beforeHostCall,
    traceHostCall: run.traceHostCall,
    logger: {
      info: (msg, extra) => jobLog().info(extra ?? {}, msg),
      warn: (msg, extra) => jobLog().warn(extra ?? {}, msg),
      error: (msg, extra) => jobLog().error(extra ?? {}, msg),
      debug: (msg, extra) => jobLog().debug(extra ?? {}, msg),
    },
    log,
  };
}

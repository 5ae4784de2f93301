// A small pool of sandbox workers. Each worker keeps its engine and host modules loaded
// and runs one job at a time; jobs wait in a FIFO queue for an idle worker. A worker that
// is killed (timeout, cancel) or dies (heap limit, crash) is replaced, and only the job it
// was running fails.

import { MessageChannel, type ResourceLimits, Worker } from "node:worker_threads";
import type { HostSession } from "../host/index.js";
import { JobFailure } from "../job/index.js";
import type { HostCallTracer } from "../tracing/index.js";
import { coerceError } from "../util/index.js";
import { wakeWorker } from "./bridge.js";
import { decodeValue, encodeValue } from "./codec.js";
import { abortFailure, timeoutFailure, workerDeathFailure } from "./failures.js";
import type { MainHost } from "./main-host.js";
import type { CallReply, FromWorker, ScriptJob, ToWorker, WorkerInit } from "./protocol.js";

export interface RunOptions {
  /**
   * Stops the job: reason `"cancelled"` ends it as `cancelled`. Or a function that makes the
   * signal, called only when the script goes to a worker: making an AbortSignal, and aborting
   * it when the job ends, costs more than running a tiny script inline does. A script run
   * inline is then not checked against it; a caller passing a function keeps a job stopped
   * before `run` from getting here (the runtime does).
   */
  readonly signal?: AbortSignal | (() => AbortSignal);
  /** Wall-clock limit from the call to `run`, waiting for a worker included. */
  readonly timeoutMs?: number;
  /** Receives each print/debug line and host log line as it happens. */
  readonly onLog?: (line: string) => void;
  /**
   * Asked before each main-side call the script makes: undefined to go ahead, or a promise
   * to wait on (a rejection refuses the call with its message). The runner holds calls here
   * while it is not sure it still holds the job (see ExecutionContext.beforeHostCall).
   */
  readonly beforeHostCall?: () => Promise<void> | undefined;
  /**
   * Given when the job is traced: each main-side call the script makes is a span of its own,
   * in the job's trace (made where the call is served, from the job's context it carries).
   */
  readonly traceHostCall?: HostCallTracer;
}

export interface PoolConfig {
  readonly workerUrl: URL;
  readonly size: number;
  readonly init: Pick<WorkerInit, "modules" | "limits" | "logLimits">;
  readonly resourceLimits: ResourceLimits;
  readonly host: MainHost;
  /** Told when a worker fails to start or dies on its own (for the runner's log). */
  readonly onWorkerError?: (error: Error) => void;
  /**
   * Runs a job on the calling thread when that is safe and answers its output, or
   * undefined to send it to a worker (tiny scripts, see inline.ts).
   */
  readonly inline?: (job: ScriptJob) => string | undefined;
}

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Delay before replacing a worker that died while starting, so a broken setup cannot spin. */
const RESPAWN_BACKOFF_MS = 1_000;

/** One call to `run`, from queued to settled. */
class Task {
  worker: PoolWorker | undefined;
  session: HostSession | undefined;
  settled = false;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    readonly job: ScriptJob,
    readonly opts: RunOptions,
    readonly resolve: (output: string) => void,
    readonly reject: (e: JobFailure) => void,
  ) {}

  log(line: string): void {
    if (this.settled || this.opts.onLog === undefined) return;
    try {
      this.opts.onLog(line);
    } catch {
      // A failing log sink must not take the runner down (this runs in a worker event).
    }
  }
}

type WorkerState = "starting" | "idle" | "busy" | "gone";

class PoolWorker {
  state: WorkerState = "starting";
  task: Task | undefined;
  runId = 0;
  /** Set by the `error` event that precedes an exit we did not ask for. */
  private lastError: unknown;
  private readonly worker: Worker;
  private readonly bridgeState = new SharedArrayBuffer(4);
  private readonly channel = new MessageChannel();
  readonly ready: Promise<void>;
  private rejectReady: ((e: Error) => void) | undefined;

  constructor(
    private readonly pool: WorkerPool,
    config: PoolConfig,
  ) {
    const init: WorkerInit = {
      ...config.init,
      bridgeState: this.bridgeState,
      replyPort: this.channel.port2,
    };
    this.worker = new Worker(config.workerUrl, {
      workerData: init,
      transferList: [this.channel.port2],
      resourceLimits: config.resourceLimits,
    });
    this.ready = new Promise((resolve, reject) => {
      this.rejectReady = reject;
      this.worker.on("message", (msg: FromWorker) => {
        if (msg.type === "ready") {
          if (this.state !== "starting") return;
          this.state = "idle";
          this.worker.unref();
          resolve();
          this.pool.workerIdle(this);
        } else {
          this.onMessage(msg);
        }
      });
      this.worker.on("error", (e) => {
        this.lastError = e;
      });
      this.worker.on("exit", (code) => {
        if (this.state === "gone") return; // we stopped it
        const startFailed = this.state === "starting";
        const error =
          this.lastError instanceof Error
            ? this.lastError
            : new Error(`sandbox worker exited with code ${code}`);
        if (startFailed) reject(error);
        try {
          config.onWorkerError?.(error);
        } catch {
          // Reporting must not break the pool.
        }
        this.state = "gone";
        this.channel.port1.close();
        const task = this.task;
        this.task = undefined;
        if (task !== undefined) {
          this.pool.settle(
            task,
            workerDeathFailure(
              this.lastError,
              code,
              config.resourceLimits.maxOldGenerationSizeMb ?? 0,
            ),
          );
        }
        this.pool.workerGone(this, startFailed);
      });
    });
    // A start failure rejects `ready` for `start()`; later ones go to onWorkerError only.
    this.ready.catch(() => {});
  }

  start(task: Task, runId: number): void {
    this.state = "busy";
    this.task = task;
    this.runId = runId;
    task.worker = this;
    this.worker.ref();
    const msg: ToWorker = { type: "run", runId, job: task.job };
    this.worker.postMessage(msg);
  }

  /** Stops the worker now (it may be in the middle of anything); the pool replaces it. */
  kill(): Promise<unknown> {
    if (this.state === "gone") return Promise.resolve();
    if (this.state === "starting") this.rejectReady?.(new Error("the sandbox worker was stopped"));
    this.state = "gone";
    this.task = undefined;
    this.channel.port1.close();
    const terminated = this.worker.terminate();
    this.pool.workerGone(this, false);
    return terminated;
  }

  private onMessage(msg: FromWorker): void {
    const task = this.task;
    if (task === undefined || msg.type === "ready" || msg.runId !== this.runId) return;
    switch (msg.type) {
      case "log":
        task.log(msg.line);
        return;
      case "call":
        void this.serveCall(task, msg);
        return;
      case "done":
        this.task = undefined;
        this.state = "idle";
        this.worker.unref();
        this.pool.settle(task, msg.ok ? msg.output : new JobFailure(msg.kind, msg.message));
        this.pool.workerIdle(this);
        return;
    }
  }

  private async serveCall(task: Task, msg: Extract<FromWorker, { type: "call" }>): Promise<void> {
    const session = this.pool.sessionOf(task);
    let reply: CallReply;
    try {
      const gate = task.opts.beforeHostCall?.();
      if (gate !== undefined) await gate;
      const args = msg.args.map(decodeValue);
      const result = await this.pool.host.call(session, task.job, msg.target, args);
      reply = result.ok
        ? { callId: msg.callId, ok: true, value: encodeValue(result.value) }
        : result.errorKind === undefined
          ? { callId: msg.callId, ok: false, message: result.message }
          : { callId: msg.callId, ok: false, message: result.message, errorKind: result.errorKind };
    } catch (e) {
      // The gate refused the call, or the result could not be encoded.
      reply = { callId: msg.callId, ok: false, message: coerceError(e).message };
    }
    // The job may have ended meanwhile (timeout, cancel): nobody waits for this answer.
    if (this.task !== task || this.state !== "busy") return;
    this.channel.port1.postMessage(reply);
    wakeWorker(this.bridgeState);
  }
}

export class WorkerPool {
  private replaced = 0;
  private readonly workers = new Set<PoolWorker>();
  private readonly idle: PoolWorker[] = [];
  private readonly queue: Task[] = [];
  private nextRunId = 1;
  private closed = false;
  /** Jobs whose host cleanups are still running. */
  private readonly endings = new Set<Promise<void>>();

  constructor(private readonly config: PoolConfig) {
    if (!Number.isInteger(config.size) || config.size < 1) {
      throw new RangeError(`the sandbox needs at least one worker (size ${config.size})`);
    }
  }

  /** Starts the workers and waits until every one has loaded its engine and modules. */
  async start(): Promise<void> {
    const starting: PoolWorker[] = [];
    for (let i = 0; i < this.config.size; i++) starting.push(this.spawn());
    await Promise.all(starting.map((w) => w.ready));
  }

  run(job: ScriptJob, opts: RunOptions = {}): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (this.closed) {
        reject(new JobFailure("internal", "the sandbox is closed"));
        return;
      }
      const { timeoutMs } = opts;
      // A job cancelled before it starts never starts.
      const given = typeof opts.signal === "function" ? undefined : opts.signal;
      if (given?.aborted) {
        reject(abortFailure(given.reason));
        return;
      }
      if (timeoutMs !== undefined && !(timeoutMs > 0)) {
        throw new RangeError(`timeoutMs must be > 0 (got ${timeoutMs})`);
      }
      const plain = plainJob(job);
      // Answered at once: no worker, timer or abort listener to set up or tear down.
      const output = this.config.inline?.(plain);
      if (output !== undefined) {
        resolve(output);
        return;
      }
      const signal = typeof opts.signal === "function" ? opts.signal() : given;
      if (signal?.aborted) {
        reject(abortFailure(signal.reason));
        return;
      }
      const task = new Task(plain, opts, resolve, reject);
      if (timeoutMs !== undefined) {
        // Node fires longer timers at once; no job waits that long (about 24.8 days) anyway.
        const delay = Math.min(timeoutMs, MAX_TIMER_MS);
        task.timer = setTimeout(() => this.stop(task, timeoutFailure(timeoutMs)), delay);
      }
      if (signal !== undefined) {
        task.signal = signal;
        task.onAbort = () => this.stop(task, abortFailure(signal.reason));
        signal.addEventListener("abort", task.onAbort, { once: true });
      }
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Fails every waiting job, terminates the workers. Running jobs end as `cancelled`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const task of this.queue.splice(0)) {
      this.settle(task, new JobFailure("cancelled", "the sandbox was closed before the job ran"));
    }
    const terminations: Promise<unknown>[] = [];
    for (const w of [...this.workers]) {
      const task = w.task;
      terminations.push(w.kill());
      if (task !== undefined) {
        this.settle(task, new JobFailure("cancelled", "the sandbox was closed during the job"));
      }
    }
    // Modules close their shared state only after every job's cleanups have run.
    await Promise.all([...terminations, ...this.endings]);
  }

  /** Number of workers alive or starting (for tests and the runner's heartbeat). */
  get workerCount(): number {
    return this.workers.size;
  }

  /** Workers that ended while the pool was open, each replaced by a fresh one. */
  get workersReplaced(): number {
    return this.replaced;
  }

  // ---- called by PoolWorker ----

  workerIdle(w: PoolWorker): void {
    if (w.state !== "idle") return;
    this.idle.push(w);
    this.dispatch();
  }

  workerGone(w: PoolWorker, startFailed: boolean): void {
    if (!this.workers.delete(w)) return;
    const at = this.idle.indexOf(w);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.closed) return;
    this.replaced += 1;
    if (startFailed) setTimeout(() => this.refill(), RESPAWN_BACKOFF_MS).unref();
    else this.refill();
  }

  /** The main side of the host modules, which serves the workers' calls. */
  get host(): MainHost {
    return this.config.host;
  }

  sessionOf(task: Task): HostSession {
    task.session ??= this.config.host.beginJob(
      task.job,
      (line) => task.log(line),
      task.opts.traceHostCall,
    );
    return task.session;
  }

  /** Ends a task once: stops its timer and listener, closes its host session, reports. */
  settle(task: Task, outcome: string | JobFailure): void {
    if (task.settled) return;
    task.settled = true;
    clearTimeout(task.timer);
    if (task.onAbort !== undefined) task.signal?.removeEventListener("abort", task.onAbort);
    const report = (): void => {
      if (typeof outcome === "string") task.resolve(outcome);
      else task.reject(outcome);
    };
    const session = task.session;
    if (session === undefined) {
      report();
      return;
    }
    const ending = session.end(outcome).then(report, report);
    this.endings.add(ending);
    void ending.finally(() => this.endings.delete(ending));
  }

  // ---- internals ----

  /** Timeout or abort: a waiting job leaves the queue; a running one loses its worker. */
  private stop(task: Task, failure: JobFailure): void {
    if (task.settled) return;
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    void task.worker?.kill();
    this.settle(task, failure);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const w = this.idle.pop() as PoolWorker;
      if (w.state !== "idle") continue;
      const task = this.queue.shift() as Task;
      w.start(task, this.nextRunId++);
    }
  }

  private refill(): void {
    while (!this.closed && this.workers.size < this.config.size) this.spawn();
  }

  private spawn(): PoolWorker {
    const w = new PoolWorker(this, this.config);
    this.workers.add(w);
    return w;
  }
}

/** The job's fields only, as plain data: whatever else the caller's object holds stays here. */
function plainJob(job: ScriptJob): ScriptJob {
  if (typeof job.source !== "string")
    throw new JobFailure("invalid_job", "the job's source must be a string");
  return {
    source: job.source,
    jobId: String(job.jobId),
    callerId: String(job.callerId),
    contextId: String(job.contextId),
    signatories: job.signatories.map(String),
    envVars: Object.fromEntries(Object.entries(job.envVars).map(([k, v]) => [k, String(v)])),
    attempt: Number.isSafeInteger(job.attempt) ? job.attempt : 1,
  };
}

// An instance's lease on the jobs it holds: the heartbeat that renews it, and the fence that
// keeps a runner that lost it (paused, cut off) from acting on jobs another instance took over.
import type { Redis } from "ioredis";
import { type InstanceInfo, type RedisKeys, writeHeartbeat } from "../protocol/index.js";
import type { JobStop } from "./job-stop.js";
import type { Logger } from "./logger.js";

export interface LeaseHolder {
  readonly instance: string;
  /** What the heartbeat publishes about the instance. */
  info(): InstanceInfo;
  /** The jobs the instance runs now, each with how to stop it. */
  running(): Iterable<[string, JobStop]>;
  /** Told each time a heartbeat finds the lease had lapsed. */
  lapsed?(): void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

export class Lease {
  private timer: NodeJS.Timeout | undefined;
  /** The latest heartbeat sent: a stopping runner lets it land before leaving the registry. */
  private lastBeat: Promise<void> | undefined;
  /**
   * When (performance.now()) the last heartbeat that Redis took was sent. A lease older than
   * two heartbeats is unconfirmed, and host calls wait until a beat confirms it.
   */
  private confirmedAt = performance.now();
  private confirming: Promise<void> | undefined;
  /** Checking which running jobs were taken over while the lease had lapsed. */
  private fencing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly heartbeatS: number,
    private readonly holder: LeaseHolder,
    private readonly log: Logger,
  ) {}

  /** Beats now and every heartbeat from now on. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => this.beat(), this.heartbeatS * 1000);
    this.timer.unref();
  }

  /** Stops beating, once the beat on its way (if any) has landed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.lastBeat;
  }

  beat(): Promise<void> {
    const sentAt = performance.now();
    this.lastBeat = writeHeartbeat(
      this.redis,
      this.keys,
      this.holder.info(),
      this.heartbeatS * 3,
    ).then(
      (lease) => {
        // The lease had lapsed (a pause, Redis away): a sweep may have recovered jobs we are
        // still running. Those must stop before they do more, and until that is known no
        // host call goes ahead (see gate), fresh lease or not.
        if (lease === "lapsed") {
          this.holder.lapsed?.();
          const fencing = this.fenceTakenOver().finally(() => {
            if (this.fencing === fencing) this.fencing = undefined;
          });
          this.fencing = fencing;
        }
        this.confirmedAt = Math.max(this.confirmedAt, sentAt);
        return this.fencing;
      },
      () => {
        // Redis is away: the runner's connection watcher has said so already.
      },
    );
    return this.lastBeat;
  }

  private fresh(): boolean {
    return performance.now() - this.confirmedAt < 2 * this.heartbeatS * 1000;
  }

  /** Beats until Redis takes a beat (the lease is confirmed), or the lease is stopped. */
  private confirm(): Promise<void> {
    this.confirming ??= (async () => {
      for (;;) {
        await this.beat();
        await this.fencing;
        if (this.fresh() || this.stopped) return;
        await sleep(250);
      }
    })().finally(() => {
      this.confirming = undefined;
    });
    return this.confirming;
  }

  /**
   * Stops every running job that Redis no longer has as ours (recovered by a sweep while our
   * lease had lapsed): another instance may be running it, or has ended it as crashed.
   */
  private async fenceTakenOver(): Promise<void> {
    const jobs = [...this.holder.running()];
    if (jobs.length === 0) return;
    const states = await Promise.all(
      jobs.map(([id]) =>
        this.redis.hmget(this.keys.job(id), "status", "runner_instance").catch(() => null),
      ),
    );
    jobs.forEach(([id, stop], i) => {
      const [status, holder] = states[i] ?? [null, null];
      // A hash that is gone (Redis lost its data) was taken by nobody: the job goes on.
      if (status === null || status === undefined) return;
      if (status === "started" && holder === this.holder.instance) return;
      if (stop.reason !== undefined) return;
      this.log.warn(
        { job_id: id, status, holder },
        "job taken over while our lease had lapsed (a pause or a cut-off past the lease): stopped before it does more",
      );
      stop.stop("fenced");
    });
  }

  /**
   * The host-call gate of one job (see ExecutionContext.beforeHostCall): at once while the
   * lease is fresh; else once a beat has confirmed it and the job was not taken over.
   */
  gate(stop: JobStop): () => Promise<void> | undefined {
    const refuse = () =>
      Promise.reject(
        new Error(
          "host call refused: this runner lost its lease on the job (it was paused or cut off past it) and another instance took it over",
        ),
      );
    return () => {
      if (stop.reason === "fenced") return refuse();
      if (this.fresh() && this.fencing === undefined) return undefined;
      return (async () => {
        await this.confirm();
        await this.fencing;
        if (stop.reason === "fenced") return refuse();
      })();
    };
  }
}

// Moves a runner id's delayed jobs (run_at, retries) to their queues when they fall due.
// No polling: it sleeps until the earliest due time it knows of, and is woken sooner when a
// job due earlier arrives (SUBMIT and RETRY say so on the runner id's control channel).
import type { Redis } from "ioredis";
import { promoteDue, type RedisKeys } from "../protocol/index.js";
import type { Logger } from "./logger.js";

/**
 * The longest sleep: a wake-up lost with a dropped connection (pub/sub does not replay) is
 * made up for within this.
 */
const MAX_SLEEP_MS = 30_000;

export class DelayedWatch {
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly runnerId: string,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.check();
  }

  /** A job falls due at `dueMs`: make sure to look by then. */
  dueAt(dueMs: number): void {
    if (this.stopped || !Number.isFinite(dueMs)) return;
    if (dueMs >= this.wakeAt) return;
    this.arm(dueMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(atMs: number): void {
    clearTimeout(this.timer);
    const at = Math.min(atMs, Date.now() + MAX_SLEEP_MS);
    this.wakeAt = at;
    this.timer = setTimeout(() => this.check(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  /** Queues what is due; then sleeps until the next due time (or the longest sleep). */
  private check(): void {
    if (this.stopped) return;
    this.wakeAt = Number.POSITIVE_INFINITY;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.promote().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.check();
      }
    });
  }

  private async promote(): Promise<void> {
    let next: number | undefined;
    try {
      for (;;) {
        const r = await promoteDue(this.redis, this.keys, this.runnerId);
        if (r.moved > 0) this.log.debug({ moved: r.moved }, "delayed jobs queued");
        next = r.nextDueMs;
        // A full batch may have left more due jobs behind it.
        if (r.moved < 100 || this.stopped) break;
      }
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, "cannot queue delayed jobs; trying again");
      next = Date.now() + 1000;
    }
    if (!this.stopped) this.arm(next ?? Date.now() + MAX_SLEEP_MS);
  }
}

// Waiting for jobs to end without polling: each wait blocks (BLPOP) on a connection of its
// own, taken from a small pool, so concurrent job.run calls never queue behind each other.
import type { Redis } from "ioredis";
import { closeRedis, connectRedis, type JobRecord, type JobStore } from "../protocol/index.js";

/** BLPOP in slices so a wait notices a Redis restart and the supervisor's shutdown. */
const SLICE_S = 2;
/** Idle connections kept for the next waits. */
const POOL_MAX = 8;

export class JobWaiter {
  private readonly idle: Redis[] = [];
  private readonly busy = new Set<Redis>();
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly redisUrl: string,
  ) {}

  private take(): Redis {
    const conn = this.idle.pop() ?? connectRedis(this.redisUrl, { name: "horus:supervisor:wait" });
    this.busy.add(conn);
    return conn;
  }

  private give(conn: Redis): void {
    this.busy.delete(conn);
    if (this.closed || this.idle.length >= POOL_MAX) void closeRedis(conn);
    else this.idle.push(conn);
  }

  /** The job's record once it has ended, or undefined when `timeoutS` passed first. */
  async wait(id: string, timeoutS: number): Promise<JobRecord | undefined> {
    const deadline = Date.now() + timeoutS * 1000;
    const conn = this.take();
    try {
      for (;;) {
        const record = await this.store.record(id);
        if (record === undefined) throw new Error(`job ${id} disappeared while waited for`);
        if (record.status === "finished" || record.status === "error") return record;
        const left = (deadline - Date.now()) / 1000;
        if (left <= 0 || this.closed) return undefined;
        await this.store.waitForReply(conn, id, Math.max(0.1, Math.min(SLICE_S, left)));
      }
    } finally {
      this.give(conn);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.splice(0), ...this.busy];
    // A connection blocked in BLPOP would hold quit() until the BLPOP ends: cut it.
    for (const conn of this.busy) conn.disconnect();
    await Promise.all(all.map((c) => closeRedis(c, 500)));
  }
}

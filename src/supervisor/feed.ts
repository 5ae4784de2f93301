// Namespace activity pushed to WebSocket subscribers (events.subscribe): one blocking read of
// the event stream serves every subscriber, and each batch read becomes one notification
// that says how many changes of which kind happened on which runner ids. Never a job id: a
// user key must not learn which ids others use, and the counts are what /metrics shows to
// anyone. The console refreshes what it shows when told, instead of polling. At most one
// notification a second goes out: a busy namespace coalesces into one.
import type { Redis } from "ioredis";
import { type JobStore, readEvents } from "../protocol/index.js";

export interface ActivityNotice {
  /** How many state changes the notice covers. */
  changes: number;
  /** Changes per event kind (queued, started, finished, error, dead, ...). */
  kinds: Record<string, number>;
  /** The runner ids they concern. */
  runners: string[];
}

export type ActivitySink = (notice: ActivityNotice) => void;

/** The least time between two notices to one subscriber (ms). */
export const ACTIVITY_MIN_INTERVAL_MS = 1000;
const STREAM_BLOCK_MS = 5000;

export class ActivityFeed {
  private readonly sinks = new Set<ActivitySink>();
  private reader: Redis | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly minIntervalMs = ACTIVITY_MIN_INTERVAL_MS,
  ) {}

  /**
   * Adds a subscriber; once this resolves, every change after it reaches the sink (the
   * reader starts after the stream's newest entry as it is now, not after whatever is
   * newest when its own connection is up).
   */
  async subscribe(sink: ActivitySink): Promise<void> {
    this.sinks.add(sink);
    if (this.reader !== undefined) return;
    const reader = this.store.redis.duplicate();
    reader.on("error", () => {});
    this.reader = reader;
    const newest = (
      await this.store.redis.xrevrange(this.store.keys.events(), "+", "-", "COUNT", 1)
    )[0];
    void this.follow(reader, newest?.[0] ?? "0-0");
  }

  unsubscribe(sink: ActivitySink): boolean {
    const had = this.sinks.delete(sink);
    this.stopWhenIdle();
    return had;
  }

  private stopWhenIdle(): void {
    if (this.sinks.size === 0 && this.reader) {
      this.reader.disconnect();
      this.reader = undefined;
    }
  }

  private async follow(reader: Redis, from: string): Promise<void> {
    let after = from;
    while (this.reader === reader) {
      try {
        const events = await readEvents(reader, this.store.keys, {
          after,
          blockMs: STREAM_BLOCK_MS,
          count: 10_000,
        });
        if (events.length === 0) continue;
        after = events.at(-1)?.stream_id ?? after;
        const kinds: Record<string, number> = {};
        const runners = new Set<string>();
        for (const e of events) {
          kinds[e.event] = (kinds[e.event] ?? 0) + 1;
          if (e.runner) runners.add(e.runner);
        }
        const notice = { changes: events.length, kinds, runners: [...runners].sort() };
        for (const sink of this.sinks) {
          try {
            sink(notice);
          } catch {
            this.sinks.delete(sink);
          }
        }
        // What happens meanwhile waits in the stream and goes out as the next notice.
        await new Promise((r) => setTimeout(r, this.minIntervalMs));
      } catch {
        // Disconnected (no subscriber left), or Redis away: try again in a moment.
        if (this.reader === reader) await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  close(): void {
    this.sinks.clear();
    this.stopWhenIdle();
  }
}

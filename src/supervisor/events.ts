// Job events for WebSocket subscribers: status changes and log lines as they happen, then
// one `end` event with the final record. State changes come from the namespace's event
// stream (the scripts append each one as it happens): one blocking read serves every
// subscription, and a subscribed job is looked at the moment the stream names it. Log lines
// are not in the stream; they are read once a second, which also catches any change a
// reconnect made the stream reader miss.
import type { Redis } from "ioredis";
import {
  type JobRecord,
  type JobStateEvent,
  type JobStore,
  readEvents,
} from "../protocol/index.js";
import { type CheckState, checkOneAtATime } from "./one-check.js";
import type { JobEvent } from "./schemas.js";

/** Reads a job's record as subscribers see it (the supervisor adds owner and signature). */
export type RecordReader = (id: string) => Promise<JobRecord | undefined>;

export type EventSink = (event: JobEvent) => void;

interface Subscription extends CheckState {
  jobId: string;
  sink: EventSink;
  seenLogs: number;
  lastStatus?: string;
}

/** How often subscribed jobs' logs are read (and their records, as a safety net). */
export const EVENT_POLL_MS = 1000;
/** How long one blocking read of the stream waits before it is sent again. */
const STREAM_BLOCK_MS = 5000;

/**
 * Reads the namespace's event stream on a connection of its own (it blocks) from the moment
 * it starts until it stops, handing each batch of events to `onEvents`. Shared by job and
 * flow subscriptions.
 */
export class StreamFollower {
  private reader: Redis | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly onEvents: (events: JobStateEvent[]) => void,
  ) {}

  start(): void {
    if (this.reader === undefined) void this.follow();
  }

  stop(): void {
    this.reader?.disconnect();
    this.reader = undefined;
  }

  private async follow(): Promise<void> {
    const reader = this.store.redis.duplicate();
    reader.on("error", () => {});
    this.reader = reader;
    let after = "$";
    while (this.reader === reader) {
      try {
        const events = await readEvents(reader, this.store.keys, {
          after,
          blockMs: STREAM_BLOCK_MS,
          count: 1000,
        });
        after = events.at(-1)?.stream_id ?? after;
        if (events.length > 0) this.onEvents(events);
      } catch {
        // Disconnected (stopped), or Redis away: the subscribers' timers' reads carry on.
        if (this.reader === reader) await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}

export class JobEvents {
  private readonly subs = new Set<Subscription>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** The stream reader, while anyone is subscribed: checks each job it names at once. */
  private readonly stream: StreamFollower;

  constructor(
    private readonly store: JobStore,
    private readonly readRecord: RecordReader = (id) => store.record(id),
    private readonly pollMs = EVENT_POLL_MS,
  ) {
    this.stream = new StreamFollower(store, (events) => {
      const named = new Set(events.map((e) => e.job));
      for (const sub of this.subs) if (named.has(sub.jobId)) void this.check(sub);
    });
  }

  subscribe(jobId: string, sink: EventSink): void {
    for (const s of this.subs) if (s.jobId === jobId && s.sink === sink) return;
    this.subs.add({ jobId, sink, seenLogs: 0 });
    this.timer ??= setInterval(() => void this.tick(), this.pollMs);
    this.stream.start();
    void this.tick();
  }

  unsubscribe(jobId: string, sink: EventSink): boolean {
    for (const s of this.subs) {
      if (s.jobId === jobId && s.sink === sink) {
        this.subs.delete(s);
        this.stopWhenIdle();
        return true;
      }
    }
    return false;
  }

  /** Forgets every subscription of a sink (its connection closed). */
  dropSink(sink: EventSink): void {
    for (const s of this.subs) if (s.sink === sink) this.subs.delete(s);
    this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    if (this.subs.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    if (this.subs.size === 0) this.stream.stop();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await Promise.all([...this.subs].map((s) => this.check(s)));
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Checks a subscription, one check at a time: a stream event and the timer may both ask,
   * and two checks at once would send the same log lines twice.
   */
  private check(sub: Subscription): Promise<void> {
    return checkOneAtATime(
      sub,
      () => this.subs.has(sub),
      () => this.checkOnce(sub),
    );
  }

  private async checkOnce(sub: Subscription): Promise<void> {
    let record: JobRecord | undefined;
    let lines: string[];
    try {
      // Line numbers count every line logged, so trimmed old lines do not stall the follow.
      const tail = await this.store.logTail(sub.jobId, sub.seenLogs);
      lines = tail.lines;
      sub.seenLogs = tail.next;
      record = await this.readRecord(sub.jobId);
    } catch {
      return; // Redis away for a moment: the next tick tries again.
    }
    if (!this.subs.has(sub)) return;
    const send = (e: JobEvent) => {
      try {
        sub.sink(e);
      } catch {
        this.subs.delete(sub);
      }
    };
    if (record === undefined) {
      send({ job_id: sub.jobId, type: "end", status: "unknown" });
      this.subs.delete(sub);
      this.stopWhenIdle();
      return;
    }
    if (record.status !== sub.lastStatus) {
      sub.lastStatus = record.status;
      send({ job_id: sub.jobId, type: "status", status: record.status });
    }
    for (const line of lines) send({ job_id: sub.jobId, type: "log", line });
    if (record.status === "finished" || record.status === "error") {
      // Lines written between the two reads above: the record is final, so these are last.
      const late = await this.store.logs(sub.jobId, sub.seenLogs).catch(() => []);
      for (const line of late) send({ job_id: sub.jobId, type: "log", line });
      send({ job_id: sub.jobId, type: "end", status: record.status, record });
      this.subs.delete(sub);
      this.stopWhenIdle();
    }
  }

  close(): void {
    this.subs.clear();
    this.stopWhenIdle();
  }
}

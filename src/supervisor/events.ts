// Job events for WebSocket subscribers: status changes and log lines as they happen, then
// one `end` event with the final record. Runners write status and logs to Redis and publish
// nothing, so the supervisor watches the jobs somebody subscribed to, a few times a second,
// in one loop for all of them.
import type { JobRecord, JobStore } from "../protocol/index.js";
import type { JobEvent } from "./schemas.js";

/** Reads a job's record as subscribers see it (the supervisor adds owner and signature). */
export type RecordReader = (id: string) => Promise<JobRecord | undefined>;

export type EventSink = (event: JobEvent) => void;

interface Subscription {
  jobId: string;
  sink: EventSink;
  seenLogs: number;
  lastStatus?: string;
}

export const EVENT_POLL_MS = 200;

export class JobEvents {
  private readonly subs = new Set<Subscription>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly store: JobStore,
    private readonly readRecord: RecordReader = (id) => store.record(id),
    private readonly pollMs = EVENT_POLL_MS,
  ) {}

  subscribe(jobId: string, sink: EventSink): void {
    for (const s of this.subs) if (s.jobId === jobId && s.sink === sink) return;
    this.subs.add({ jobId, sink, seenLogs: 0 });
    this.timer ??= setInterval(() => void this.tick(), this.pollMs);
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

  private async check(sub: Subscription): Promise<void> {
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

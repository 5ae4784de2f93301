// Following a job's log until it ends, the same way whether the lines come straight from
// Redis (HorusClient) or through a supervisor (SupervisorClient).
import type { JobRecord, LogTail } from "../protocol/index.js";

/** What following needs of a client. */
export interface LogSource {
  status(id: string): Promise<JobRecord | undefined>;
  logTail(id: string, from: number): Promise<LogTail>;
}

/**
 * Calls `onLine` for each log line of the job as it arrives, polling every `pollMs`, until
 * the job has ended and its last lines are read. The record is read before the lines, so
 * once it says ended, the lines read after it are the last. A job's log keeps its newest
 * lines only: lines trimmed before they were read are counted to `onDropped`.
 */
export async function followLogs(
  source: LogSource,
  id: string,
  onLine: (line: string) => void,
  pollMs: number,
  onDropped?: (count: number) => void,
): Promise<JobRecord> {
  let next = 0;
  for (;;) {
    const record = await source.status(id);
    if (record === undefined) throw new Error(`no job with id ${id}`);
    const tail = await source.logTail(id, next);
    if (tail.dropped > 0) onDropped?.(tail.dropped);
    for (const line of tail.lines) onLine(line);
    next = tail.next;
    if (record.status === "finished" || record.status === "error") return record;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

// How a job's print/debug lines leave its worker: the first ones at once, the rest at a
// bounded rate, always keeping the newest.
//
// Every line becomes a message to the runner's main thread and an append in Redis. A script
// printing in a tight loop would queue messages on the main thread (which has no heap limit
// of its own) faster than they can be stored, so past `maxLines` lines a job's lines are
// held in the worker (whose heap is limited) and sent at most once per FLUSH_INTERVAL_MS,
// with its next line or when the job ends. What is held is capped at `maxLines` lines and
// `maxBufferedChars` characters: when a job logs more than that between two sends, the
// oldest held lines give way and one line says how many (the log keeps the newest lines,
// as its reader expects, and its line numbers stay contiguous).
import type { LogLimits } from "./limits.js";

/** Past the first `maxLines` lines, held lines are sent at most this often. */
export const FLUSH_INTERVAL_MS = 1000;

export class LogOutlet {
  private sent = 0;
  private held: string[] = [];
  private heldChars = 0;
  /** Index of the oldest held line still kept (dropping from the front without shifting). */
  private head = 0;
  private dropped = 0;
  private lastFlush = 0;

  constructor(
    private readonly limits: LogLimits,
    private readonly send: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new job starts: nothing held, the first lines go out at once again. */
  reset(): void {
    this.sent = 0;
    this.held = [];
    this.heldChars = 0;
    this.head = 0;
    this.dropped = 0;
    this.lastFlush = this.now();
  }

  write(line: string): void {
    const { maxLines, maxLineChars } = this.limits;
    const text = line.length > maxLineChars ? `${line.slice(0, maxLineChars)} [line cut]` : line;
    if (this.sent < maxLines) {
      this.sent += 1;
      this.send(text);
      return;
    }
    this.held.push(text);
    this.heldChars += text.length;
    while (
      this.held.length - this.head > maxLines ||
      (this.heldChars > this.limits.maxBufferedChars && this.held.length - this.head > 1)
    ) {
      this.heldChars -= (this.held[this.head] as string).length;
      this.head += 1;
      this.dropped += 1;
    }
    // Dropped lines leave holes at the front: compact once they are half the array.
    if (this.head > 1024 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    if (this.now() - this.lastFlush >= FLUSH_INTERVAL_MS) this.flush();
  }

  /** Sends every held line (and a note of the lines dropped before them). */
  flush(): void {
    this.lastFlush = this.now();
    if (this.dropped > 0) {
      this.send(
        `[${this.dropped} log line${this.dropped === 1 ? "" : "s"} dropped here: past its first ${this.limits.maxLines} lines a job's lines are sent at most ${this.limits.maxLines} a second]`,
      );
      this.dropped = 0;
    }
    for (let i = this.head; i < this.held.length; i++) this.send(this.held[i] as string);
    this.sent += this.held.length - this.head;
    this.held = [];
    this.heldChars = 0;
    this.head = 0;
  }
}

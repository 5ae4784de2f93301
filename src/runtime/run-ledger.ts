// The run ledger: every job id an instance starts, written down before the job runs, in a
// place Redis cannot erase (the state directory, see state-dir.ts). The claim key in Redis
// stops an id from running twice, but whoever can write to Redis can delete it; a starting
// instance reads the ledgers its predecessors (same namespace and runner id, same directory)
// left behind, and refuses an id started as often as its job may be.
//
// Built for millions of ids (5,000 jobs/s for the default hour is 18 million): files are
// written in segments that are deleted whole once every id in them has expired, never
// rewritten; they are read in chunks, never as one string (V8's strings stop near 512 MB);
// ids expire a minute's worth at a time, never by walking every id held, and are forgotten a
// slice at a time, so no call stalls the event loop for a whole minute's ids.
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { segment } from "./state-dir.js";

/** How long an instance appends to one segment file before it starts the next. */
const SEGMENT_MS = 10 * 60_000;
/** Ids expire in whole buckets of their `until`, this long each. */
const BUCKET_MS = 60_000;
/** How often expired buckets and segments are dropped (at a start, see record). */
const PRUNE_EVERY_MS = 60_000;
/** A line is a number, a space and an id of at most 128 characters. */
const MAX_LINE_CHARS = 256;
const [NEWLINE, SPACE, MINUS, ZERO] = [0x0a, 0x20, 0x2d, 0x30];
/** Bytes read from a ledger file at a time. */
const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * A file nobody has written to for this long is no instance's current segment any more (an
 * owner starts a new one every SEGMENT_MS), so another instance may delete it once expired.
 */
const IDLE_FILE_MS = 2 * SEGMENT_MS;
/**
 * Expired ids forgotten by one prune, and by each start after it while some are left: a
 * minute's ids at 5,000 jobs/s are 300,000 Map deletes (~0.5 µs each), too long a stall in
 * one go; a start forgetting a few keeps up with any rate, as each id is started once.
 */
const FORGET_PER_PRUNE = 20_000;
const FORGET_PER_START = 64;

/**
 * An id's runs and its until's bucket in one number (a Map of numbers costs far less than a
 * Map of objects): bucket * RUNS_SPAN + runs + RUNS_BIAS, the bucket counted from the one
 * the ledger opened in, so that the number stays a small integer V8 keeps in the Map itself
 * (up to 2^31, 22 days of buckets either way); a larger one is boxed, 16 bytes more an id.
 * Runs may go below zero while files are read (a write-off read before the start it
 * cancels), hence the bias.
 */
const RUNS_SPAN = 65_536;
const RUNS_BIAS = 32_768;

const pack = (bucket: number, runs: number) => bucket * RUNS_SPAN + runs + RUNS_BIAS;
const bucketOf = (value: number) => Math.floor(value / RUNS_SPAN);
const runsOf = (value: number) => value - bucketOf(value) * RUNS_SPAN - RUNS_BIAS;

/** A ledger file read or written here: deleted whole once `maxUntil` has passed. */
interface SegmentFile {
  path: string;
  maxUntil: number;
  /** Bytes of it read so far: another instance may have appended more since. */
  bytes: number;
}

/** Expired ids still to forget: `ids` from `next` on, those still in `bucket`. */
interface Expiring {
  bucket: number;
  ids: string[];
  next: number;
}

/**
 * Ids run by this instance and by its predecessors, each with how many times it was started
 * and until when that matters (created_at + max job age + clock skew: after that the
 * acceptance policy refuses the job as too old). An id is forgotten within a minute after
 * its until, never before. A job handed back unfinished on a stop (to run again elsewhere,
 * as the protocol says) is written off again.
 *
 * Files: `<instance>.<segment start ms>.log`, one line per event: `<until ms> <id>` for a
 * start, `-<until ms> <id>` for a start written off (`- <id>` from earlier versions, and
 * their `<instance>.log`, are still read). Files add up: two instances that each started an
 * id once started it twice.
 */
export class RunLedger {
  /** id -> pack(bucket, runs). */
  private readonly entries = new Map<string, number>();
  /** bucket -> the ids put in it (an id moved to a later bucket is skipped when it expires). */
  private readonly buckets = new Map<number, string[]>();
  /** Expired buckets not yet forgotten entirely (runs() already answers 0 for their ids). */
  private readonly expiring: Expiring[] = [];
  /** The bucket (minute) that packed values count from. */
  private base = 0;
  private readonly dir: string;
  private readonly instance: string;
  /** Files read at open and our own segments before the current one. */
  private readonly older: SegmentFile[] = [];
  private current: SegmentFile | undefined;
  private currentStart = 0;
  private fd: number | undefined;
  private lastPrune = 0;

  constructor(
    stateDir: string,
    namespace: string,
    runnerId: string,
    instance: string,
    private readonly readChunkBytes = READ_CHUNK_BYTES,
  ) {
    this.dir = join(stateDir, "runs", segment(namespace), segment(runnerId));
    this.instance = segment(instance);
  }

  /** Reads every ledger left in the directory, drops expired ones, opens our own segment. */
  open(now = Date.now()): { ids: number; files: number } {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.base = Math.floor(now / BUCKET_MS);
    let files = 0;
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith(".log")) continue;
      const file = { path: join(this.dir, name), maxUntil: 0, bytes: 0 };
      try {
        this.readFile(file, true);
      } catch {
        continue; // removed by a sibling meanwhile
      }
      files += 1;
      this.older.push(file);
    }
    // Whatever a write-off cancelled entirely, or what expired, goes now.
    for (const [id, value] of this.entries) {
      if (runsOf(value) <= 0 || this.bucketEnd(bucketOf(value)) <= now) this.entries.delete(id);
    }
    for (const [bucket, ids] of this.buckets) {
      if (this.bucketEnd(bucket) <= now) this.buckets.delete(bucket);
      else
        this.buckets.set(
          bucket,
          ids.filter((id) => this.entries.has(id)),
        );
    }
    this.dropExpiredFiles(now);
    this.startSegment(now);
    this.lastPrune = now;
    return { ids: this.entries.size, files };
  }

  /** How many times this id was started here or by a predecessor (0 once it expired). */
  runs(id: string, now = Date.now()): number {
    const value = this.entries.get(id);
    if (value === undefined || this.bucketEnd(bucketOf(value)) <= now) return 0;
    return runsOf(value);
  }

  /**
   * Writes a start down before its job runs: the write reaches the file (the kernel's page
   * cache) before this returns, so a runner killed at any point afterwards still knows it.
   */
  record(id: string, untilMs: number, now = Date.now()): void {
    if (now - this.lastPrune > PRUNE_EVERY_MS) this.prune(now);
    else if (this.expiring.length > 0) this.forget(FORGET_PER_START);
    const until = Math.ceil(untilMs);
    // Expired but not forgotten yet: its earlier starts no longer count.
    if (this.runs(id, now) <= 0) this.entries.delete(id);
    this.write(`${until} ${id}\n`, until, now);
    this.add(id, until, 1);
  }

  /** Writes off one start of the id: its job was handed back unfinished, to run again. */
  writeOff(id: string, now = Date.now()): void {
    const value = this.entries.get(id);
    if (value === undefined || runsOf(value) <= 0) return;
    // The line carries its id's until, so its segment outlives the start it cancels.
    const until = this.bucketEnd(bucketOf(value));
    this.write(`-${until} ${id}\n`, until, now);
    this.entries.set(id, value - 1);
  }

  /**
   * Forgets expired ids (up to FORGET_PER_PRUNE now, the rest a few at each start); deletes
   * segments whose every line has expired; starts a new segment when the current one is due.
   */
  prune(now = Date.now()): void {
    this.lastPrune = now;
    for (const [bucket, ids] of this.buckets) {
      if (this.bucketEnd(bucket) > now) continue;
      this.expiring.push({ bucket, ids, next: 0 });
      this.buckets.delete(bucket);
    }
    this.forget(FORGET_PER_PRUNE);
    this.rollIfDue(now);
    this.dropExpiredFiles(now);
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Deletes up to `limit` expired ids, oldest bucket first. */
  private forget(limit: number): void {
    let left = limit;
    while (left > 0) {
      const first = this.expiring[0];
      if (first === undefined) return;
      const end = Math.min(first.ids.length, first.next + left);
      for (let i = first.next; i < end; i++) {
        const id = first.ids[i] as string;
        const value = this.entries.get(id);
        // Moved to a later bucket by a later start: not expired.
        if (value !== undefined && bucketOf(value) === first.bucket) this.entries.delete(id);
      }
      left -= end - first.next;
      first.next = end;
      if (end === first.ids.length) this.expiring.shift();
    }
  }

  private rollIfDue(now: number): void {
    if (now - this.currentStart < SEGMENT_MS) return;
    if (this.current !== undefined) this.older.push(this.current);
    this.startSegment(now);
  }

  private write(line: string, until: number, now: number): void {
    if (this.current === undefined) throw new Error("run ledger used before open()");
    // Never into a segment past its time (a write-off after a long idle spell): another
    // instance deletes a file idle for IDLE_FILE_MS once expired, trusting it finished.
    this.rollIfDue(now);
    // Made at its first line: an idle instance leaves no empty files about.
    this.fd ??= openSync(this.current.path, "a", 0o600);
    this.current.bytes += writeSync(this.fd, line);
    if (until > this.current.maxUntil) this.current.maxUntil = until;
  }

  /** The first moment an id of the bucket may be forgotten (after every until in it). */
  private bucketEnd(bucket: number): number {
    return (this.base + bucket + 1) * BUCKET_MS;
  }

  /** Counts `runs` more starts of the id (negative: write-offs), until at least `until`. */
  private add(id: string, until: number, runs: number): void {
    const value = this.entries.get(id);
    const wanted = Math.floor(until / BUCKET_MS) - this.base;
    const bucket = value === undefined ? wanted : Math.max(bucketOf(value), wanted);
    this.entries.set(id, pack(bucket, (value === undefined ? 0 : runsOf(value)) + runs));
    if (value === undefined || bucket !== bucketOf(value)) {
      let ids = this.buckets.get(bucket);
      if (ids === undefined) {
        ids = [];
        this.buckets.set(bucket, ids);
      }
      ids.push(id);
    }
  }

  private startSegment(now: number): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.currentStart = now;
    this.current = { path: join(this.dir, `${this.instance}.${now}.log`), maxUntil: 0, bytes: 0 };
  }

  /**
   * Deletes the files whose every line has expired. Another instance's file only once it has
   * been idle for IDLE_FILE_MS (its owner writes to a segment only until SEGMENT_MS after
   * starting it, then starts the next, so a file idle that long is written to by nobody), and
   * only after reading what its owner appended since we read it, whose untils may be later.
   */
  private dropExpiredFiles(now: number): void {
    for (let i = this.older.length - 1; i >= 0; i--) {
      const file = this.older[i] as SegmentFile;
      if (file.maxUntil > now || file.path === this.current?.path) continue;
      try {
        if (!this.isOurs(file.path)) {
          const stat = statSync(file.path);
          if (now - stat.mtimeMs < IDLE_FILE_MS) continue;
          if (stat.size > file.bytes) this.readFile(file, false);
          if (file.maxUntil > now) continue;
        }
        unlinkSync(file.path);
      } catch {
        // gone already (a sibling deleted it)
      }
      this.older.splice(i, 1);
    }
  }

  private isOurs(path: string): boolean {
    const name = path.slice(this.dir.length + 1);
    return name.startsWith(`${this.instance}.`) && name !== `${this.instance}.log`;
  }

  /**
   * Reads a file's lines from `file.bytes` on, a chunk at a time, raising `file.maxUntil`
   * and, when `keep`, adding them to the entries. `file.bytes` ends after its last whole line.
   */
  private readFile(file: SegmentFile, keep: boolean): void {
    const fd = openSync(file.path, "r");
    try {
      // Room for a chunk behind the start of a line carried over from the one before.
      const buf = Buffer.allocUnsafe(this.readChunkBytes + MAX_LINE_CHARS);
      let carried = 0;
      let at = file.bytes;
      for (;;) {
        const n = readSync(fd, buf, carried, this.readChunkBytes, at);
        if (n === 0) break;
        at += n;
        const view = buf.subarray(0, carried + n);
        let start = 0;
        for (let newline = view.indexOf(NEWLINE); newline >= 0; ) {
          const until = this.readLine(view, start, newline, keep);
          if (until > file.maxUntil) file.maxUntil = until;
          start = newline + 1;
          newline = view.indexOf(NEWLINE, start);
        }
        file.bytes = at - (view.length - start);
        carried = view.length - start;
        // Longer than any line this ledger writes: not a ledger line, and not to be held.
        if (carried > MAX_LINE_CHARS) carried = 0;
        else view.copy(buf, 0, start);
      }
      // A last line without its newline was cut short by a crash mid-write: the start it
      // began to record never ran (the job runs only after the write returns).
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Adds one line (bytes `start` to `end`, its newline) to the entries; answers its until, or
   * 0 for a line that is not a ledger line. Read from the bytes: each id becomes a string of
   * its own, where a slice of the chunk's text would keep the whole chunk alive.
   */
  private readLine(buf: Buffer, start: number, end: number, keep: boolean): number {
    const space = buf.indexOf(SPACE, start);
    if (space <= start || space >= end - 1) return 0;
    const writtenOff = buf[start] === MINUS;
    // An earlier version's write-off (`- <id>`) carries no until: it counts for whatever
    // start it cancels.
    let until = 0;
    for (let i = writtenOff ? start + 1 : start; i < space; i++) {
      const digit = (buf[i] as number) - ZERO;
      if (digit < 0 || digit > 9) return 0;
      until = until * 10 + digit;
    }
    // Ids and numbers are ASCII (the id pattern), so latin1 decodes them exactly.
    if (keep) this.add(buf.toString("latin1", space + 1, end), until, writtenOff ? -1 : 1);
    return until;
  }
}

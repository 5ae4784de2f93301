// The run ledger on real files (src/runtime/run-ledger.ts): what a later instance reads back,
// how starts and write-offs add up across files and segments, when files go, and that a
// large ledger is appended to and deleted, never rewritten.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { RunLedger } from "../../src/runtime/index.js";

const MIN = 60_000;
// A day ahead, on a minute: the files written now are long idle by then, so an instance
// may delete another's expired file (it waits while the owner may still be writing to it).
const T0 = Math.ceil((Date.now() + 24 * 3600_000) / MIN) * MIN;
const dirs: string[] = [];

afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop() as string, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "horus-ledger-"));
  dirs.push(dir);
  return dir;
}

const ledgerDir = (dir: string) => join(dir, "runs", "ns", "r1");
const files = (dir: string) => readdirSync(ledgerDir(dir)).sort();

function opened(dir: string, instance: string, now = T0, chunk?: number): RunLedger {
  const ledger = new RunLedger(dir, "ns", "r1", instance, chunk);
  ledger.open(now);
  return ledger;
}

describe("what a later instance reads back", () => {
  test("the starts of an earlier instance, with their counts", () => {
    const dir = stateDir();
    const a = opened(dir, "a");
    a.record("job-1", T0 + 60 * MIN, T0);
    a.record("job-1", T0 + 60 * MIN, T0);
    a.record("job-2", T0 + 60 * MIN, T0);
    a.close();
    const b = new RunLedger(dir, "ns", "r1", "b");
    expect(b.open(T0 + MIN)).toEqual({ ids: 2, files: 1 });
    expect(b.runs("job-1", T0 + MIN)).toBe(2);
    expect(b.runs("job-2", T0 + MIN)).toBe(1);
    expect(b.runs("job-3", T0 + MIN)).toBe(0);
  });

  test("two instances' starts of one id add up", () => {
    const dir = stateDir();
    const a = opened(dir, "a");
    const b = opened(dir, "b");
    a.record("job-1", T0 + 60 * MIN, T0);
    b.record("job-1", T0 + 60 * MIN, T0);
    a.close();
    b.close();
    expect(opened(dir, "c").runs("job-1", T0)).toBe(2);
  });

  test("a write-off cancels one start, even from a later segment than the start", () => {
    const dir = stateDir();
    const a = opened(dir, "a");
    a.record("job-1", T0 + 60 * MIN, T0);
    a.record("job-2", T0 + 60 * MIN, T0);
    // Eleven minutes on: the instance has started its next segment.
    a.prune(T0 + 11 * MIN);
    a.writeOff("job-1", T0 + 11 * MIN);
    expect(a.runs("job-1", T0 + 11 * MIN)).toBe(0);
    a.close();
    expect(files(dir)).toHaveLength(2);
    const b = opened(dir, "b", T0 + 12 * MIN);
    expect(b.runs("job-1", T0 + 12 * MIN)).toBe(0);
    expect(b.runs("job-2", T0 + 12 * MIN)).toBe(1);
  });

  test("file order does not matter: a write-off read before its start still cancels it", () => {
    const dir = stateDir();
    const at = ledgerDir(dir);
    opened(dir, "x").close(); // makes the directory
    const until = T0 + 60 * MIN;
    // "a..." sorts before "z...": the write-off is read first here, last below.
    writeFileSync(join(at, "a.1.log"), `-${until} job-1\n`);
    writeFileSync(join(at, "z.1.log"), `${until} job-1\n${until} job-1\n`);
    writeFileSync(join(at, "b.1.log"), `${until} job-2\n`);
    writeFileSync(join(at, "y.1.log"), `-${until} job-2\n`);
    const ledger = opened(dir, "c");
    expect(ledger.runs("job-1", T0)).toBe(1);
    expect(ledger.runs("job-2", T0)).toBe(0);
  });

  test("an earlier version's file (<instance>.log, `- <id>` write-offs) is read", () => {
    const dir = stateDir();
    opened(dir, "x").close();
    const until = T0 + 60 * MIN;
    writeFileSync(
      join(ledgerDir(dir), "old-1.log"),
      `${until} job-1\n${until} job-1\n- job-1\n${until} job-2\n- job-2\n`,
    );
    const ledger = opened(dir, "c");
    expect(ledger.runs("job-1", T0)).toBe(1);
    expect(ledger.runs("job-2", T0)).toBe(0);
  });

  test("lines across read chunks, a cut last line and garbage are read as they should be", () => {
    const dir = stateDir();
    opened(dir, "x").close();
    const until = T0 + 60 * MIN;
    const lines = Array.from({ length: 50 }, (_, i) => `${until} job-${i}`).join("\n");
    writeFileSync(
      join(ledgerDir(dir), "w.1.log"),
      `${lines}\nnot a line\n\n${"z".repeat(5000)}\nnan job-x\n${until} job-cut`,
    );
    // 7 bytes at a time: every line spans chunks.
    const ledger = opened(dir, "c", T0, 7);
    for (let i = 0; i < 50; i++) expect(ledger.runs(`job-${i}`, T0)).toBe(1);
    expect(ledger.size).toBe(50);
    // The last line has no newline: its write never finished, so its job never ran.
    expect(ledger.runs("job-cut", T0)).toBe(0);
  });
});

describe("expiry", () => {
  test("an id counts until its until and is forgotten within a minute after", () => {
    const dir = stateDir();
    const ledger = opened(dir, "a");
    const until = T0 + 30 * MIN + 5_000;
    ledger.record("job-1", until, T0);
    expect(ledger.runs("job-1", until - 1)).toBe(1);
    expect(ledger.runs("job-1", until)).toBe(1);
    expect(ledger.runs("job-1", until + MIN)).toBe(0);
    ledger.prune(until + MIN);
    expect(ledger.size).toBe(0);
  });

  test("a start with a later until keeps an id past its first one", () => {
    const dir = stateDir();
    const ledger = opened(dir, "a");
    ledger.record("job-1", T0 + 10 * MIN, T0);
    ledger.record("job-1", T0 + 40 * MIN, T0);
    ledger.prune(T0 + 20 * MIN);
    expect(ledger.runs("job-1", T0 + 20 * MIN)).toBe(2);
    ledger.prune(T0 + 42 * MIN);
    expect(ledger.runs("job-1", T0 + 42 * MIN)).toBe(0);
  });

  test("a segment goes once all its lines expired, not while one is live", () => {
    const dir = stateDir();
    const ledger = opened(dir, "a");
    ledger.record("short", T0 + 5 * MIN, T0);
    ledger.record("long", T0 + 30 * MIN, T0);
    ledger.prune(T0 + 11 * MIN); // a second segment starts
    ledger.record("later", T0 + 40 * MIN, T0 + 11 * MIN);
    expect(files(dir)).toHaveLength(2);
    ledger.prune(T0 + 20 * MIN);
    expect(files(dir)).toHaveLength(2); // "long" keeps the first alive
    ledger.prune(T0 + 31 * MIN);
    // The first went; the third, started now, has no line yet and no file.
    expect(files(dir)).toEqual([`a.${T0 + 11 * MIN}.log`]);
    ledger.close();
    // A new instance finds "later" and nothing else.
    const next = opened(dir, "b", T0 + 32 * MIN);
    expect([next.runs("later", T0 + 32 * MIN), next.runs("long", T0 + 32 * MIN)]).toEqual([1, 0]);
  });

  test("a segment holding a write-off outlives the start it cancels", () => {
    const dir = stateDir();
    const ledger = opened(dir, "a");
    ledger.record("job-1", T0 + 30 * MIN, T0);
    ledger.prune(T0 + 11 * MIN);
    ledger.record("job-1", T0 + 30 * MIN, T0 + 11 * MIN);
    ledger.prune(T0 + 22 * MIN);
    ledger.writeOff("job-1", T0 + 22 * MIN); // in the third segment, its only line
    ledger.close();
    // It carries its id's until (rounded up to the minute), so its segment is kept as long
    // as the starts it cancels: dropped earlier, the start would count once too often.
    expect(readFileSync(join(ledgerDir(dir), `a.${T0 + 22 * MIN}.log`), "utf8")).toBe(
      `-${T0 + 31 * MIN} job-1\n`,
    );
    const next = opened(dir, "b", T0 + 25 * MIN);
    expect(next.runs("job-1", T0 + 25 * MIN)).toBe(1);
    next.close();
    // Past its until, the whole ledger goes: every file, the write-off's too.
    opened(dir, "c", T0 + 62 * MIN).close();
    expect(files(dir)).toEqual([]);
  });

  test("a write-off after a long idle spell starts a new segment, not the stale one", () => {
    const dir = stateDir();
    const ledger = opened(dir, "a");
    ledger.record("job-1", T0 + 60 * MIN, T0);
    // Another instance deletes an expired file idle for 20 minutes: nothing may be added to
    // one this old, whatever it is.
    ledger.writeOff("job-1", T0 + 30 * MIN);
    ledger.close();
    expect(files(dir)).toEqual([`a.${T0}.log`, `a.${T0 + 30 * MIN}.log`]);
    expect(readFileSync(join(ledgerDir(dir), `a.${T0 + 30 * MIN}.log`), "utf8")).toBe(
      `-${T0 + 61 * MIN} job-1\n`,
    );
  });

  test("another instance's file is read again before it goes: lines added since count", () => {
    const dir = stateDir();
    const a = opened(dir, "a");
    a.record("job-1", T0 + 30 * MIN, T0);
    const b = opened(dir, "b", T0 + MIN); // reads a's file as it is now
    a.record("job-2", T0 + 90 * MIN, T0 + 2 * MIN);
    a.close();
    // Past the until b read, but a added a later one: the file stays.
    b.prune(T0 + 31 * MIN);
    expect(files(dir)).toEqual([`a.${T0}.log`]);
    expect(opened(dir, "c", T0 + 32 * MIN).runs("job-2", T0 + 32 * MIN)).toBe(1);
    b.prune(T0 + 91 * MIN);
    expect(files(dir)).toEqual([]);
  });

  test("another instance's expired file is left while its owner may still write to it", () => {
    const dir = stateDir();
    const a = opened(dir, "a", Date.now());
    a.record("job-1", Date.now() + 1_000, Date.now());
    // Past job-1's until but with the file just written: another instance keeps it.
    const later = Date.now() + 2 * MIN;
    opened(dir, "b", later).close();
    expect(files(dir).some((f) => f.startsWith("a."))).toBe(true);
    a.close();
  });
});

describe("forgetting", () => {
  test("a start after its id expired counts from one, forgotten yet or not", () => {
    const dir = stateDir();
    const ledger = opened(dir, "a");
    ledger.record("job-1", T0 + 5 * MIN, T0);
    ledger.record("job-1", T0 + 5 * MIN, T0);
    ledger.prune(T0 + 5.5 * MIN); // not expired yet: kept
    // Expired (its minute is over) though no prune has run since.
    const now = T0 + 6 * MIN + 1_000;
    expect(ledger.runs("job-1", now)).toBe(0);
    ledger.record("job-1", T0 + 60 * MIN, now);
    expect(ledger.runs("job-1", now)).toBe(1);
  });

  test("a large expired minute is forgotten a slice at a time, answering 0 at once", () => {
    const dir = stateDir();
    const ledger = opened(dir, "a");
    for (let i = 0; i < 50_000; i++) ledger.record(`old-${i}`, T0 + 5 * MIN, T0);
    const now = T0 + 7 * MIN;
    ledger.prune(now);
    expect(ledger.size).toBeGreaterThan(0);
    expect(ledger.size).toBeLessThan(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(ledger.runs(`old-${i}`, now)).toBe(0);
    // Each start forgets a few more: the old ids are gone well before 50,000 starts.
    for (let i = 0; i < 1_000; i++) ledger.record(`new-${i}`, T0 + 60 * MIN, now);
    expect(ledger.size).toBe(1_000);
  });
});

describe("a large ledger", () => {
  test("is appended to and deleted whole, never rewritten", () => {
    const dir = stateDir();
    const ledger = opened(dir, "a");
    const seen = new Map<string, { ino: number; size: number }>();
    const look = () => {
      for (const name of files(dir)) {
        const s = statSync(join(ledgerDir(dir), name));
        const before = seen.get(name);
        if (before !== undefined) {
          expect(s.ino).toBe(before.ino);
          expect(s.size).toBeGreaterThanOrEqual(before.size);
        }
        seen.set(name, { ino: s.ino, size: s.size });
      }
    };
    // 300,000 starts over 50 simulated minutes, each kept 20 minutes.
    let n = 0;
    for (let minute = 0; minute < 50; minute++) {
      const now = T0 + minute * MIN;
      for (let i = 0; i < 6_000; i++) ledger.record(`job-${n++}`, now + 20 * MIN, now + i);
      look();
      // About 20 minutes' worth live at any time, never the whole history.
      expect(ledger.size).toBeLessThanOrEqual(22 * 6_000);
    }
    expect(ledger.size).toBeGreaterThanOrEqual(19 * 6_000);
    // Segments of ten minutes, each gone once its last id expired: four or five remain.
    expect(files(dir).length).toBeLessThanOrEqual(5);
    ledger.close();
    const next = opened(dir, "b", T0 + 50 * MIN);
    expect(next.runs(`job-${n - 1}`, T0 + 50 * MIN)).toBe(1);
    expect(next.runs("job-0", T0 + 50 * MIN)).toBe(0);
  });
});

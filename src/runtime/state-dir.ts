// A runner's state directory: what it must remember that Redis cannot be trusted to keep.
//
//   <dir>/runner-key                          the runner's result-signing key (0600), made once
//   <dir>/runs/<namespace>/<runner>/<instance>.log   ids this instance has run (the run ledger)
//   <dir>/pending/<namespace>/<runner>/<id>.json     job ends Redis refused, to write again
//
// The claim key in Redis is what stops a job id from running twice, but whoever can write to
// Redis can delete it. The run ledger is the second check, one Redis cannot erase: every id an
// instance starts is written here before the job runs, and a starting instance reads the
// ledgers its predecessors (same namespace and runner id, same directory) left behind.
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, publicKeyOf } from "../job/index.js";
import type { FinishCall } from "../protocol/index.js";
import { coerceError } from "../util/index.js";

/** `$XDG_STATE_HOME/horus`, else `~/.local/state/horus`: where `--state-dir` points by default. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "horus");
  return join(homedir(), ".local", "state", "horus");
}

/** A name usable as one path segment whatever it holds ("..", "/", a Cluster hash tag). */
function segment(name: string): string {
  if (name === "") return "_";
  return encodeURIComponent(name).replace(/\./g, "%2E");
}

/** Creates the directory (0700) or says in one line why it cannot be used. */
export function ensureStateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = join(dir, `.probe-${process.pid}`);
    writeFileSync(probe, "");
    unlinkSync(probe);
  } catch (e) {
    throw new Error(`state directory ${dir} cannot be used: ${coerceError(e).message}`);
  }
}

/**
 * The runner's result-signing key: `explicit` (hex) when given, else the key kept in the
 * state directory, made on first use. Two runners starting together in one directory agree
 * on one key: the file appears whole (written aside, then linked) or not at all.
 */
export function loadRunnerKey(dir: string, explicit?: string): string {
  if (explicit !== undefined && explicit.trim() !== "") {
    const key = explicit.trim().replace(/^0x/i, "");
    publicKeyOf(key); // throws a clear message on a bad key
    return key;
  }
  const path = join(dir, "runner-key");
  try {
    return readKeyFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, `${generateKeyPair().private_key}\n`, { mode: 0o600 });
  try {
    linkSync(aside, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(aside);
  }
  return readKeyFile(path);
}

function readKeyFile(path: string): string {
  const key = readFileSync(path, "utf8").trim();
  try {
    publicKeyOf(key);
  } catch (e) {
    throw new Error(`${path} does not hold a secp256k1 private key: ${coerceError(e).message}`);
  }
  return key;
}

/** How often the ledger forgets expired ids, and when its own file is rewritten. */
const PRUNE_EVERY_MS = 60_000;
const REWRITE_AFTER_EXPIRED_LINES = 10_000;

/** One id in the ledger: how often it was started here, and until when that matters. */
interface Entry {
  runs: number;
  until: number;
}

/**
 * Ids run by this instance and by its predecessors, each with how many times it was started
 * and until when it could still be accepted at all (created_at + max job age + clock skew):
 * after that the acceptance policy refuses the job as too old, and the ledger can forget it.
 * A job handed back unfinished on a stop (to run again elsewhere, as the protocol says) is
 * written off again. Memory and disk: about 120 bytes per id held, so rate x max age ids.
 *
 * File format, one line per event: `<until ms> <id>` for a start, `- <id>` for a start
 * written off.
 */
export class RunLedger {
  /** Insertion order is close to expiry order. */
  private readonly entries = new Map<string, Entry>();
  private readonly dir: string;
  private readonly ownFile: string;
  private fd: number | undefined;
  private ownLines = 0;
  private lastPrune = Date.now();

  constructor(stateDir: string, namespace: string, runnerId: string, instance: string) {
    this.dir = join(stateDir, "runs", segment(namespace), segment(runnerId));
    this.ownFile = join(this.dir, `${segment(instance)}.log`);
  }

  /** Reads every ledger left in the directory, drops expired ones, opens our own. */
  open(now = Date.now()): { ids: number; files: number } {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let files = 0;
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith(".log")) continue;
      const path = join(this.dir, name);
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch {
        continue; // removed by a sibling meanwhile
      }
      files += 1;
      // Each file counts its own starts and write-offs; files add up (two instances that
      // each started an id once started it twice).
      const own = parseLedger(text);
      let live = 0;
      for (const [id, entry] of own) {
        if (!(entry.until > now) || entry.runs <= 0) continue;
        live += 1;
        const known = this.entries.get(id);
        if (known === undefined) this.entries.set(id, entry);
        else {
          known.runs += entry.runs;
          known.until = Math.max(known.until, entry.until);
        }
      }
      // A ledger whose every id has expired protects nothing any more.
      if (live === 0 && path !== this.ownFile) {
        try {
          unlinkSync(path);
        } catch {
          // a sibling removed it first
        }
      }
    }
    this.fd = openSync(this.ownFile, "a", 0o600);
    return { ids: this.entries.size, files };
  }

  /** How many times this id was started here or by a predecessor (0 once it expired). */
  runs(id: string, now = Date.now()): number {
    const entry = this.entries.get(id);
    return entry !== undefined && entry.until > now ? entry.runs : 0;
  }

  /**
   * Writes a start down before its job runs: the write reaches the file (the kernel's page
   * cache) before this returns, so a runner killed at any point afterwards still knows it.
   */
  record(id: string, untilMs: number, now = Date.now()): void {
    this.write(`${Math.ceil(untilMs)} ${id}\n`);
    const entry = this.entries.get(id);
    if (entry === undefined) this.entries.set(id, { runs: 1, until: untilMs });
    else {
      entry.runs += 1;
      entry.until = Math.max(entry.until, untilMs);
    }
    if (now - this.lastPrune > PRUNE_EVERY_MS) this.prune(now);
  }

  /** Writes off one start of the id: its job was handed back unfinished, to run again. */
  writeOff(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.runs <= 0) return;
    this.write(`- ${id}\n`);
    entry.runs -= 1;
  }

  private write(line: string): void {
    if (this.fd === undefined) throw new Error("run ledger used before open()");
    writeSync(this.fd, line);
    this.ownLines += 1;
  }

  /** Forgets expired ids; rewrites our own file once it holds many dead lines. */
  prune(now = Date.now()): void {
    this.lastPrune = now;
    for (const [id, entry] of this.entries) {
      if (entry.until <= now || entry.runs <= 0) this.entries.delete(id);
    }
    if (this.ownLines - this.entries.size < REWRITE_AFTER_EXPIRED_LINES) return;
    // Rewritten aside and renamed over: a crash leaves the old file or the new one, whole.
    // Predecessors' ids still live go into ours (each file adds up, so theirs go once it is
    // done): their files are then deleted by the next instance that finds them expired.
    const aside = `${this.ownFile}.tmp`;
    let text = "";
    let lines = 0;
    for (const [id, entry] of this.entries) {
      for (let i = 0; i < entry.runs; i++) text += `${entry.until} ${id}\n`;
      lines += entry.runs;
    }
    writeFileSync(aside, text, { mode: 0o600 });
    renameSync(aside, this.ownFile);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.ownFile, "a", 0o600);
    this.ownLines = lines;
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** One ledger file's lines as counts per id. Lines it cannot read are skipped. */
function parseLedger(text: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space <= 0) continue;
    const head = line.slice(0, space);
    const id = line.slice(space + 1);
    if (id === "") continue;
    const entry = out.get(id);
    if (head === "-") {
      if (entry !== undefined) entry.runs -= 1;
      continue;
    }
    const until = Number(head);
    if (!Number.isFinite(until)) continue;
    if (entry === undefined) out.set(id, { runs: 1, until });
    else {
      entry.runs += 1;
      entry.until = Math.max(entry.until, until);
    }
  }
  return out;
}

/**
 * Job ends that Redis refused (out of memory, unreachable): the job has run and its outcome
 * is decided, so what is retried is the write, never the job. Kept here so that a runner
 * stopped (or killed) before the write went through leaves it to the next one: the same
 * FINISH call, which Redis recognises if it did go through after all.
 */
export class PendingEnds {
  private readonly dir: string;

  constructor(stateDir: string, namespace: string, runnerId: string) {
    this.dir = join(stateDir, "pending", segment(namespace), segment(runnerId));
  }

  private pathOf(id: string): string {
    return join(this.dir, `${segment(id)}.json`);
  }

  save(call: FinishCall): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.pathOf(call.id);
    writeFileSync(`${path}.tmp`, JSON.stringify(call), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  remove(id: string): void {
    try {
      unlinkSync(this.pathOf(id));
    } catch {
      // never saved, or removed already
    }
  }

  /** Every end left to write; a file that cannot be read is set aside with a warning. */
  load(onBad: (file: string, why: string) => void): FinishCall[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: FinishCall[] = [];
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const path = join(this.dir, name);
      try {
        const call = JSON.parse(readFileSync(path, "utf8")) as FinishCall;
        if (typeof call.id !== "string" || !Array.isArray(call.keys) || !Array.isArray(call.args))
          throw new Error("not a job end");
        // Saved before FINISH took the batch proof (its 17th argument): none, signed alone.
        if (call.args.length === 16) call.args.push("");
        out.push(call);
      } catch (e) {
        onBad(path, coerceError(e).message);
        try {
          renameSync(path, `${path}.bad`);
        } catch {
          // leave it
        }
      }
    }
    return out;
  }
}

// A runner's state directory: what it must remember that Redis cannot be trusted to keep.
//
//   <dir>/runner-key                          the runner's result-signing key (0600), made once
//   <dir>/runs/<namespace>/<runner>/<instance>.<ms>.log   ids this instance has run (the run
//                                                          ledger, in segments: run-ledger.ts)
//   <dir>/pending/<namespace>/<runner>/<id>.json     job ends Redis refused, to write again
//
// The run ledger (run-ledger.ts) is the second check against running a job id twice, the one
// Redis cannot erase.
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
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
export function segment(name: string): string {
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

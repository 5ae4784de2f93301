// Starting a program for a job, under one set of rules whoever asks (a SAL command, ssh, a
// download's tar, heroscript's `process.run`, a `hero` binary):
// - its environment is the job's env vars plus the runner's PATH and HOME when the job
//   sets none (without PATH no program is found, without HOME tools lose their
//   settings), and nothing else of the runner's own: its secrets never reach a job;
// - it runs in its own process group, and the whole group is SIGKILLed on the command's
//   timeout or when the job's signal aborts (a timeout, a cancel, the job's end), so
//   grandchildren die too; SIGKILL at once, because a child that traps SIGTERM must not
//   outlive its deadline. A group the child left behind (`cmd &`) dies when the job ends;
// - its output is kept within a cap and split into lines in linear time (capture.ts).
import { spawn } from "node:child_process";
import { LineSplitter, outputCutNote, TailBuffer } from "./capture.js";

export interface ChildOptions {
  readonly file: string;
  readonly args: readonly string[];
  /** The complete environment of the child (see `childEnvironment`). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /**
   * The job's signal: aborting it kills the process group, and so does its abort after the
   * child exited while processes it started are still in the group.
   */
  readonly signal?: AbortSignal;
  /** Kills the process group after this many milliseconds. */
  readonly timeoutMs?: number;
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
}

export interface ChildOutcome {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /**
   * What the child wrote, at most MAX_CAPTURE_CHARS of each stream: the last ones, after a
   * note saying the start was cut (the line callbacks still saw every line).
   */
  readonly stdout: string;
  readonly stderr: string;
  /** Why we killed it, if we did. */
  readonly killed?: "aborted" | "timeout";
}

/** A program that could not be started; `cause` is the system's error (its `code`: ENOENT...). */
export class ChildStartError extends Error {
  override readonly name = "ChildStartError";
  constructor(
    readonly file: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(`cannot start '${file}': ${cause.message}`, { cause });
  }
}

/** How long to wait for output pipes to close after the child exited (a background grandchild may hold them). */
const PIPE_GRACE_MS = 200;

/** The runner's variables a child gets when the job does not set them: documented, no secrets. */
const INHERITED = ["PATH", "HOME"] as const;

/**
 * The environment of a job's child: the runner's PATH and HOME, then the job's variables
 * (which win), then `extra` (a command's own). Nothing else of the runner's.
 */
export function childEnvironment(
  vars: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...vars, ...extra };
}

/** Signals a whole process group; a group that is already gone is not an error. */
export function killGroup(pgid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: every process of the group has exited already.
  }
}

/** Whether any process is still in the group. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Groups whose leader exited with processes left in them, killed when their signal aborts. */
const leftBehind = new WeakMap<AbortSignal, Set<number>>();

/** The process groups still waiting for `signal` to abort (children's children left running). */
export function groupsLeftBehind(signal: AbortSignal): ReadonlySet<number> {
  return leftBehind.get(signal) ?? new Set();
}

function keepUntilAbort(signal: AbortSignal, pgid: number): void {
  let groups = leftBehind.get(signal);
  if (groups === undefined) {
    const created = new Set<number>();
    groups = created;
    leftBehind.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        for (const group of created) killGroup(group);
        created.clear();
      },
      { once: true },
    );
  }
  groups.add(pgid);
}

/**
 * Runs a program to its end. Resolves with how it ended, killed ones included; rejects only
 * when it cannot start (`ChildStartError`). A signal aborted before the start starts nothing.
 */
export function runChild(options: ChildOptions): Promise<ChildOutcome> {
  return new Promise((resolvePromise, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      resolvePromise({ code: null, signal: null, stdout: "", stderr: "", killed: "aborted" });
      return;
    }
    const child = spawn(options.file, options.args, {
      env: options.env,
      cwd: options.cwd,
      detached: true, // its own process group, so one kill reaches its children too
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout = new TailBuffer();
    const stderr = new TailBuffer();
    let killed: "aborted" | "timeout" | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    const outLines = new LineSplitter((l) => options.onStdoutLine?.(l));
    const errLines = new LineSplitter((l) => options.onStderrLine?.(l));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout.push(chunk);
      outLines.push(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr.push(chunk);
      errLines.push(chunk);
    });

    const kill = (why: "aborted" | "timeout"): void => {
      killed ??= why;
      if (child.pid !== undefined) killGroup(child.pid);
    };
    const onAbort = (): void => kill("aborted");
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => kill("timeout"), options.timeoutMs);

    const stopWatching = (): void => {
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const finish = (): void => {
      if (settled || exit === undefined) return;
      stopWatching();
      // Background processes of the child may still run in its group: they die with the
      // job. A group nobody is left in is forgotten, so its id (which the system may hand
      // out again) is never signalled.
      if (signal && child.pid !== undefined && groupAlive(child.pid)) {
        keepUntilAbort(signal, child.pid);
      }
      outLines.flush();
      errLines.flush();
      child.stdout.destroy();
      child.stderr.destroy();
      resolvePromise({
        ...exit,
        stdout: keptText(stdout),
        stderr: keptText(stderr),
        ...(killed ? { killed } : {}),
      });
    };
    child.once("error", (e: NodeJS.ErrnoException) => {
      if (settled) return;
      stopWatching();
      reject(new ChildStartError(options.file, e));
    });
    child.once("exit", (code, exitSignal) => {
      exit = { code, signal: exitSignal };
      // Wait for the pipes, but not for a background grandchild that keeps them open.
      setTimeout(finish, PIPE_GRACE_MS).unref();
    });
    child.once("close", () => finish());
  });
}

/** A stream's kept text, with a first line saying so when its start was dropped. */
function keptText(buffer: TailBuffer): string {
  const text = buffer.text();
  return buffer.cut ? `${outputCutNote(buffer.cap)}\n${text}` : text;
}

/** A one-line account of how a process ended, for error messages. */
export function describeExit(outcome: ChildOutcome, timeoutMs?: number): string {
  if (outcome.killed === "timeout") return `killed after its timeout of ${timeoutMs} ms`;
  if (outcome.killed === "aborted") return "killed: the run was stopped";
  if (outcome.signal !== null) return `ended by signal ${outcome.signal}`;
  return `exited with code ${outcome.code}`;
}

// Runs a program in its own process group and kills the whole group when the run is
// aborted, so a script that started children of its own leaves nothing behind.
import { spawn } from "node:child_process";
import { LineSplitter, outputCutNote, TailBuffer } from "./capture.js";

export interface RunProcessOptions {
  readonly file: string;
  readonly args: readonly string[];
  /** The complete environment of the child (see `childEnvironment`). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Aborting kills the process group. */
  readonly signal?: AbortSignal;
  /** Kills the process group after this many milliseconds. */
  readonly timeoutMs?: number;
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
}

export interface ProcessOutcome {
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

/** How long to wait for output pipes to close after the child exited (a background grandchild may hold them). */
const PIPE_GRACE_MS = 200;

/**
 * The environment a child gets: the given variables, plus the runner's PATH when they do not
 * set one (without it no program could be found), and nothing else of the runner's own.
 */
export function childEnvironment(vars: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = { ...vars };
  if (env.PATH === undefined && process.env.PATH !== undefined) env.PATH = process.env.PATH;
  return env;
}

export function runProcess(options: RunProcessOptions): Promise<ProcessOutcome> {
  return new Promise((resolvePromise, reject) => {
    if (options.signal?.aborted) {
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

    const killGroup = (why: "aborted" | "timeout"): void => {
      killed ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };
    const onAbort = (): void => killGroup("aborted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => killGroup("timeout"), options.timeoutMs);

    const finish = (): void => {
      if (settled || exit === undefined) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
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
    child.once("error", (e) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(new Error(`cannot start '${options.file}': ${e.message}`, { cause: e }));
    });
    child.once("exit", (code, signal) => {
      exit = { code, signal };
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
export function describeExit(outcome: ProcessOutcome, timeoutMs?: number): string {
  if (outcome.killed === "timeout") return `killed after its timeout of ${timeoutMs} ms`;
  if (outcome.killed === "aborted") return "killed: the run was stopped";
  if (outcome.signal !== null) return `ended by signal ${outcome.signal}`;
  return `exited with code ${outcome.code}`;
}

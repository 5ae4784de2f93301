// Starting a child process for a job: in its own process group (so the whole tree can be
// signalled), with the job's environment rather than the runner's, killed when the job ends
// or when its own timeout passes, its output captured (capped) and optionally streamed to
// the job's log line by line.

import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { constants } from "node:os";
import type { MainSideContext } from "../../host/index.js";
import { jobState, killGroup } from "../job-state.js";

/** Output kept per stream; beyond it the start is dropped and the cut is marked. */
const MAX_CAPTURE = 16 * 1024 * 1024;
/** After a timeout's SIGTERM, how long the group gets before SIGKILL. */
const KILL_GRACE_MS = 2000;
/** After the child exits, how long to wait for grandchildren to release its pipes. */
const PIPE_GRACE_MS = 200;

export interface SpawnRequest {
  /** Program to run; with `shell`, a command line for the shell. */
  readonly command: string;
  readonly args?: readonly string[];
  readonly shell?: boolean;
  readonly cwd: string;
  /** Added on top of the job's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Seconds; the process group is killed when it passes. */
  readonly timeout?: number;
  /** Receives each complete output line as it arrives (for streaming to the log). */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

export interface SpawnResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; a process killed by a signal reports 128 + the signal's number, as shells do. */
  readonly code: number;
  readonly timedOut: boolean;
}

function shellPath(): string {
  return existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh";
}

/**
 * The environment a job's child gets: the job's env_vars plus PATH and HOME (from the job
 * when it sets them, else from the runner) and the request's extra variables. Nothing else
 * of the runner's own environment leaks into it.
 */
export function childEnv(
  ctx: MainSideContext,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME"]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...ctx.job.envVars, ...extra };
}

/** Keeps the last MAX_CAPTURE characters of a stream and splits it into lines on the way. */
class Capture {
  private text = "";
  private dropped = false;
  private partial = "";
  constructor(
    private readonly stream: "stdout" | "stderr",
    private readonly onLine?: SpawnRequest["onLine"],
  ) {}

  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > MAX_CAPTURE) {
      this.text = this.text.slice(this.text.length - MAX_CAPTURE);
      this.dropped = true;
    }
    if (!this.onLine) return;
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.onLine(line, this.stream);
  }

  finish(): string {
    if (this.onLine && this.partial !== "") this.onLine(this.partial, this.stream);
    this.partial = "";
    return this.dropped
      ? `[output cut to its last ${MAX_CAPTURE} characters]\n${this.text}`
      : this.text;
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

/**
 * Runs a process to completion for the job of `ctx`. Rejects when it cannot start (with a
 * message naming what is missing) or when the job ends first (its group is then killed);
 * a non-zero exit or a timeout is a normal result, for the caller to judge.
 */
export function runProcess(ctx: MainSideContext, req: SpawnRequest): Promise<SpawnResult> {
  ctx.signal.throwIfAborted();
  if (!existsSync(req.cwd) || !statSync(req.cwd).isDirectory()) {
    return Promise.reject(new Error(`working directory does not exist: ${req.cwd}`));
  }
  const state = jobState(ctx);
  const file = req.shell ? shellPath() : req.command;
  const args = req.shell ? ["-c", req.command] : [...(req.args ?? [])];

  return new Promise<SpawnResult>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: req.cwd,
      env: childEnv(ctx, req.env),
      detached: true, // its own process group: signal -pid reaches the whole tree
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = new Capture("stdout", req.onLine);
    const err = new Capture("stderr", req.onLine);
    child.stdout.setEncoding("utf8").on("data", (c: string) => out.push(c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => err.push(c));

    let timedOut = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const pgid = child.pid;
    if (pgid !== undefined) state.processGroups.add(pgid);

    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      ctx.signal.removeEventListener("abort", onJobEnd);
    };
    const onJobEnd = () => {
      if (pgid !== undefined) killGroup(pgid, "SIGKILL");
      if (settled) return;
      cleanup();
      reject(new Error("the job ended while the command was running; it was killed"));
    };
    ctx.signal.addEventListener("abort", onJobEnd, { once: true });

    if (req.timeout !== undefined && pgid !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroup(pgid, "SIGTERM");
        killTimer = setTimeout(() => killGroup(pgid, "SIGKILL"), KILL_GRACE_MS);
        killTimer.unref();
      }, req.timeout * 1000);
      timer.unref();
    }

    child.once("error", (e: NodeJS.ErrnoException) => {
      if (settled) return;
      cleanup();
      if (pgid !== undefined) state.processGroups.delete(pgid);
      reject(e.code === "ENOENT" ? new Error(`command not found: ${file}`) : e);
    });

    child.once("exit", (code, signal) => {
      // Background children of the command may keep its pipes open: wait for them briefly,
      // then stop reading; the group itself is still killed when the job ends.
      const finish = () => {
        if (settled) return;
        cleanup();
        // Forget a group nobody is left in, so its id (which the system may hand out again)
        // is not signalled when the job ends; one with background children stays listed.
        if (pgid !== undefined && !groupAlive(pgid)) state.processGroups.delete(pgid);
        child.stdout.destroy();
        child.stderr.destroy();
        let exitCode = code ?? -1;
        if (code === null && signal) exitCode = 128 + (constants.signals[signal] ?? 0);
        resolve({ stdout: out.finish(), stderr: err.finish(), code: exitCode, timedOut });
      };
      const grace = setTimeout(finish, PIPE_GRACE_MS);
      child.once("close", () => {
        clearTimeout(grace);
        finish();
      });
    });
  });
}

// Starting a child process for a job: the host kit's `runChild` (own process group, the
// job's environment rather than the runner's, killed with the job or at its own timeout,
// output capped), in the job's working directory, with a result scripts read.

import { existsSync, statSync } from "node:fs";
import { constants } from "node:os";
import {
  ChildStartError,
  childEnvironment,
  type MainSideContext,
  runChild,
} from "../../host/index.js";

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

/** The environment a job's child gets (the kit's rule), with a command's extra variables. */
export function childEnv(
  ctx: MainSideContext,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return childEnvironment(ctx.job.envVars, extra);
}

/**
 * Runs a process to completion for the job of `ctx`. Rejects when it cannot start (with a
 * message naming what is missing) or when the job ends first (its group is then killed);
 * a non-zero exit or a timeout is a normal result, for the caller to judge.
 */
export async function runProcess(ctx: MainSideContext, req: SpawnRequest): Promise<SpawnResult> {
  ctx.signal.throwIfAborted();
  if (!existsSync(req.cwd) || !statSync(req.cwd).isDirectory()) {
    throw new Error(`working directory does not exist: ${req.cwd}`);
  }
  const file = req.shell ? shellPath() : req.command;
  const args = req.shell ? ["-c", req.command] : [...(req.args ?? [])];
  const { onLine } = req;
  let outcome: Awaited<ReturnType<typeof runChild>>;
  try {
    outcome = await runChild({
      file,
      args,
      env: childEnv(ctx, req.env),
      cwd: req.cwd,
      signal: ctx.signal,
      ...(req.timeout !== undefined ? { timeoutMs: req.timeout * 1000 } : {}),
      ...(onLine
        ? {
            onStdoutLine: (line: string) => onLine(line, "stdout"),
            onStderrLine: (line: string) => onLine(line, "stderr"),
          }
        : {}),
    });
  } catch (e) {
    if (e instanceof ChildStartError && e.cause.code === "ENOENT") {
      throw new Error(`command not found: ${file}`);
    }
    throw e;
  }
  if (outcome.killed === "aborted") {
    throw new Error("the job ended while the command was running; it was killed");
  }
  let code = outcome.code ?? -1;
  if (outcome.code === null && outcome.signal) {
    code = 128 + (constants.signals[outcome.signal] ?? 0);
  }
  return {
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    code,
    timedOut: outcome.killed === "timeout",
  };
}

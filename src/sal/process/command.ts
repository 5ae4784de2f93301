// Running a shell command for a script and shaping its result: the options every entry
// point shares (run_command, run_silent, run_with_options and the `run(cmd)` builder).

import {
  argSeconds,
  checkKeys,
  describe,
  hostError,
  type MainSideContext,
  optBool,
  reason,
  rhaiMap,
} from "../../host/index.js";
import type { RhaiMap, Value } from "../../rhai/index.js";
import { jobState, resolvePath } from "../job-state.js";
import { runProcess } from "./spawn.js";

export interface CommandOptions {
  /** Do not copy the command's output into the job's log. */
  silent: boolean;
  /** A failing command (non-zero exit, timeout) is an error; otherwise it is a result. */
  die: boolean;
  /** Write the command line to the job's log before running it. */
  log: boolean;
  cwd?: string;
  env: Record<string, string>;
  /** Seconds. */
  timeout?: number;
}

export const OPTION_KEYS = [
  "silent",
  "die",
  "ignore_error",
  "log",
  "cwd",
  "env",
  "timeout",
] as const;

export function defaultOptions(): CommandOptions {
  return { silent: false, die: true, log: false, env: {} };
}

/** Reads a script's options map (see OPTION_KEYS) over the defaults; a bad entry is an error. */
export function parseOptions(fn: string, map: RhaiMap): CommandOptions {
  checkKeys(fn, map, OPTION_KEYS);
  const opts = defaultOptions();
  opts.silent = optBool(fn, map, "silent", opts.silent);
  opts.die = optBool(fn, map, "die", opts.die);
  if (optBool(fn, map, "ignore_error", false)) opts.die = false;
  opts.log = optBool(fn, map, "log", opts.log);
  const cwd = map.get("cwd");
  if (cwd !== undefined) {
    if (typeof cwd !== "string" || cwd === "") {
      throw hostError(fn, `option "cwd" must be a non-empty string, got ${describe(cwd)}`);
    }
    opts.cwd = cwd;
  }
  const env = map.get("env");
  if (env !== undefined) {
    if (!(env instanceof Map))
      throw hostError(fn, `option "env" must be a map, got ${describe(env)}`);
    opts.env = envFromMap(fn, env);
  }
  if (map.has("timeout"))
    opts.timeout = argSeconds(fn, [map.get("timeout")], 0, 'option "timeout"');
  return opts;
}

/** Environment variables from a map: names as given, values as strings (numbers allowed). */
export function envFromMap(fn: string, env: RhaiMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw hostError(fn, `not a valid environment variable name: ${JSON.stringify(key)}`);
    }
    if (typeof value === "string") out[key] = value;
    else if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
      out[key] = String(value);
    } else
      throw hostError(fn, `environment variable ${key} must be a string, got ${describe(value)}`);
  }
  return out;
}

/** The last lines of a command's error output, for an error message. */
function tail(text: string, lines = 10): string {
  const all = text.trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}

/** Runs `command` through the shell for the job and returns the result map scripts read. */
export async function runShellCommand(
  ctx: MainSideContext,
  fn: string,
  command: string,
  opts: CommandOptions,
): Promise<RhaiMap> {
  if (command.trim() === "") throw hostError(fn, "the command is empty");
  const cwd = opts.cwd !== undefined ? resolvePath(ctx, opts.cwd) : jobState(ctx).cwd;
  if (opts.log) ctx.log(`$ ${command}`);
  let result: Awaited<ReturnType<typeof runProcess>>;
  try {
    result = await runProcess(ctx, {
      command,
      shell: true,
      cwd,
      env: opts.env,
      ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
      ...(opts.silent ? {} : { onLine: (line: string) => ctx.log(line) }),
    });
  } catch (e) {
    throw hostError(fn, reason(e));
  }
  let stderr = result.stderr;
  if (result.timedOut) {
    const note = `timed out after ${opts.timeout}s and was killed`;
    if (opts.die) throw hostError(fn, `command ${note}: ${command}`);
    stderr += `${stderr === "" || stderr.endsWith("\n") ? "" : "\n"}[${note}]\n`;
  }
  const success = result.code === 0 && !result.timedOut;
  if (!success && opts.die) {
    const detail = tail(stderr) || tail(result.stdout);
    throw hostError(
      fn,
      `command failed with exit code ${result.code}: ${command}${detail ? `\n${detail}` : ""}`,
    );
  }
  return commandResult(result.stdout, stderr, success, result.code);
}

export function commandResult(
  stdout: string,
  stderr: string,
  success: boolean,
  code: number,
): RhaiMap {
  return rhaiMap({ stdout, stderr, success, code } satisfies Record<string, Value>);
}

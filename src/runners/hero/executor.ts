// The hero executor: runs a job's heroscript payload with our playbook engine (built-in
// actions plus the SAL actions), or hands it to a `hero` binary (`hero run -s <payload>`)
// when one is configured.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import {
  type ActionRegistry,
  builtinActions,
  PlayAbortedError,
  PlaybookEngine,
} from "../../heroscript/index.js";
import { childEnvironment, describeExit, type HostSession, runChild } from "../../host/index.js";
import { JobFailure } from "../../job/index.js";
import type { ExecutionContext, Executor } from "../../runtime/index.js";
import type { SalOptions } from "../../sal/index.js";
import { coerceError } from "../../util/index.js";
import { salActions } from "./sal-actions.js";
import { SalHost } from "./sal-host.js";

export interface HeroExecutorOptions {
  /** A `hero` binary to delegate to; without it the built-in playbook engine runs the script. */
  heroBin?: string;
  /** Where relative paths in scripts resolve (default: the runner's working folder). */
  baseDir?: string;
  /**
   * What the SAL actions (`redis.*`, `postgres.*`, `net.*`) connect to when a job's env names
   * nothing: the data Redis and the database. Without it they use the SAL's own defaults.
   */
  sal?: SalOptions;
}

/** How many lines of the binary's stderr a failure message quotes. */
const STDERR_TAIL_LINES = 10;

/**
 * The variables a script sees: the job's env vars plus who and what the job is, the same
 * names the Rhai runners give their scripts.
 */
export function jobEnvironment(ctx: ExecutionContext): Record<string, string> {
  return {
    ...ctx.envVars,
    JOB_ID: ctx.job.id,
    CALLER_ID: ctx.job.caller_id,
    CONTEXT_ID: ctx.job.context_id,
    SIGNATORIES: ctx.signatories.join(","),
    ATTEMPT: String(ctx.attempt),
  };
}

export function createHeroExecutor(options: HeroExecutorOptions = {}): Executor {
  const { heroBin } = options;
  if (heroBin !== undefined) {
    return {
      kind: "hero",
      // Refuse to start rather than fail every job later.
      start: () => checkExecutable(heroBin),
      execute: (ctx) => runWithHeroBin(heroBin, ctx),
    };
  }
  const sal = new SalHost(options.sal);
  return {
    kind: "hero",
    execute: (ctx) => runWithEngine(sal, ctx, options.baseDir),
    // The SAL's connections (Redis clients, PostgreSQL pools) outlive jobs: close them last.
    close: () => sal.close(),
  };
}

/** Every action a play of this job may use: the built-in ones and the SAL's, bound to `play`. */
export function playRegistry(play: HostSession): ActionRegistry {
  return builtinActions().register(
    ...salActions((module, fn, p, args) => play.call(module, fn, Object.fromEntries(p.env), args)),
  );
}

async function runWithEngine(
  sal: SalHost,
  ctx: ExecutionContext,
  baseDir: string | undefined,
): Promise<string> {
  const play = sal.beginPlay(
    {
      jobId: ctx.job.id,
      callerId: ctx.job.caller_id,
      contextId: ctx.job.context_id,
      signatories: ctx.signatories,
    },
    ctx.signal,
    (line) => ctx.log(line),
    ctx.traceHostCall,
  );
  try {
    const result = await new PlaybookEngine(playRegistry(play)).run(ctx.job.payload, {
      env: jobEnvironment(ctx),
      signal: ctx.signal,
      print: (line) => ctx.log(line),
      log: (line) => ctx.log(line),
      ...(baseDir === undefined ? {} : { baseDir }),
      // A traced job: each action is a span, and each SAL call one inside it.
      ...(ctx.traceHostCall === undefined ? {} : { traceAction: ctx.traceHostCall }),
    });
    return result.output;
  } catch (e) {
    if (e instanceof PlayAbortedError || ctx.signal.aborted) throw abortFailure(ctx.signal);
    // Syntax and action errors already say where: "line 4: !!file.write: ...".
    throw new JobFailure("script", coerceError(e).message, { cause: e });
  } finally {
    await play.end(ctx.signal.aborted ? ctx.signal.reason : "job ended");
  }
}

async function runWithHeroBin(heroBin: string, ctx: ExecutionContext): Promise<string> {
  const outcome = await runChild({
    file: heroBin,
    args: ["run", "-s", ctx.job.payload],
    env: childEnvironment(jobEnvironment(ctx)),
    signal: ctx.signal,
    onStdoutLine: (line) => ctx.log(line),
    onStderrLine: (line) => ctx.log(`stderr: ${line}`),
  }).catch((e: unknown) => {
    throw new JobFailure("internal", coerceError(e).message, { cause: e });
  });
  if (outcome.killed === "aborted") throw abortFailure(ctx.signal);
  if (outcome.code !== 0) {
    const tail = outcome.stderr.trimEnd().split("\n").slice(-STDERR_TAIL_LINES).join("\n");
    throw new JobFailure(
      "script",
      `${heroBin} ${describeExit(outcome)}${tail === "" ? "" : `: ${tail}`}`,
    );
  }
  return outcome.stdout.replace(/\n+$/, "");
}

async function checkExecutable(path: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch (e) {
    throw new Error(`hero binary ${path} is not an executable file: ${coerceError(e).message}`, {
      cause: e,
    });
  }
}

/** The error for a run stopped by its signal; the runner knows (and records) the reason. */
function abortFailure(signal: AbortSignal): JobFailure {
  const reason = signal.reason;
  const kind = reason === "timeout" ? "timeout" : "cancelled";
  return new JobFailure(kind, `stopped (${String(reason)})`);
}

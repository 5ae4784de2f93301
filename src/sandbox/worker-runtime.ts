// What a sandbox worker does, apart from the engine itself: load the host modules once,
// register their functions, then run jobs one at a time as the pool sends them.
//
// The engine is behind a small interface so the pool and bridge can be exercised by a
// stand-in (tests) and the real entry (`worker.ts`) only adds the Rhai glue.

import { parentPort, workerData } from "node:worker_threads";
import type { HostJobInfo, HostModule, WorkerSideContext } from "../host/index.js";
// The job package's index brings zod and secp256k1, which a worker never uses.
import { errorKindOf } from "../job/failure.js";
import type { ErrorKind } from "../job/types.js";
import { isRhaiError, type NativeFunction, toDisplay, type Value } from "../rhai/index.js";
import { coerceError } from "../util/index.js";
import { BridgeClient, HostFunctionError } from "./bridge.js";
import { LogOutlet } from "./log-outlet.js";
import { loadHostModule } from "./modules.js";
import type { CallTarget, FromWorker, ScriptJob, ToWorker, WorkerInit } from "./protocol.js";

/** The job as the script sees it (constants and ENV). */
export type ScriptWorld = ScriptJob;

/** The part of a sandbox worker that knows the language. */
export interface ScriptEngine {
  /** Adds a host function. */
  register(fn: NativeFunction): void;
  /** Runs a script with the job's world in scope and returns its final value. */
  run(job: ScriptWorld): Value;
}

/** Sends print/debug lines of the running job to its log. */
export type LogSink = (line: string) => void;

/** Starts the worker's loop. `makeEngine` builds the engine once, with the worker's limits. */
export async function startSandboxWorker(
  makeEngine: (init: WorkerInit, log: LogSink) => ScriptEngine,
): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("the sandbox worker entry must run in a worker thread");
  const init = workerData as WorkerInit;
  const post = (msg: FromWorker): void => port.postMessage(msg);

  // The run being served; host functions and print hooks read it when called.
  let runId = 0;
  let current: ScriptJob | undefined;
  const logs = new LogOutlet(init.logLimits, (line) => post({ type: "log", runId, line }));
  const log: LogSink = (line) => {
    if (current !== undefined) logs.write(line);
  };

  const bridge = new BridgeClient(init.bridgeState, init.replyPort, post);
  // The main thread answers calls of the running job only: any other would never return.
  const callMain = (target: CallTarget, args: Value[]): Value => {
    if (current === undefined) throw new Error("main-side functions can only be called by a job");
    return bridge.call(runId, target, args);
  };
  const engine = makeEngine(init, log);
  const modules = await Promise.all(init.modules.map((m) => loadHostModule(m.href)));
  modules.forEach((module, moduleIndex) => {
    const options = init.modules[moduleIndex]?.options ?? {};
    const ctx = workerContext(
      options,
      () => current,
      log,
      (name, args) => callMain({ qualified: name }, args),
    );
    registerModule(engine, module, moduleIndex, ctx, callMain);
  });

  port.on("message", (msg: ToWorker) => {
    if (msg.type !== "run") return;
    runId = msg.runId;
    current = msg.job;
    logs.reset();
    try {
      const value = engine.run(msg.job);
      const output = toDisplay(value);
      logs.flush();
      post({ type: "done", runId, ok: true, output });
    } catch (e) {
      const { kind, message } = describeFailure(e);
      logs.flush();
      post({ type: "done", runId, ok: false, kind, message });
    } finally {
      current = undefined;
    }
  });
  post({ type: "ready" });
}

function workerContext(
  options: Record<string, unknown>,
  currentJob: () => ScriptJob | undefined,
  log: LogSink,
  callMain: (qualifiedName: string, args: Value[]) => Value,
): WorkerSideContext {
  return {
    get job(): HostJobInfo {
      const job = currentJob();
      if (job === undefined) throw new Error("no job is running in this worker");
      return {
        jobId: job.jobId,
        callerId: job.callerId,
        contextId: job.contextId,
        signatories: job.signatories,
        envVars: job.envVars,
        options,
      };
    },
    callMain,
    log,
  };
}

function registerModule(
  engine: ScriptEngine,
  module: HostModule,
  moduleIndex: number,
  ctx: WorkerSideContext,
  callMain: (target: { module: number; fn: number }, args: Value[]) => Value,
): void {
  module.functions.forEach((f, fnIndex) => {
    const base = { name: f.name, params: f.params, doc: f.doc };
    if (f.side === "worker") {
      engine.register({
        ...base,
        fn: (_call, args) => {
          try {
            return f.run(ctx, args);
          } catch (e) {
            throw asScriptError(e);
          }
        },
        ...(f.mutatesFirst === undefined ? {} : { mutatesFirst: f.mutatesFirst }),
      });
    } else {
      const target = { module: moduleIndex, fn: fnIndex };
      engine.register({ ...base, fn: (_call, args) => callMain(target, args) });
    }
  });
}

/**
 * A worker-side function's failure as the script sees it: a catchable runtime error with the
 * function's message, like a main-side failure. Engine errors (a callback's, a size limit)
 * and JS stack overflows pass through for the engine to handle as it does its own.
 */
function asScriptError(e: unknown): unknown {
  if (isRhaiError(e) || e instanceof RangeError) return e;
  const message = coerceError(e).message;
  return new HostFunctionError(message, errorKindOf(e));
}

/** The error kind carried by an error or anything it wraps (function-call wrappers, causes). */
function kindWithin(e: unknown): ErrorKind | undefined {
  let x = e as { inner?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; x !== null && x !== undefined && depth < 64; depth++) {
    const kind = errorKindOf(x);
    if (kind !== undefined) return kind;
    x = (x.inner ?? x.cause) as typeof x;
  }
  return undefined;
}

/** How a job that threw ends: its kind and the message the job's result carries. */
export function describeFailure(e: unknown): { kind: ErrorKind; message: string } {
  const message = coerceError(e).message;
  const kind = kindWithin(e);
  if (kind !== undefined) return { kind, message };
  if (isRhaiError(e)) return { kind: "script", message };
  // The JS stack or an engine-internal allocation gave out before the engine's own limits.
  if (e instanceof RangeError)
    return { kind: "resources", message: `out of resources: ${message}` };
  return { kind: "script", message };
}

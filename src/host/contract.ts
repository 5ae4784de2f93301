// How a host package (SAL, Osiris, test modules) declares the functions it gives to scripts.
//
// A script runs in a worker thread. Each function a host module declares runs on one side:
// - "worker": inside the worker, synchronously (computation, builders, text). It may call
//   "main"-side functions of any module through `ctx.callMain`, which blocks the worker
//   until the main thread answers (the shared-memory bridge).
// - "main": on the runner's main thread, may be async (Redis, PostgreSQL, HTTP, child
//   processes, files). The script sees it as an ordinary synchronous call.
// Values crossing the bridge are plain Rhai values: unit, bool, INT, FLOAT, char, string,
// array, map, blob (no host objects, no function pointers).
//
// A host module is one file exporting a `HostModule` as its default export; the worker
// imports the same file by URL, so a module must not start anything when imported.

import type { NativeFunction, ParamType, Value } from "../rhai/index.js";

/** Who a job runs for: its identity as host functions see it. */
export interface HostJobIdentity {
  readonly jobId: string;
  readonly callerId: string;
  readonly contextId: string;
  readonly signatories: readonly string[];
}

/** What every host function knows about the job it serves. */
export interface HostJobInfo extends HostJobIdentity {
  readonly envVars: Readonly<Record<string, string>>;
  /** Options the runner was configured with for this module (e.g. Redis URL for data). */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface WorkerSideContext {
  readonly job: HostJobInfo;
  /** Synchronous call of a "main"-side function, by its qualified name `module.function`. */
  callMain(qualifiedName: string, args: Value[]): Value;
  /** Appends a line to the job's log. */
  log(line: string): void;
}

export interface MainSideContext {
  readonly job: HostJobInfo;
  /** Aborted when the job ends (finished, timeout, cancelled): stop and clean up. */
  readonly signal: AbortSignal;
  /** Appends a line to the job's log. */
  log(line: string): void;
  /** Registers cleanup to run when the job ends, however it ends (kill children, close...). */
  onJobEnd(cleanup: () => void | Promise<void>): void;
  /** Shared per-runner state of this module (connection pools...), kept across jobs. */
  readonly shared: Map<string, unknown>;
}

interface Documented {
  /** The Rhai name (what scripts call). Overloads share a name with other `params`. */
  readonly name: string;
  readonly params: readonly ParamType[];
  /** Type of the result as a person reads it ("string", "map", "()", ...). */
  readonly returns: string;
  /** One line: what it does. */
  readonly doc: string;
  /** A short Rhai example. */
  readonly example: string;
}

export interface WorkerFunction extends Documented {
  readonly side: "worker";
  readonly mutatesFirst?: NativeFunction["mutatesFirst"];
  run(ctx: WorkerSideContext, args: Value[]): Value;
}

export interface MainFunction extends Documented {
  readonly side: "main";
  /**
   * For a dispatcher behind handle methods (`k8s_call`): the operations its first argument
   * names. A traced call shows the operation when it is one of them (a bounded set; any
   * other first argument is never shown).
   */
  readonly operations?: ReadonlySet<string>;
  run(ctx: MainSideContext, args: Value[]): Value | Promise<Value>;
}

export type HostFunction = WorkerFunction | MainFunction;

export interface HostModule {
  /** Short name, used to qualify main-side functions (`redis.redis_get`). */
  readonly name: string;
  /** One paragraph for the generated reference page. */
  readonly description: string;
  readonly functions: readonly HostFunction[];
  /** Called once on the main thread when the runner stops (close pools...). */
  close?(shared: Map<string, unknown>): Promise<void>;
}

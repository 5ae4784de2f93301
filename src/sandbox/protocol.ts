// The messages between the runner's main thread and a sandbox worker.
//
// Jobs, logs and results travel as ordinary worker messages. A call from the script to a
// main-side host function is synchronous for the script: the worker posts `call`, then
// sleeps on a shared Int32 (Atomics.wait) until the main thread has posted the reply on a
// dedicated MessagePort and flipped the Int32; the worker reads the reply from that port
// with `receiveMessageOnPort`, so a reply of any size travels by structured clone without
// a size cap or a hand-made chunking scheme.

import type { MessagePort } from "node:worker_threads";
import type { ErrorKind } from "../job/index.js";
import type { EngineLimits } from "../rhai/index.js";
import type { WireValue } from "./codec.js";
import type { LogLimits } from "./limits.js";

/** A host module to load into every worker (and on the main thread for main-side calls). */
export interface HostModuleSpec {
  /** URL (or absolute path) of a file whose default export is a `HostModule`. */
  readonly url: string | URL;
  /** Options given to the module's functions as `ctx.job.options`. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** What the sandbox gives to a script: everything crosses to the worker as plain data. */
export interface ScriptJob {
  readonly source: string;
  readonly jobId: string;
  readonly callerId: string;
  readonly contextId: string;
  /** Public keys (hex) of the job's valid signatures. */
  readonly signatories: readonly string[];
  readonly envVars: Readonly<Record<string, string>>;
  /** Which run of the job this is, from 1 (the script's `ATTEMPT`); 1 when absent. */
  readonly attempt?: number;
}

/** `workerData` of a sandbox worker. */
export interface WorkerInit {
  readonly modules: readonly { readonly href: string; readonly options: Record<string, unknown> }[];
  readonly limits: EngineLimits;
  readonly logLimits: LogLimits;
  /** Int32[0] is the bridge's wake-up word (see BRIDGE_*). */
  readonly bridgeState: SharedArrayBuffer;
  /** Replies to bridged calls arrive here; the worker reads it synchronously. */
  readonly replyPort: MessagePort;
}

export const BRIDGE_WAITING = 0;
export const BRIDGE_ANSWERED = 1;

/** Which main-side function a call means. */
export type CallTarget =
  /** A registered native: the function's position in its module (same file on both sides). */
  | { readonly module: number; readonly fn: number }
  /** `ctx.callMain("module.function", args)` from a worker-side function. */
  | { readonly qualified: string };

export type ToWorker = { readonly type: "run"; readonly runId: number; readonly job: ScriptJob };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "log"; readonly runId: number; readonly line: string }
  | {
      readonly type: "call";
      readonly runId: number;
      readonly callId: number;
      readonly target: CallTarget;
      readonly args: WireValue[];
    }
  | { readonly type: "done"; readonly runId: number; readonly ok: true; readonly output: string }
  | {
      readonly type: "done";
      readonly runId: number;
      readonly ok: false;
      readonly kind: ErrorKind;
      readonly message: string;
    };

export type CallReply =
  | { readonly callId: number; readonly ok: true; readonly value: WireValue }
  | {
      readonly callId: number;
      readonly ok: false;
      readonly message: string;
      readonly errorKind?: ErrorKind;
    };

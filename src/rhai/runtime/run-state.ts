// The counters behind the limits (operations, call depth), the progress hook and abort
// signal, the pending jump, and the modules imported by the running code: one per engine.

import { type Position, RhaiRuntimeError } from "../errors.js";
import type { Value } from "../value.js";
import type { Module } from "./modules.js";

/** Counters of one engine's runs: operations, call depth, and the progress hook. */
export class RunState {
  ops = 0;
  /** The next operation count at which `checkOps` must run. */
  opsLimit = Number.POSITIVE_INFINITY;
  maxOps = 0;
  depth = 0;
  progress: ((ops: number) => unknown) | undefined;
  /** The pending jump when a statement returned JUMP (JUMP_BREAK, ...), and its value. */
  jump = 0;
  jumpValue: Value = undefined;
  /** Modules imported by running code, innermost last: `alias::member` searches from the end. */
  imports: { alias: string; module: Module }[] = [];
  modulesLoaded = 0;
  signal: AbortSignal | undefined;
  static readonly PROGRESS_INTERVAL = 4096;

  reset(maxOps: number): void {
    this.ops = 0;
    this.depth = 0;
    this.imports = [];
    this.modulesLoaded = 0;
    this.maxOps = maxOps;
    this.recompute();
  }

  recompute(): void {
    let limit = this.maxOps > 0 ? this.maxOps : Number.POSITIVE_INFINITY;
    if (this.progress !== undefined || this.signal !== undefined) {
      limit = Math.min(limit, this.ops + RunState.PROGRESS_INTERVAL);
    }
    this.opsLimit = limit;
  }

  /** Called when the operation counter passes `opsLimit`. */
  checkOps(pos?: Position): void {
    if (this.maxOps > 0 && this.ops > this.maxOps) {
      throw new RhaiRuntimeError("ErrorTooManyOperations", "Too many operations", pos);
    }
    if (this.signal?.aborted) {
      throw new RhaiRuntimeError("ErrorTerminated", "Script terminated", pos, this.signal.reason);
    }
    if (this.progress !== undefined && this.progress(this.ops) === false) {
      throw new RhaiRuntimeError("ErrorTerminated", "Script terminated", pos);
    }
    this.recompute();
  }
}

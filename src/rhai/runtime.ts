// Run-time pieces shared by the compiler and the engine: frames, shared cells, control-flow
// signals, dynamic scopes (the host's `Scope`, variables `eval` defines) and the counters
// behind the limits.

import { type Position, RhaiRuntimeError } from "./errors.js";
import type { Module } from "./modules.js";
import type { Value } from "./value.js";

/**
 * A frame of a running function: slot 0 holds `this` (or NO_THIS), slot 1 the dynamic
 * scope for names the compiler could not resolve, slots 2.. the variables.
 */
export type Frame = unknown[];
export type Eval = (f: Frame) => Value;

export const NO_THIS: unique symbol = Symbol("no this");
export const FIRST_SLOT = 2;

/** A variable captured by a closure: shared between the closure and where it was defined. */
export class Cell {
  constructor(public v: Value) {}
}

/** `break` (with its value) travelling to the enclosing loop. Not an Error: no stack trace. */
export class BreakSignal {
  value: Value = undefined;
}
export class ContinueSignal {}
export class ReturnSignal {
  value: Value = undefined;
}

export const BREAK = new BreakSignal();
export const CONTINUE = new ContinueSignal();
export const RETURN = new ReturnSignal();

/**
 * The cheap way out of a statement: a loop or function body returns this marker and leaves
 * the kind of jump and its value in the RunState. It never reaches a script's values.
 */
export const JUMP = Object.freeze({ jump: true }) as unknown as Value;
export const JUMP_BREAK = 1;
export const JUMP_CONTINUE = 2;
export const JUMP_RETURN = 3;

export function isSignal(e: unknown): boolean {
  return e === BREAK || e === CONTINUE || e === RETURN;
}

/** A variable found by name at run time. */
export interface DynVar {
  v: Value;
  readonly constant?: boolean;
}

/** Names resolved at run time: the host's scope, the caller's scope for `eval` and `f!()`. */
export interface DynScope {
  find(name: string): DynVar | undefined;
  define(name: string, value: Value, constant: boolean): void;
}

/**
 * Variables and constants a host gives a script (`JOB_ID`, `ENV`, ...). After a run, the
 * script's top-level variables are written back, so a scope can carry state between runs.
 */
export class Scope implements DynScope {
  private readonly vars = new Map<string, DynVar>();

  push(name: string, value: Value): this {
    this.vars.set(name, { v: value, constant: false });
    return this;
  }

  pushConstant(name: string, value: Value): this {
    this.vars.set(name, { v: value, constant: true });
    return this;
  }

  get(name: string): Value {
    return this.vars.get(name)?.v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  isConstant(name: string): boolean {
    return this.vars.get(name)?.constant === true;
  }

  set(name: string, value: Value): this {
    const v = this.vars.get(name);
    if (v !== undefined && !v.constant) v.v = value;
    else if (v === undefined) this.push(name, value);
    return this;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  get size(): number {
    return this.vars.size;
  }

  find(name: string): DynVar | undefined {
    return this.vars.get(name);
  }

  define(name: string, value: Value, constant: boolean): void {
    this.vars.set(name, { v: value, constant });
  }
}

/**
 * Variables `eval` defined in a running function: one layer per `eval` call, chained to
 * the layers before it and, at the bottom, to the host's scope. A block drops the layers
 * made inside it when it ends, as the reference drops the variables.
 */
export class LocalScope implements DynScope {
  private readonly vars = new Map<string, DynVar>();
  constructor(readonly parent: DynScope | null) {}
  find(name: string): DynVar | undefined {
    return this.vars.get(name) ?? this.parent?.find(name) ?? undefined;
  }
  /** Looks only through the `eval` layers, not the host scope below them. */
  findLocal(name: string): DynVar | undefined {
    for (let s: DynScope | null = this; s instanceof LocalScope; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  /** The first scope below the `eval` layers (the host's), if any. */
  host(): DynScope | null {
    let s: DynScope | null = this.parent;
    while (s instanceof LocalScope) s = s.parent;
    return s;
  }
  define(name: string, value: Value, constant: boolean): void {
    this.vars.set(name, { v: value, constant });
  }
}

/** What `eval`'d code sees: variables of earlier `eval`s, then the caller's, then the host's. */
export class EvalScope implements DynScope {
  constructor(
    private readonly layer: LocalScope,
    private readonly frame: DynScope,
  ) {}
  find(name: string): DynVar | undefined {
    return this.layer.findLocal(name) ?? this.frame.find(name);
  }
  define(name: string, value: Value, constant: boolean): void {
    this.layer.define(name, value, constant);
  }
}

/** A view of a frame's compiled variables by name (for `eval` and `f!()` calls). */
export class FrameView implements DynScope {
  constructor(
    private readonly frame: Frame,
    private readonly visible: ReadonlyMap<
      string,
      { slot: number; captured: boolean; constant: boolean }
    >,
    private readonly parent: DynScope | null,
  ) {}

  find(name: string): DynVar | undefined {
    const e = this.visible.get(name);
    if (e !== undefined && e.slot in this.frame) {
      const frame = this.frame;
      const { slot, captured, constant } = e;
      return {
        get v(): Value {
          const x = frame[slot];
          return (captured ? (x as Cell).v : x) as Value;
        },
        set v(value: Value) {
          if (captured) (frame[slot] as Cell).v = value;
          else frame[slot] = value;
        },
        constant,
      };
    }
    return this.parent?.find(name);
  }

  define(name: string, value: Value, constant: boolean): void {
    if (this.parent !== null) this.parent.define(name, value, constant);
  }
}

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

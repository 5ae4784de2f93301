// Names resolved at run time: the host's `Scope`, the layers of variables `eval` defines,
// and views of a frame's compiled variables by name (for `eval` and `f!()`).

import type { Value } from "../value.js";
import type { Cell, Frame } from "./frame.js";

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

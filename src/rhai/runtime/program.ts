// The shapes compiled code takes at run time: a program (main body, functions, top-level
// variables), a compiled function, and what a closure's function pointer points at. Kept
// apart from the compiler that builds them, so the slow paths and modules can use them
// without depending on the compiler.

import type { FnDef, Script } from "../ast.js";
import { type Cell, type Eval, FIRST_SLOT, type Frame } from "./frame.js";
import type { DynScope } from "./scopes.js";

/** A compiled script function or closure. */
export interface CompiledFn {
  readonly name: string;
  readonly arity: number;
  nslots: number;
  readonly paramSlots: number[];
  readonly paramCaptured: boolean[];
  readonly captureSlots: number[];
  body: Eval;
  readonly def: FnDef;
  readonly program: Program;
}

/** What a closure's function pointer points at. */
export class ClosureTarget {
  constructor(
    readonly fn: CompiledFn,
    readonly cells: readonly Cell[],
    /** The run-time scope where the closure was made (host variables, `eval` variables). */
    readonly dyn: DynScope | null = null,
  ) {}
}

/** A compiled script: its main body and its functions. */
export class Program {
  readonly fns = new Map<string, CompiledFn>();
  main: Eval = () => undefined;
  nslots = FIRST_SLOT;
  /** Top-level variables, for writing back to a host scope. */
  readonly topLevel: { name: string; slot: number; captured: boolean; constant: boolean }[] = [];
  /** Frame of the running main body (for `global::CONST`). */
  mainFrame: Frame | undefined;
  constructor(
    readonly script: Script,
    readonly parent: Program | undefined,
  ) {}

  lookup(name: string, arity: number): CompiledFn | undefined {
    return this.fns.get(`${name}/${arity}`) ?? this.parent?.lookup(name, arity);
  }

  /** A method for `this` of the given type: a typed definition first, then an untyped one. */
  lookupMethod(type: string, name: string, arity: number): CompiledFn | undefined {
    return (
      this.fns.get(`${type}.${name}/${arity}`) ??
      this.parent?.lookupMethod(type, name, arity) ??
      this.lookup(name, arity)
    );
  }

  private names: Set<string> | undefined;
  private namesCount = -1;

  /** The parameter counts of the script functions of this name (closures included). */
  aritiesOf(name: string): number[] {
    const out: number[] = [];
    for (const f of this.fns.values()) if (f.name === name) out.push(f.arity);
    return out.length > 0 ? out : (this.parent?.aritiesOf(name) ?? out);
  }

  /** Whether a script function of this name exists (any arity or `this` type). */
  hasName(name: string): boolean {
    if (this.names === undefined || this.namesCount !== this.fns.size) {
      this.names = new Set([...this.fns.values()].map((f) => f.name));
      this.namesCount = this.fns.size;
    }
    return this.names.has(name) || (this.parent?.hasName(name) ?? false);
  }

  globalConst(name: string): { slot: number; captured: boolean } | undefined {
    for (let i = this.topLevel.length - 1; i >= 0; i--) {
      const t = this.topLevel[i];
      if (t !== undefined && t.name === name && t.constant) return t;
    }
    return this.parent?.globalConst(name);
  }
}

// What the compiler's families share: the compile state a family function receives (the
// evaluation context the closures will run with, the program being built, the current
// function's slots) and the entry points to compile a child node with. An interface, so the
// family files depend on it and the Compiler class that implements it depends on them.

import type { FnDef, Node, VarDecl } from "../ast.js";
import { type Position, type RhaiRuntimeError, typeMismatch } from "../errors.js";
import type { EvalContext } from "../eval/index.js";
import {
  type CompiledFn,
  type Eval,
  FIRST_SLOT,
  type Program,
  type RunState,
} from "../runtime/index.js";
import { typeName, type Value } from "../value.js";

export interface Compiling {
  /** What the compiled closures run with; they capture it (or its parts) once. */
  readonly ctx: EvalContext;
  readonly rt: RunState;
  readonly program: Program;
  /** The function being compiled: its slots and the variables visible so far. */
  readonly fs: FnScope;
  expr(n: Node): Eval;
  /** A statement where `break`, `continue` and `return` travel as a JUMP result. */
  ctl(n: Node): Eval;
  /** An expression whose value is stored somewhere: containers read from variables are copied. */
  stored(n: Node): Eval;
  /** A compiled function for a definition, its body still empty (compileFnBody fills it). */
  newFn(def: FnDef): CompiledFn;
  compileFnBody(cf: CompiledFn, def: FnDef): void;
}

/** No arguments: a check of a value's own size only. */
export const NO_VALUES: readonly Value[] = [];
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const MIN_SAFE = Number.MIN_SAFE_INTEGER;

/** ErrorMismatchDataType for a value of the wrong type, at a position. */
export function mismatch(expected: string, v: Value, pos: Position): RhaiRuntimeError {
  return typeMismatch(expected, typeName(v)).at(pos);
}

export interface SlotInfo {
  slot: number;
  captured: boolean;
  constant: boolean;
}

/** Per-function compile state: slot allocation and the variables visible so far. */
export class FnScope {
  readonly slots = new Map<VarDecl, number>();
  next = FIRST_SLOT;
  readonly visible: VarDecl[] = [];
  constructor(
    readonly isFunction: boolean,
    /** The body calls `eval`: variables it defines may shadow compiled ones. */
    readonly usesEval = false,
  ) {}

  declare(decl: VarDecl): number {
    const s = this.next++;
    this.slots.set(decl, s);
    this.visible.push(decl);
    return s;
  }

  slotOf(decl: VarDecl): number | undefined {
    return this.slots.get(decl);
  }

  /** Visible names and their slots, innermost declaration winning. */
  view(): Map<string, SlotInfo> {
    const m = new Map<string, SlotInfo>();
    for (const d of this.visible) {
      const slot = this.slots.get(d) as number;
      m.set(d.name, { slot, captured: d.captured, constant: d.constant });
    }
    return m;
  }
}

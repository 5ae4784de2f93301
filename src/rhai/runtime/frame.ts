// What a running function is made of: its frame of slots, the cells closures share, and the
// signals and markers by which `break`, `continue` and `return` leave a statement. A leaf:
// the compiler, the slow paths and the scopes all build on it.

import type { Value } from "../value.js";

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

/** A place a value can be read from and written back to (variable, element, property). */
export interface Ref {
  get: Eval;
  /**
   * With `checked`, an element or property set also checks the data-size limits of the
   * container it changed (its own count and the new value's sizes).
   */
  set: (f: Frame, v: Value, checked?: boolean) => void;
  /** Name of the root variable, and whether it is a constant. */
  readonly rootName: string;
  readonly constant: boolean;
}

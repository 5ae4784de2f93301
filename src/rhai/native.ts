// The contract between the engine and the functions it did not get from a script: the
// standard packages, and whatever a host (SAL, Osiris, tests) registers.
//
// A package is a plain function `register(lib)` that adds `NativeFunction`s to a
// `FunctionLibrary`. The engine resolves a call by name, arity and argument types; a
// parameter type of "any" (the reference's Dynamic) matches every value.

import type { Position } from "./errors.js";
import type { FnPtr, Value } from "./value.js";

/**
 * A parameter type: a `type_of` name ("i64", "f64", "bool", "char", "string", "()",
 * "array", "map", "blob", "Fn", "range", "range=", "timestamp", or a host type's name),
 * or "any".
 */
export type ParamType = string;

/** What a native function may ask of the engine while it runs. */
export interface NativeCallContext {
  /** Name of the function as called (useful for shared implementations). */
  readonly fnName: string;
  /** Where the call is in the script. */
  readonly position: Position;
  /** Calls a function pointer (script function, closure or native) with these arguments. */
  callFnPtr(fn: FnPtr, args: Value[]): Value;
  /**
   * Calls a function pointer with `this` bound to `thisRef.value`; whatever the function
   * assigns to `this` is left in `thisRef.value` (array callbacks such as
   * `x.for_each(|| this += 1)` need it). Optional: without it, packages call `callFnPtr`
   * and `this` stays unbound. Errors as `callFnPtr` (a wrong arity is ErrorFunctionNotFound
   * whose detail starts with the function's name, which packages rely on to retry).
   */
  callFnPtrWithThis?(fn: FnPtr, thisRef: { value: Value }, args: Value[]): Value;
  /**
   * How many arguments the function a pointer names still takes (its parameters minus the
   * curried ones), when the engine knows it (closures, script functions); undefined
   * otherwise. Optional: it lets packages pick how to call a callback without trying.
   */
  fnPtrArity?(fn: FnPtr): number | undefined;
  /** Calls any function by name, resolved as a script call would be. */
  callFn(name: string, args: Value[]): Value;
  /** Engine limits, so functions that grow data can refuse with ErrorDataTooLarge. */
  readonly limits: Readonly<EngineLimits>;
  /** The engine's print/debug hooks, for functions that write output. */
  print(text: string): void;
  debug(text: string, position: Position): void;
  /** Counts operations (for long native loops such as sort callbacks); may throw. */
  tick(count?: number): void;
}

export type NativeFn = (ctx: NativeCallContext, args: Value[]) => Value;

export interface NativeFunction {
  readonly name: string;
  readonly params: readonly ParamType[];
  readonly fn: NativeFn;
  /**
   * The function changes its first argument (`&mut self` in the reference): it may mutate
   * an array/map/blob in place, or assign a new value to `args[0]` (strings, numbers); the
   * evaluator writes `args[0]` back to the variable, element or property it came from.
   * Calling such a function on a constant is ErrorNonPureMethodCallOnConstant.
   */
  readonly mutatesFirst?: boolean;
  /** Has no side effects and depends only on its arguments: may be constant-folded. */
  readonly pure?: boolean;
  /** One line of documentation, with a Rhai example when useful. */
  readonly doc?: string;
}

export interface FunctionLibrary {
  /** Adds a function; a later registration with the same name and params replaces it. */
  add(fn: NativeFunction): void;
  /** Shorthand for `add({ name, params, fn, ...options })`. */
  fn(
    name: string,
    params: readonly ParamType[],
    fn: NativeFn,
    options?: Omit<NativeFunction, "name" | "params" | "fn">,
  ): void;
  /** Registers an iterator for values of a type (what `for x in value` walks). */
  iterator(type: ParamType, iterate: (value: Value) => Iterable<Value>): void;
}

export interface EngineLimits {
  maxOperations: number; // 0 = unlimited
  maxCallLevels: number;
  maxExprDepth: number; // 0 = unlimited
  maxFunctionExprDepth: number; // 0 = unlimited
  maxStringSize: number; // 0 = unlimited
  maxArraySize: number; // 0 = unlimited
  maxMapSize: number; // 0 = unlimited
  maxVariables: number; // 0 = unlimited
  maxFunctions: number; // 0 = unlimited
  maxModules: number; // 0 = unlimited
}

/** A package: registers its functions into a library. */
export type Package = (lib: FunctionLibrary) => void;

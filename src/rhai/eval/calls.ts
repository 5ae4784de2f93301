// Calls: script functions (frames, call depth, `return`), function pointers and closures,
// natives through a call-site cache or by name, and methods (`this` bound, mutating natives
// written back to the place their object came from). The context object of a native call
// is here too: it calls back into these.

import { NO_POSITION, type Position, typeMismatch } from "../errors.js";
import type { NativeCallContext, NativeFunction } from "../native.js";
import { builtinBinary, NONE, valuesEqual } from "../ops.js";
import {
  Cell,
  ClosureTarget,
  type CompiledFn,
  type DynScope,
  type Frame,
  JUMP,
  NO_THIS,
  type Program,
  RETURN,
  type Ref,
} from "../runtime/index.js";
import { FnPtr, typeName, typeOf, type Value } from "../value.js";
import type { EvalContext } from "./context.js";
import { checkGrown } from "./data-size.js";
import { atPos, fnSignatureOf, notFound, rtErr, wrapFnError } from "./errors.js";

/** What a call site resolves natives with (a CallSite, or a stand-in). */
export interface NativeSite {
  resolve(args: Value[]): NativeFunction | undefined;
  readonly fnName: string;
}

export function nativeCtx(
  ctx: EvalContext,
  name: string,
  pos: Position = NO_POSITION,
): NativeCallContext {
  return {
    fnName: name,
    position: pos,
    limits: ctx.limits,
    callFnPtr: (fp: FnPtr, args: Value[]) => callFnPtr(ctx, fp, args, NO_THIS, pos),
    callFnPtrWithThis: (fp: FnPtr, thisRef: { value: Value }, args: Value[]) =>
      callFnPtrBound(ctx, fp, thisRef, args, pos),
    fnPtrArity: (fp: FnPtr) => fnPtrArity(ctx, fp),
    callFn: (n: string, args: Value[]) => callByName(ctx, n, args, pos),
    print: (t: string) => ctx.print(t),
    debug: (t: string, p: Position) => ctx.debug(t, p),
    tick: (count = 1) => {
      ctx.rt.ops += count;
      if (ctx.rt.ops > ctx.rt.opsLimit) ctx.rt.checkOps(pos);
    },
  };
}

/** Calls a compiled script function. */
export function callScript(
  ctx: EvalContext,
  fn: CompiledFn,
  args: readonly Value[],
  thisVal: unknown,
  cells: readonly Cell[] | undefined,
  dyn: DynScope | null,
  pos: Position,
): Value {
  const rt = ctx.rt;
  if (rt.depth >= ctx.limits.maxCallLevels) {
    throw rtErr("ErrorStackOverflow", `Stack overflow calling ${fn.name}`, pos);
  }
  rt.depth++;
  const f: Frame = new Array(fn.nslots);
  f[0] = thisVal;
  f[1] = dyn;
  const ps = fn.paramSlots;
  for (let i = 0; i < ps.length; i++) {
    const a = args[i];
    f[ps[i] as number] = fn.paramCaptured[i] ? new Cell(a) : a;
  }
  if (cells !== undefined) {
    const cs = fn.captureSlots;
    for (let i = 0; i < cs.length; i++) f[cs[i] as number] = cells[i];
  }
  if (++rt.ops > rt.opsLimit) rt.checkOps(pos);
  try {
    const v = fn.body(f);
    if (v !== JUMP) return v;
    const r = rt.jumpValue;
    rt.jumpValue = undefined;
    return r;
  } catch (e) {
    if (e === RETURN) {
      const v = RETURN.value;
      RETURN.value = undefined;
      return v;
    }
    throw wrapFnError(e, fn, pos);
  } finally {
    rt.depth--;
    ctx.lastThis = f[0];
  }
}

/** Fast path: a one-parameter script function without `this`. */
export function callScript1(ctx: EvalContext, fn: CompiledFn, a0: Value, pos: Position): Value {
  const rt = ctx.rt;
  if (rt.depth >= ctx.limits.maxCallLevels) {
    throw rtErr("ErrorStackOverflow", `Stack overflow calling ${fn.name}`, pos);
  }
  rt.depth++;
  const f: Frame = new Array(fn.nslots);
  f[0] = NO_THIS;
  f[1] = null;
  f[fn.paramSlots[0] as number] = fn.paramCaptured[0] ? new Cell(a0) : a0;
  if (++rt.ops > rt.opsLimit) rt.checkOps(pos);
  try {
    const v = fn.body(f);
    if (v !== JUMP) return v;
    const r = rt.jumpValue;
    rt.jumpValue = undefined;
    return r;
  } catch (e) {
    if (e === RETURN) {
      const v = RETURN.value;
      RETURN.value = undefined;
      return v;
    }
    throw wrapFnError(e, fn, pos);
  } finally {
    rt.depth--;
  }
}

/** A function pointer to a named function (checked to be a valid name). */
export function makeFnPtr(name: string, program: Program, pos: Position): FnPtr {
  if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(name)) {
    throw rtErr("ErrorFunctionNotFound", `Invalid function name: '${name}'`, pos, name);
  }
  for (let a = 0; a < 16; a++) {
    const fn = program.lookup(name, a);
    if (fn?.def.isClosure) return new FnPtr(name, [], new ClosureTarget(fn, []));
  }
  return new FnPtr(name);
}

/**
 * How many arguments a function pointer still takes, when only one answer is
 * possible (a closure, or a script function defined with one parameter count).
 */
export function fnPtrArity(ctx: EvalContext, fp: FnPtr): number | undefined {
  const target = fp.target;
  if (target instanceof ClosureTarget) return target.fn.arity - fp.curried.length;
  if (ctx.lib.has(fp.name)) return undefined;
  const arities = ctx.program?.aritiesOf(fp.name) ?? [];
  return arities.length === 1 ? (arities[0] as number) - fp.curried.length : undefined;
}

/** Calls a function pointer with `this` bound to a place it may change. */
export function callFnPtrBound(
  ctx: EvalContext,
  fp: FnPtr,
  thisRef: { value: Value },
  args: Value[],
  pos: Position,
): Value {
  ctx.lastThis = NO_THIS;
  const r = callFnPtr(ctx, fp, args, thisRef.value, pos);
  const after = ctx.lastThis;
  ctx.lastThis = NO_THIS;
  if (after !== NO_THIS) thisRef.value = after as Value;
  return r;
}

/** Calls a function pointer, with `this` bound when given. */
export function callFnPtr(
  ctx: EvalContext,
  fp: FnPtr,
  args: readonly Value[],
  thisVal: unknown,
  pos: Position,
  dyn: DynScope | null = null,
): Value {
  const all = fp.curried.length > 0 ? [...fp.curried, ...args] : args;
  const target = fp.target;
  if (target instanceof ClosureTarget) {
    const fn = target.fn;
    if (fn.arity !== all.length) {
      throw rtErr("ErrorFunctionNotFound", fnSignatureOf(fp.name, all), pos);
    }
    return callScript(ctx, fn, all, thisVal, target.cells, dyn ?? target.dyn, pos);
  }
  const program = ctx.program;
  const fn = program?.lookup(fp.name, all.length);
  if (fn !== undefined) return callScript(ctx, fn, all, thisVal, undefined, dyn, pos);
  if (thisVal !== NO_THIS) {
    return callNativeByName(ctx, fp.name, [thisVal as Value, ...all], pos);
  }
  return callNativeByName(ctx, fp.name, [...all], pos);
}

/** Any function by name, as a script call resolves it. */
export function callByName(ctx: EvalContext, name: string, args: Value[], pos: Position): Value {
  const fn = ctx.program?.lookup(name, args.length);
  if (fn !== undefined) return callScript(ctx, fn, args, NO_THIS, undefined, null, pos);
  return callNativeByName(ctx, name, args, pos);
}

function callNativeByName(ctx: EvalContext, name: string, args: Value[], pos: Position): Value {
  const f = ctx.lib.resolve(name, args);
  if (f === undefined) {
    const builtin = builtinFallback(name, args);
    if (builtin !== NONE) return builtin as Value;
    throw notFound(name, args, pos);
  }
  try {
    return f.fn(nativeCtx(ctx, name, pos), args) ?? undefined;
  } catch (e) {
    throw atPos(e, pos);
  }
}

/** Operators called by name (e.g. `call(Fn("+"), 1, 2)` or a package calling `==`). */
export function builtinFallback(name: string, args: Value[]): Value | typeof NONE {
  if (args.length === 2) {
    const r = builtinBinary(name, args[0], args[1]);
    if (r !== NONE) return r;
    if (name === "==") return valuesEqual(args[0], args[1]);
    if (name === "!=") return !valuesEqual(args[0], args[1]);
  }
  if (name === "type_of" && args.length === 1) return typeOf(args[0]);
  return NONE;
}

/** A native call through a call-site cache. */
export function callNative(site: NativeSite, args: Value[], pos: Position): Value {
  const f = site.resolve(args);
  if (f === undefined) throw notFound(site.fnName, args, pos);
  try {
    return f.fn(site as never, args) ?? undefined;
  } catch (e) {
    throw atPos(e, pos);
  }
}

/** A method call `obj.name(args)`; `argv[0]` is the object. */
export function callMethod(
  ctx: EvalContext,
  name: string,
  argv: Value[],
  site: NativeSite,
  program: Program,
  target: Ref | undefined,
  f: Frame,
  pos: Position,
): Value {
  const obj = argv[0];
  // Function pointers: `f.call(...)`, `f.curry(...)`.
  if (obj instanceof FnPtr) {
    if (name === "call") return callFnPtr(ctx, obj, argv.slice(1), NO_THIS, pos);
    if (name === "curry")
      return new FnPtr(obj.name, [...obj.curried, ...argv.slice(1)], obj.target);
    if (name === "is_anonymous" && argv.length === 1)
      return obj.target instanceof ClosureTarget && obj.target.fn.def.isClosure;
  }
  // `x.call(fp, args)` calls the pointer with `this` bound to x.
  if (name === "call" && argv[1] instanceof FnPtr) {
    const r = callFnPtr(ctx, argv[1], argv.slice(2), obj, pos);
    writeBackThis(ctx, target, obj, f, pos);
    return r;
  }
  // `call` is a keyword: on anything else it wants a function pointer, as the reference.
  if (name === "call") {
    throw typeMismatch("Fn", typeOf(argv.length === 1 ? obj : argv[1])).at(pos);
  }
  if (name === "type_of" && argv.length === 1) return typeOf(obj);
  if (name === "is_shared" && argv.length === 1) return false;
  // A script function called as a method binds `this` (looked up only when the script
  // defines a function of that name: the compiler knows).
  const script = program.hasName(name)
    ? program.lookupMethod(typeName(obj), name, argv.length - 1)
    : undefined;
  if (script !== undefined) {
    const r = callScript(ctx, script, argv.slice(1), obj, undefined, null, pos);
    writeBackThis(ctx, target, obj, f, pos);
    return r;
  }
  // A map property holding a function pointer is a method of that map.
  if (obj instanceof Map) {
    const fp = obj.get(name);
    if (fp instanceof FnPtr) {
      const r = callFnPtr(ctx, fp, argv.slice(1), obj, pos);
      writeBackThis(ctx, target, obj, f, pos);
      return r;
    }
  }
  const native = site.resolve(argv);
  if (native !== undefined) return callNativeMethod(ctx, native, name, argv, site, target, f, pos);
  const builtin = builtinFallback(name, argv);
  if (builtin !== NONE) return builtin as Value;
  throw notFound(name, argv, pos);
}

/**
 * A method call resolved to a native function: a mutating one writes its first
 * argument back to the place it came from and has its size checked.
 */
export function callNativeMethod(
  ctx: EvalContext,
  native: NativeFunction,
  name: string,
  argv: Value[],
  site: NativeSite,
  target: Ref | undefined,
  f: Frame,
  pos: Position,
): Value {
  const obj = argv[0];
  if (native.mutatesFirst && target?.constant) {
    throw rtErr(
      "ErrorNonPureMethodCallOnConstant",
      `Cannot call method ${name} on constant ${target.rootName}`,
      pos,
      target.rootName,
    );
  }
  let r: Value;
  try {
    r = native.fn(site as never, argv) ?? undefined;
  } catch (e) {
    throw atPos(e, pos);
  }
  if (native.mutatesFirst && target !== undefined) {
    if (argv[0] !== obj) target.set(f, argv[0]);
    checkGrown(ctx, argv[0], argv, 1, true, pos);
  }
  return r;
}

function writeBackThis(
  ctx: EvalContext,
  target: Ref | undefined,
  before: Value,
  f: Frame,
  pos: Position,
): void {
  const after = ctx.lastThis;
  ctx.lastThis = NO_THIS;
  if (target === undefined || after === NO_THIS || after === before) return;
  if (target.constant) {
    throw rtErr(
      "ErrorNonPureMethodCallOnConstant",
      `Cannot modify constant ${target.rootName}`,
      pos,
      target.rootName,
    );
  }
  target.set(f, after as Value);
}

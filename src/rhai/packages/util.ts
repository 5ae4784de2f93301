// Helpers shared by the standard packages: index arithmetic as the reference does it,
// argument coercion, limits, equality through the engine, and calling callbacks.

import { RhaiRuntimeError, typeMismatch } from "../errors.js";
import type { NativeCallContext } from "../native.js";
import { Blob, Char, Float, FnPtr, type Range, typeName, type Value } from "../value.js";

/** An Int as a JS number, clamped to the safe range (sizes and positions never need more). */
export function num(v: Value): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  throw typeMismatch("i64", typeName(v));
}

export function str(v: Value): string {
  if (typeof v === "string") return v;
  throw typeMismatch("string", typeName(v));
}

export function chr(v: Value): string {
  if (v instanceof Char) return v.value;
  throw typeMismatch("char", typeName(v));
}

export function fnPtr(v: Value): FnPtr {
  if (v instanceof FnPtr) return v;
  throw typeMismatch("Fn", typeName(v));
}

/**
 * A start position and a length into a sequence of `length` items, as the reference's
 * `calc_offset_len`: a negative start counts from the end (clamped to 0), a start past the
 * end gives (length, 0), and the length is clamped to what remains.
 */
export function offsetLen(length: number, start: number, len: number): [number, number] {
  let from: number;
  if (start < 0) {
    from = length - Math.min(-start, length);
  } else if (start >= length) {
    return [length, 0];
  } else {
    from = start;
  }
  const count = len <= 0 ? 0 : Math.min(len, length - from);
  return [from, count];
}

/**
 * An index into `length` items, as the reference's `calc_index`: negative counts from the
 * end; null when out of bounds.
 */
export function checkedIndex(length: number, index: number): number | null {
  if (index < 0) {
    const i = length + index;
    return i >= 0 ? i : null;
  }
  return index < length ? index : null;
}

/** A range argument as (start, length), as the reference's range overloads compute it. */
export function rangeStartLen(r: Range): [number, number] {
  const start = Math.max(num(r.start), 0);
  if (r.inclusive) {
    const end = Math.min(Math.max(num(r.end), start), Number.MAX_SAFE_INTEGER - 1);
    return [start, end - start + 1];
  }
  const end = Math.max(num(r.end), start);
  return [start, end - start];
}

export function tooLarge(what: string): RhaiRuntimeError {
  return new RhaiRuntimeError("ErrorDataTooLarge", `${what} exceeds the maximum limit`);
}

export function checkArraySize(ctx: NativeCallContext, size: number): void {
  const max = ctx.limits.maxArraySize;
  if (max > 0 && size > max) throw tooLarge("Size of array");
}

export function checkStringSize(ctx: NativeCallContext, s: string): void {
  const max = ctx.limits.maxStringSize;
  // The reference measures strings in UTF-8 bytes.
  if (max > 0 && s.length > max / 3 && utf8Length(s) > max) throw tooLarge("Length of string");
}

export function checkMapSize(ctx: NativeCallContext, size: number): void {
  const max = ctx.limits.maxMapSize;
  if (max > 0 && size > max) throw tooLarge("Size of object map");
}

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

export function arithmeticError(message: string): RhaiRuntimeError {
  return new RhaiRuntimeError("ErrorArithmetic", message);
}

/** Code points of a string (Rhai indexes strings by character, not UTF-16 unit). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/** True when the string is pure ASCII/BMP without surrogates, so UTF-16 units are chars. */
export function isSimple(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return false;
  }
  return true;
}

export function charCount(s: string): number {
  if (isSimple(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function sameKind(a: Value, b: Value): boolean {
  return typeName(a) === typeName(b);
}

/**
 * `a == b` as the reference's packages compare elements: built-in types directly, anything
 * else through the engine's `==`; a missing `==` between different types is `false`.
 */
export function valuesEqual(ctx: NativeCallContext, a: Value, b: Value): boolean {
  const ta = typeof a;
  if (ta === "number" || ta === "bigint") {
    if (typeof b === "number" || typeof b === "bigint") return a === b;
    // Floats compare with the engine's tolerance: ask its `==`.
    if (b instanceof Float) return viaEngine(ctx, a, b);
    return simpleType(b) ? false : viaEngine(ctx, a, b);
  }
  if (a instanceof Float) {
    if (b instanceof Float || typeof b === "number" || typeof b === "bigint")
      return viaEngine(ctx, a, b);
    return simpleType(b) ? false : viaEngine(ctx, a, b);
  }
  // A string equals a character holding the same text ("a" == 'a').
  if (ta === "string") {
    if (b instanceof Char) return a === b.value;
    return simpleType(b) ? a === b : viaEngine(ctx, a, b);
  }
  if (a instanceof Char) {
    if (b instanceof Char) return a.value === b.value;
    if (typeof b === "string") return a.value === b;
    return simpleType(b) ? false : viaEngine(ctx, a, b);
  }
  if (ta === "boolean" || ta === "undefined") {
    return simpleType(b) ? a === b : viaEngine(ctx, a, b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return simpleType(b) ? false : viaEngine(ctx, a, b);
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(ctx, a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map)) return simpleType(b) ? false : viaEngine(ctx, a, b);
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !valuesEqual(ctx, v, b.get(k))) return false;
    }
    return true;
  }
  return viaEngine(ctx, a, b);
}

function simpleType(v: Value): boolean {
  const t = typeof v;
  return (
    t === "number" ||
    t === "bigint" ||
    t === "string" ||
    t === "boolean" ||
    t === "undefined" ||
    v instanceof Float ||
    v instanceof Char ||
    Array.isArray(v) ||
    v instanceof Map
  );
}

function viaEngine(ctx: NativeCallContext, a: Value, b: Value): boolean {
  try {
    return ctx.callFn("==", [a, b]) === true;
  } catch (e) {
    if (e instanceof RhaiRuntimeError && e.code === "ErrorFunctionNotFound" && !sameKind(a, b)) {
      return false;
    }
    throw e;
  }
}

/** The signature an ErrorFunctionNotFound names (its detail, without a message prefix). */
export function notFoundSignature(e: unknown): string | undefined {
  if (!(e instanceof RhaiRuntimeError) || e.code !== "ErrorFunctionNotFound") return undefined;
  const prefix = "Function not found: ";
  return e.detail.startsWith(prefix) ? e.detail.slice(prefix.length) : e.detail;
}

/** True when `e` says the pointer's own function does not exist with these arguments. */
function isNotFoundFor(e: unknown, fp: FnPtr): boolean {
  return notFoundSignature(e)?.startsWith(fp.name) === true;
}

/** Wraps an error raised inside a callback as the reference does (ErrorInFunctionCall). */
export function inFunctionCall(caller: string, e: unknown): unknown {
  if (e instanceof RhaiRuntimeError && e.code !== "ErrorInFunctionCall") {
    switch (e.code) {
      // Limits and termination pass through unwrapped, as the engine does for its own calls.
      case "ErrorTerminated":
      case "ErrorTooManyOperations":
      case "ErrorStackOverflow":
      case "ErrorDataTooLarge":
      case "ErrorTooManyVariables":
      case "ErrorTooManyModules":
      case "ErrorSystem":
        return e;
    }
    return new RhaiRuntimeError(
      "ErrorInFunctionCall",
      `Error in call to function '${caller}': ${e.message}`,
      undefined,
      undefined,
      e,
    );
  }
  return e;
}

/**
 * Calls a callback the way the reference's array and map functions do: first with the item
 * bound to `this` and `args`; if no such function exists, with the item inserted into the
 * arguments at `moveTo` (when given); then with the extra arguments (usually the index)
 * appended. The shape that worked is remembered, so a loop pays for the search once.
 */
export class Callback {
  private shape = 0; // 0 unknown, 1 this+args, 2 item moved into args, 3 with extras

  constructor(
    private readonly ctx: NativeCallContext,
    private readonly caller: string,
    readonly fp: FnPtr,
    private readonly moveTo: number | undefined,
  ) {}

  call(item: { value: Value } | undefined, args: Value[], extras: Value[]): Value {
    try {
      return this.shape === 0 ? this.search(item, args, extras) : this.dispatch(item, args, extras);
    } catch (e) {
      throw inFunctionCall(this.caller, e);
    }
  }

  private dispatch(item: { value: Value } | undefined, args: Value[], extras: Value[]): Value {
    switch (this.shape) {
      case 1:
        return this.withThis(item, args);
      case 2:
        return this.ctx.callFnPtr(this.fp, this.moved(item, args));
      default:
        return this.withExtras(item, args, extras);
    }
  }

  private search(item: { value: Value } | undefined, args: Value[], extras: Value[]): Value {
    const arity = this.ctx.fnPtrArity?.(this.fp);
    if (arity !== undefined) {
      // The engine knows the parameter count: choose the shape without trial calls.
      const moved = this.moveTo !== undefined && item !== undefined;
      if (arity === args.length) this.shape = 1;
      else if (moved && arity === args.length + 1) this.shape = 2;
      else if (arity === args.length + extras.length + (moved ? 1 : 0)) this.shape = 3;
      if (this.shape !== 0) return this.dispatch(item, args, extras);
    }
    try {
      const r = this.withThis(item, args);
      this.shape = 1;
      return r;
    } catch (e) {
      if (!isNotFoundFor(e, this.fp)) throw e;
    }
    if (this.moveTo !== undefined && item !== undefined) {
      try {
        const r = this.ctx.callFnPtr(this.fp, this.moved(item, args));
        this.shape = 2;
        return r;
      } catch (e) {
        if (!isNotFoundFor(e, this.fp)) throw e;
      }
    }
    const r = this.withExtras(item, args, extras);
    this.shape = 3;
    return r;
  }

  private withThis(item: { value: Value } | undefined, args: Value[]): Value {
    if (item !== undefined && this.ctx.callFnPtrWithThis) {
      return this.ctx.callFnPtrWithThis(this.fp, item, args);
    }
    return this.ctx.callFnPtr(this.fp, args);
  }

  private moved(item: { value: Value } | undefined, args: Value[]): Value[] {
    const out = args.slice();
    if (item !== undefined) out.splice(this.moveTo ?? 0, 0, item.value);
    return out;
  }

  private withExtras(item: { value: Value } | undefined, args: Value[], extras: Value[]): Value {
    if (this.moveTo !== undefined && item !== undefined) {
      const out = args.concat(extras);
      out.splice(this.moveTo, 0, item.value);
      return this.ctx.callFnPtr(this.fp, out);
    }
    return this.withThis(item, args.concat(extras));
  }
}

/** A callback argument: a function pointer, or (deprecated API) a function's name. */
export function toFnPtr(v: Value): FnPtr {
  if (v instanceof FnPtr) return v;
  if (typeof v === "string") return new FnPtr(v);
  return fnPtr(v);
}

/**
 * A copy with value semantics: arrays, maps and BLOBs are copied deeply (they are values in
 * Rhai, never shared), everything else is immutable and returned as is. Functions that copy
 * elements into or out of a container use it, so no two places ever share one array.
 */
export function copyOf(v: Value): Value {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map(copyOf);
  if (v instanceof Map) {
    const m = new Map<string, Value>();
    for (const [k, x] of v) m.set(k, copyOf(x));
    return m;
  }
  if (v instanceof Blob) return new Blob(v.bytes.slice());
  return v;
}

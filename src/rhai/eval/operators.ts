// Operators beyond the compiled fast paths: the built-in operators on standard types (with
// the size of what they build checked), natives registered for an operator, compound
// assignment in place for containers, and `in`.

import { type Position, RhaiRuntimeError } from "../errors.js";
import * as int from "../int.js";
import { builtinBinary, NONE, valuesEqual } from "../ops.js";
import { Blob, Char, Float, Range, typeName, typeOf, type Value } from "../value.js";
import { type NativeSite, nativeCtx } from "./calls.js";
import type { EvalContext } from "./context.js";
import { checkDataSize, checkStringSize } from "./data-size.js";
import { isHostValue } from "./display.js";
import { atPos, notFound } from "./errors.js";

/** The slow path of a binary operator. */
export function binaryOp(
  ctx: EvalContext,
  op: string,
  a: Value,
  b: Value,
  site: NativeSite,
  pos: Position,
): Value {
  let r: Value | typeof NONE;
  try {
    r = builtinBinary(op, a, b);
  } catch (e) {
    // The reference's built-in operators fail without a position (see `unplaced`).
    if (e instanceof RhaiRuntimeError) e.withoutReferencePosition();
    throw atPos(e, pos);
  }
  if (r !== NONE) {
    if (typeof r === "string" && ctx.limits.maxStringSize > 0) {
      // A concatenation: its size follows from the left side's, if that was counted.
      const added = typeof b === "string" ? b : b instanceof Char ? b.value : undefined;
      if (op === "+" && typeof a === "string" && added !== undefined)
        checkStringSize(ctx, r, pos, a, added);
      else checkStringSize(ctx, r, pos);
    } else if (
      typeof r === "object" &&
      (ctx.limits.maxArraySize > 0 || ctx.limits.maxMapSize > 0)
    ) {
      checkDataSize(ctx, r, pos);
    }
    return r;
  }
  const args = [a, b];
  const f = site.resolve(args);
  if (f !== undefined) {
    try {
      return f.fn(site as never, args) ?? undefined;
    } catch (e) {
      throw atPos(e, pos);
    }
  }
  switch (op) {
    case "==":
    case "!=":
      // Two of the reference's iterators of one kind (stepped ranges, chars(), bits()) have
      // no equality; values of different types are simply unequal.
      if (isOpaqueIterator(a) && isOpaqueIterator(b) && typeName(a) === typeName(b)) {
        throw notFound(op, [a, b], pos);
      }
      if (noComparison(op, a, b)) throw notFound(op, args, pos);
      return op === "==" ? valuesEqual(a, b) : !valuesEqual(a, b);
    case "<":
    case "<=":
    case ">":
    case ">=":
      if (noComparison(op, a, b)) throw notFound(op, args, pos);
      return false;
  }
  throw notFound(op, args, pos);
}

const NUMERIC = new Set(["i64", "f64", "u8"]);

/**
 * Whether a comparison the built-ins do not cover is ErrorFunctionNotFound in the reference
 * rather than false (`!=`: true). Values of unrelated types just compare unequal there, but
 * two numbers of different types (`u8` against `i64`), two values of one type without that
 * operator (`[] < []`, `Fn("a") == Fn("a")`), the two kinds of range, and a blob against a
 * char (a pair its built-ins know, for `+` only) are errors.
 */
function noComparison(op: string, a: Value, b: Value): boolean {
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta === tb) {
    if (ta === "()" || isHostValue(a)) return false;
    return op !== "==" && op !== "!=" ? true : ta === "Fn";
  }
  if (NUMERIC.has(ta) && NUMERIC.has(tb)) return true;
  if (ta === "blob" && tb === "char") return true;
  return ta.startsWith("range") && tb.startsWith("range");
}

/** `a op= b`: in place for containers, otherwise `a op b`. */
export function opAssign(
  ctx: EvalContext,
  op: string,
  a: Value,
  b: Value,
  site: NativeSite,
  opSite: NativeSite,
  pos: Position,
): Value {
  if (op === "+") {
    if (Array.isArray(a)) {
      // Element by element: spreading a large array into push() overflows the JS stack.
      if (Array.isArray(b)) for (const x of b) a.push(x);
      else a.push(b);
      return a;
    }
    if (a instanceof Map && b instanceof Map) {
      for (const [k, v] of b) a.set(k, v);
      return a;
    }
    if (a instanceof Blob && appendToBlob(a.bytes, b)) return a;
  }
  if (typeof a === "object" && !(a instanceof Float) && !(a instanceof Char)) {
    const args = [a, b];
    const f = site.resolve(args);
    if (f !== undefined) {
      try {
        f.fn(site as never, args);
      } catch (e) {
        throw atPos(e, pos);
      }
      return args[0];
    }
  }
  try {
    return binaryOp(ctx, op, a, b, opSite, pos);
  } catch (e) {
    // Unlike the plain operators, compound assignments report where they failed.
    if (e instanceof RhaiRuntimeError) e.unplaced = false;
    throw e;
  }
}

/**
 * `blob += x` in place for what the reference appends (a blob, an integer's low byte, a
 * string's or char's UTF-8); false for anything else (a `u8` from a blob loop, a float),
 * which is then looked up as an operator and not found.
 */
function appendToBlob(bytes: number[], b: Value): boolean {
  if (b instanceof Blob) for (const x of b.bytes) bytes.push(x);
  else if (typeof b === "number") bytes.push(b & 0xff);
  else if (typeof b === "string") for (const x of new TextEncoder().encode(b)) bytes.push(x);
  else if (b instanceof Char) for (const x of new TextEncoder().encode(b.value)) bytes.push(x);
  else return false;
  return true;
}

/** `x in container`. */
export function contains(ctx: EvalContext, container: Value, x: Value, pos: Position): boolean {
  if (Array.isArray(container)) {
    for (const v of container) if (valuesEqual(v, x) || userEquals(ctx, v, x, pos)) return true;
    return false;
  }
  if (container instanceof Map) {
    if (typeof x === "string") return container.has(x);
    if (x instanceof Char) return container.has(x.value);
  }
  if (typeof container === "string") {
    if (typeof x === "string") return container.includes(x);
    if (x instanceof Char) return container.includes(x.value);
  }
  if (container instanceof Range && (typeof x === "number" || typeof x === "bigint")) {
    return (
      int.compare(x, container.start) >= 0 &&
      (container.inclusive ? int.compare(x, container.end) <= 0 : int.compare(x, container.end) < 0)
    );
  }
  if (container instanceof Blob && typeof x === "number") return container.bytes.includes(x);
  const f = ctx.lib.resolve("contains", [container, x]);
  if (f !== undefined) {
    try {
      return f.fn(nativeCtx(ctx, "contains", pos), [container, x]) === true;
    } catch (e) {
      throw atPos(e, pos);
    }
  }
  throw notFound("contains", [container, x], pos);
}

function userEquals(ctx: EvalContext, a: Value, b: Value, pos: Position): boolean {
  if (!isHostValue(a)) return false;
  const f = ctx.lib.resolve("==", [a, b]);
  if (f === undefined) return false;
  try {
    return f.fn(nativeCtx(ctx, "==", pos), [a, b]) === true;
  } catch (e) {
    throw atPos(e, pos);
  }
}

/** A value whose `type_of` differs from its own type name: one of the iterators. */
function isOpaqueIterator(v: Value): boolean {
  return typeof v === "object" && v !== null && typeOf(v) !== typeName(v);
}

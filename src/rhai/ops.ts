// Built-in operators on the standard types, as the reference engine has them built in:
// arithmetic with exact i64 and int/float promotion, comparisons, equality across types,
// string concatenation, bit operations and shifts. The compiler calls these on its slow
// path (after the INT fast path); `undefined` from a `builtin*` function means "not built
// in for these types", and the caller then looks for a registered function.

import { RhaiRuntimeError } from "./errors.js";
import { floatPow } from "./float-pow.js";
import { toDisplay } from "./format.js";
import * as int from "./int.js";
import {
  Blob,
  Char,
  Float,
  FnPtr,
  type Int,
  Range,
  type RhaiMap,
  Timestamp,
  U8,
  u8,
  type Value,
} from "./value.js";

/** Marker for "no built-in implementation". */
export const NONE: unique symbol = Symbol("no builtin");
export type Builtin = Value | typeof NONE;

export function arith(detail: string): RhaiRuntimeError {
  return new RhaiRuntimeError("ErrorArithmetic", detail);
}

function isIntV(v: Value): v is Int {
  return typeof v === "number" || typeof v === "bigint";
}

function asFloat(v: Value): number | undefined {
  if (v instanceof Float) return v.value;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

function intOp(op: string, a: Int, b: Int): Builtin {
  let r: Int | null;
  switch (op) {
    case "+":
      r = int.add(a, b);
      if (r === null) throw arith(`Addition overflow: ${a} + ${b}`);
      return r;
    case "-":
      r = int.sub(a, b);
      if (r === null) throw arith(`Subtraction overflow: ${a} - ${b}`);
      return r;
    case "*":
      r = int.mul(a, b);
      if (r === null) throw arith(`Multiplication overflow: ${a} * ${b}`);
      return r;
    case "/":
      if (b === 0) throw arith(`Division by zero: ${a} / ${b}`);
      r = int.div(a, b);
      if (r === null) throw arith(`Division overflow: ${a} / ${b}`);
      return r;
    case "%":
      // The reference uses checked_rem: MIN % -1 fails like a zero divisor, same message.
      r = b === 0 || (b === -1 && a === int.I64_MIN) ? null : int.rem(a, b);
      if (r === null) throw arith(`Modulo division by zero or overflow: ${a} % ${b}`);
      return r;
    case "**":
      if (b < 0) throw arith(`Integer raised to a negative power: ${a} ** ${b}`);
      r = int.pow(a, b);
      if (r === null) throw arith(`Exponential overflow: ${a} ** ${b}`);
      return r;
    case "<<":
    case ">>": {
      let left = op === "<<";
      let n = b;
      if (n < 0) {
        left = !left;
        n = int.neg(n) ?? 64;
      }
      // Shifting every bit out leaves 0 (or the sign, shifting right), as the reference does.
      if (n >= 64) return left || a >= 0 ? 0 : -1;
      const big = int.toBig(a);
      return left ? int.wrapI64(big << int.toBig(n)) : int.normalise(big >> int.toBig(n));
    }
    case "&":
    case "|":
    case "^": {
      if (typeof a === "number" && typeof b === "number" && (a | 0) === a && (b | 0) === b) {
        return op === "&" ? a & b : op === "|" ? a | b : a ^ b;
      }
      const x = int.toBig(a);
      const y = int.toBig(b);
      return int.wrapI64(op === "&" ? x & y : op === "|" ? x | y : x ^ y);
    }
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return int.compare(a, b) < 0;
    case "<=":
      return int.compare(a, b) <= 0;
    case ">":
      return int.compare(a, b) > 0;
    case ">=":
      return int.compare(a, b) >= 0;
    case "..":
      return new Range(a, b, false);
    case "..=":
      return new Range(a, b, true);
  }
  return NONE;
}

function floatOp(op: string, a: number, b: number): Builtin {
  switch (op) {
    case "+":
      return new Float(a + b);
    case "-":
      return new Float(a - b);
    case "*":
      return new Float(a * b);
    case "/":
      return new Float(a / b);
    case "%":
      return new Float(a % b);
    case "**":
      return new Float(floatPow(a, b));
    case "==":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=":
      return floatCompare(op, a, b);
  }
  return NONE;
}

/**
 * Float comparison with a tolerance of one epsilon relative to the larger operand (an
 * absolute epsilon against zero), as the reference compares floats.
 */
function floatCompare(op: string, x: number, y: number): boolean {
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    // What the reference's epsilon arithmetic gives on non-finite operands (measured against
    // it): every comparison with an infinity is false, even `inf == inf`; with NaN only
    // `==`, `<=` and `>=` against a zero are true (its tests there are negated), the rest
    // false, so `NaN != NaN` is false.
    if (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY) return false;
    if (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY) return false;
    const againstZero = x === 0 || y === 0;
    return againstZero && (op === "==" || op === "<=" || op === ">=");
  }
  const eps = Number.EPSILON;
  const diff = x === 0 || y === 0 ? eps : Math.max(Math.abs(x), Math.abs(y)) * eps;
  switch (op) {
    case "==":
      return Math.abs(x - y) < diff;
    case "!=":
      return Math.abs(x - y) >= diff;
    case ">":
      return x - y >= diff;
    case ">=":
      return x - y >= -diff;
    case "<":
      return y - x >= diff;
    default:
      return y - x >= -diff;
  }
}

function compareOp(op: string, c: number): Builtin {
  switch (op) {
    case "==":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
  }
  return NONE;
}

function cmpStr(a: string, b: string): number {
  // Compare by code points, as Rust compares UTF-8 strings.
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Operators on the reference's `u8` (bytes a `for` loop takes from a blob): checked
 * arithmetic within 0..=255 and comparisons between two bytes; the power and shifts take an
 * `i64` count, as for every integer type there. Anything else is not built in.
 */
function byteOp(op: string, a: Value, b: Value): Builtin {
  if (!(a instanceof U8)) return NONE;
  const x = a.value;
  if (isIntV(b)) {
    if (op === "**") {
      if (b < 0) throw arith(`Integer raised to a negative power: ${x} ** ${b}`);
      const r = int.pow(x, b);
      if (r === null || r > 255) throw arith(`Exponential overflow: ${x} ** ${b}`);
      return u8(r as number);
    }
    if (op === "<<" || op === ">>") {
      // A negative count shifts the other way; shifting every bit out leaves 0 (unsigned).
      const left = (op === "<<") !== b < 0;
      const n = b < 0 ? -Number(b) : Number(b);
      if (n >= 8) return u8(0);
      return u8(left ? x << n : x >> n);
    }
    return NONE;
  }
  if (!(b instanceof U8)) return NONE;
  const y = b.value;
  let r: number;
  switch (op) {
    case "+":
      r = x + y;
      if (r > 255) throw arith(`Addition overflow: ${x} + ${y}`);
      return u8(r);
    case "-":
      r = x - y;
      if (r < 0) throw arith(`Subtraction overflow: ${x} - ${y}`);
      return u8(r);
    case "*":
      r = x * y;
      if (r > 255) throw arith(`Multiplication overflow: ${x} * ${y}`);
      return u8(r);
    case "/":
      if (y === 0) throw arith(`Division by zero: ${x} / ${y}`);
      return u8(Math.trunc(x / y));
    case "%":
      if (y === 0) throw arith(`Modulo division by zero or overflow: ${x} % ${y}`);
      return u8(x % y);
    case "&":
      return u8(x & y);
    case "|":
      return u8(x | y);
    case "^":
      return u8(x ^ y);
  }
  return compareOp(op, x - y);
}

/** A binary operator on two values, for the standard types; NONE when not built in. */
export function builtinBinary(op: string, a: Value, b: Value): Builtin {
  if (isIntV(a) && isIntV(b)) return intOp(op, a, b);
  // Two strings first: they are common, and the byte, float and blob tests below would all
  // fail for them (string loops paid for those tests: bench/RESULTS.md, session 9).
  if (typeof a === "string" && typeof b === "string") return stringOp(op, a, b);
  // Floats before bytes: more common, and a u8 is never a float operand (asFloat).
  if (a instanceof Float || b instanceof Float) {
    const x = asFloat(a);
    const y = asFloat(b);
    if (x !== undefined && y !== undefined) return floatOp(op, x, y);
  }
  if (a instanceof U8) {
    const r = byteOp(op, a, b);
    if (r !== NONE) return r;
  }
  const ta = typeof a;
  const tb = typeof b;
  if (op === "+") {
    // A BLOB joins a string as UTF-8 text: the string package has those functions.
    if (a instanceof Blob || b instanceof Blob) {
      if (a instanceof Blob && b instanceof Blob) return new Blob([...a.bytes, ...b.bytes]);
      // A char after a blob is appended as its UTF-8 bytes (built in there; not the reverse).
      if (a instanceof Blob && b instanceof Char)
        return new Blob([...a.bytes, ...new TextEncoder().encode(b.value)]);
      return NONE;
    }
    if (ta === "string") {
      if (tb === "string") return (a as string) + (b as string);
      if (b instanceof Char) return (a as string) + b.value;
      return (a as string) + toDisplay(b);
    }
    if (tb === "string") {
      if (a instanceof Char) return a.value + (b as string);
      return toDisplay(a) + (b as string);
    }
    if (a instanceof Char && b instanceof Char) return a.value + b.value;
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    if (a instanceof Map && b instanceof Map) {
      const m = new Map(a);
      for (const [k, v] of b) m.set(k, v);
      return m;
    }
    if (a instanceof Blob && b instanceof Blob) return new Blob([...a.bytes, ...b.bytes]);
  }
  if (op === "-" && ta === "string") {
    if (tb === "string") return (a as string).split(b as string).join("");
    if (b instanceof Char) return (a as string).split(b.value).join("");
  }
  if (ta === "string" && tb === "string") return compareOp(op, cmpStr(a as string, b as string));
  if (a instanceof Char && b instanceof Char) return compareOp(op, cmpStr(a.value, b.value));
  if (ta === "boolean" && tb === "boolean") {
    switch (op) {
      case "&":
        return (a as boolean) && (b as boolean);
      case "|":
        return (a as boolean) || (b as boolean);
      case "^":
        return a !== b;
      case "==":
        return a === b;
      case "!=":
        return a !== b;
      case "<":
      case "<=":
      case ">":
      case ">=":
        return compareOp(op, Number(a) - Number(b));
    }
  }
  if (a === undefined && b === undefined) {
    if (op === "==") return true;
    if (op === "!=") return false;
  }
  // String and char compare as strings in the reference ("a" == 'a').
  if (ta === "string" && b instanceof Char) return compareOp(op, cmpStr(a as string, b.value));
  if (a instanceof Char && tb === "string") return compareOp(op, cmpStr(a.value, b as string));
  return NONE;
}

/** A binary operator on two strings: `+` joins, `-` removes, comparisons by code point. */
function stringOp(op: string, a: string, b: string): Builtin {
  if (op === "+") return a + b;
  if (op === "-") return a.split(b).join("");
  return compareOp(op, cmpStr(a, b));
}

/** Structural equality, used for `==` on containers and by `in`. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (isIntV(a) || isIntV(b) || a instanceof Float || b instanceof Float) {
    const r = builtinBinary("==", a, b);
    return r === true;
  }
  if (a instanceof Char && b instanceof Char) return a.value === b.value;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !valuesEqual(v, b.get(k))) return false;
    }
    return true;
  }
  if (a instanceof Blob && b instanceof Blob) {
    return a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x === b.bytes[i]);
  }
  if (a instanceof Range && b instanceof Range) {
    return a.start === b.start && a.end === b.end && a.inclusive === b.inclusive;
  }
  if (a instanceof FnPtr && b instanceof FnPtr) return a.name === b.name && a.target === b.target;
  if (a instanceof Timestamp && b instanceof Timestamp) return a.millis === b.millis;
  return false;
}

/** A copy of a value for storing elsewhere: containers are values in Rhai, not references. */
export function copy(v: Value): Value {
  if (typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = new Array<Value>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      out[i] = typeof x === "object" ? copy(x) : x;
    }
    return out;
  }
  if (v instanceof Map) {
    const m: RhaiMap = new Map();
    for (const [k, x] of v) m.set(k, copy(x));
    return m;
  }
  if (v instanceof Blob) return new Blob(v.bytes.slice());
  return v;
}

/** Length of a string in UTF-8 bytes (the reference's string sizes are byte counts). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Totals of array elements, map entries and string bytes inside a value. */
export function dataSizes(
  v: Value,
  acc: [number, number, number] = [0, 0, 0],
): [number, number, number] {
  if (typeof v === "string") acc[2] += utf8Length(v);
  else if (Array.isArray(v)) {
    acc[0] += v.length;
    for (const x of v) if (typeof x === "object" || typeof x === "string") dataSizes(x, acc);
  } else if (v instanceof Map) {
    acc[1] += v.size;
    for (const x of v.values())
      if (typeof x === "object" || typeof x === "string") dataSizes(x, acc);
  } else if (v instanceof Blob) acc[0] += v.bytes.length;
  return acc;
}

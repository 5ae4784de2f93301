// Indexing: `c[i]` and `c[i] = v` on arrays, maps, strings (by character, or a slice by
// range), blobs and integers (a bit, or a bit-field by range), with the reference's bounds
// and type errors; other types through registered `index$get`/`index$set`.

import { boundsError, type Position, RhaiRuntimeError, typeMismatch } from "../errors.js";
import * as int from "../int.js";
import { Blob, Char, char, type Int, Range, typeName, typeOf, type Value } from "../value.js";
import { nativeCtx } from "./calls.js";
import type { EvalContext } from "./context.js";
import { display } from "./display.js";
import { atPos, rtErr } from "./errors.js";

/** `c[i]`. */
export function indexGet(
  ctx: EvalContext,
  c: Value,
  i: Value,
  pos: Position,
  at: Position = pos,
): Value {
  if (Array.isArray(c)) {
    if (typeof i === "number" || typeof i === "bigint") {
      const n = Number(i);
      const len = c.length;
      const k = n < 0 ? len + n : n;
      if (k < 0 || k >= len) {
        throw boundsError("Array", len, i).at(at);
      }
      return c[k];
    }
    // The reference indexes arrays by integers only (no slices by range).
    throw typeMismatch("i64", indexTypeName(i)).at(at);
  }
  if (c instanceof Map) {
    if (typeof i === "string") {
      const v = c.get(i);
      if (v === undefined && !c.has(i) && ctx.options.failOnInvalidMapProperty) {
        throw rtErr("ErrorPropertyNotFound", `Property not found: ${i}`, pos, i);
      }
      return v;
    }
    if (i instanceof Char) return c.get(i.value);
    throw typeMismatch("string", indexTypeName(i)).at(at);
  }
  if (typeof c === "string") {
    if (typeof i === "number" || typeof i === "bigint") {
      const ch = charAt(c, Number(i));
      if (ch === undefined) {
        throw boundsError("String", [...c].length, i).at(at);
      }
      return char(ch);
    }
    if (i instanceof Range) {
      const chars = [...c];
      const [from, count] = stringSlice(i, chars.length, pos);
      return chars.slice(from, from + count).join("");
    }
    throw typeMismatch("i64", indexTypeName(i)).at(at);
  }
  if (c instanceof Blob) {
    if (typeof i === "number") {
      const len = c.bytes.length;
      const k = i < 0 ? len + i : i;
      if (k < 0 || k >= len) throw boundsError("Array", len, i).at(at);
      return c.bytes[k];
    }
    throw typeMismatch("i64", indexTypeName(i)).at(at);
  }
  if (typeof c === "number" || typeof c === "bigint") {
    const big = int.toBig(c);
    if (typeof i === "number") {
      const bit = i < 0 ? 64 + i : i;
      if (bit < 0 || bit >= 64) throw boundsError("Bit-field", 64, i).at(at);
      return ((big >> BigInt(bit)) & 1n) === 1n;
    }
    if (i instanceof Range) {
      const [shift, width] = bitRange(i, pos);
      if (width === 0) return 0;
      const mask = (1n << BigInt(width)) - 1n;
      return int.wrapI64((BigInt.asUintN(64, big) >> BigInt(shift)) & mask);
    }
    // A bit-field takes integers or ranges only.
    if (ctx.lib.resolve("index$get", [c, i]) === undefined) {
      throw typeMismatch("i64", indexTypeName(i)).at(at);
    }
  }
  const f = ctx.lib.resolve("index$get", [c, i]);
  if (f !== undefined) {
    try {
      return f.fn(nativeCtx(ctx, "index$get", pos), [c, i]);
    } catch (e) {
      throw atPos(e, pos);
    }
  }
  throw indexingError(c, i, pos);
}

/** Start and length of a string slice by range, with the reference's rules. */
function stringSlice(r: Range, count: number, pos: Position): [number, number] {
  if (count === 0) return [0, 0];
  const at = (x: Int, isEnd: boolean): number => {
    const n = Number(x);
    if (n >= 0) return n;
    const k = count + n;
    if (k < 0) {
      if (isEnd) return 0;
      throw boundsError("String", count, x).at(pos);
    }
    return k;
  };
  const start = at(r.start, false);
  const end = at(r.end, true);
  const from = Math.min(start, count);
  if (r.inclusive) {
    if (start === 0 && end >= count - 1) return [0, count];
    return [from, Math.min(end > start ? end - start + 1 : 0, count - from)];
  }
  if (start === 0 && end >= count) return [0, count];
  return [from, Math.min(Math.max(end - start, 0), count - from)];
}

/** Shift and width of a bit-field range, with the reference's bounds checks. */
function bitRange(r: Range, pos: Position): [number, number] {
  const bad = (x: Int) => boundsError("Bit-field", 64, x).at(pos);
  const idx = (x: Int, allowEnd: boolean) => {
    const n = Number(x);
    if (n < 0 || n > 64 || (n === 64 && !allowEnd)) throw bad(x);
    return n;
  };
  const max = r.end === 9223372036854775807n;
  const start = idx(r.start, false);
  if (r.inclusive) {
    const end = max ? 63 : idx(r.end, false);
    return end < start ? [0, 0] : [start, end - start + 1];
  }
  const end = max ? 64 : idx(r.end, true);
  return end <= start ? [0, 0] : [start, end - start];
}

/** `c[i] = v`; returns the container (a new one for value types). */
export function indexSet(
  ctx: EvalContext,
  c: Value,
  i: Value,
  v: Value,
  pos: Position,
  at: Position = pos,
): Value {
  if (Array.isArray(c)) {
    if (typeof i === "number" || typeof i === "bigint") {
      const n = Number(i);
      const len = c.length;
      const k = n < 0 ? len + n : n;
      if (k < 0 || k >= len) {
        throw boundsError("Array", len, i).at(at);
      }
      c[k] = v;
      return c;
    }
    throw typeMismatch("i64", indexTypeName(i)).at(at);
  }
  if (c instanceof Map) {
    if (typeof i === "string") {
      c.set(i, v);
      return c;
    }
    if (i instanceof Char) {
      c.set(i.value, v);
      return c;
    }
    throw typeMismatch("string", indexTypeName(i)).at(at);
  }
  if (typeof c === "string") {
    const chars = [...c];
    if (typeof i === "number" || typeof i === "bigint") {
      const n = Number(i);
      const k = n < 0 ? chars.length + n : n;
      if (k < 0 || k >= chars.length) {
        throw boundsError("String", chars.length, i).at(at);
      }
      if (!(v instanceof Char)) throw typeMismatch("char", typeName(v)).at(pos);
      chars[k] = v.value;
      return chars.join("");
    }
    if (i instanceof Range) {
      const [from, count] = stringSlice(i, chars.length, pos);
      const text = typeof v === "string" ? v : v instanceof Char ? v.value : display(ctx, v);
      return chars.slice(0, from).join("") + text + chars.slice(from + count).join("");
    }
    throw typeMismatch("i64", indexTypeName(i)).at(at);
  }
  if (c instanceof Blob) {
    if (typeof i === "number") {
      const len = c.bytes.length;
      const k = i < 0 ? len + i : i;
      if (k < 0 || k >= len) throw boundsError("Array", len, i).at(at);
      if (typeof v !== "number") throw typeMismatch("i64", typeName(v)).at(pos);
      c.bytes[k] = v & 0xff;
      return c;
    }
  }
  if (typeof c === "number" || typeof c === "bigint") {
    const big = int.toBig(c);
    if (typeof i === "number") {
      const bit = i < 0 ? 64 + i : i;
      if (bit < 0 || bit >= 64) throw boundsError("Bit-field", 64, i).at(at);
      if (typeof v !== "boolean") throw typeMismatch("bool", typeName(v)).at(pos);
      const m = 1n << BigInt(bit);
      return int.wrapI64(v ? big | m : big & ~m);
    }
    if (i instanceof Range) {
      const [shift, width] = bitRange(i, pos);
      if (typeof v !== "number" && typeof v !== "bigint") {
        throw typeMismatch("i64", typeName(v)).at(pos);
      }
      if (width === 0) return c;
      const mask = ((1n << BigInt(width)) - 1n) << BigInt(shift);
      const val = (int.toBig(v) << BigInt(shift)) & mask;
      return int.wrapI64((big & ~mask) | val);
    }
    if (ctx.lib.resolve("index$set", [c, i, v]) === undefined) {
      throw typeMismatch("i64", indexTypeName(i)).at(at);
    }
  }
  const f = ctx.lib.resolve("index$set", [c, i, v]);
  if (f !== undefined) {
    const args = [c, i, v];
    try {
      f.fn(nativeCtx(ctx, "index$set", pos), args);
    } catch (e) {
      throw atPos(e, pos);
    }
    return args[0];
  }
  throw indexingError(c, i, pos);
}

/** The character at a code-point index (negative counts from the end), without splitting. */
function charAt(s: string, index: number): string | undefined {
  if (index >= 0) {
    let k = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const wide = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length;
      if (k === index) return wide ? s.slice(i, i + 2) : s[i];
      if (wide) i++;
      k++;
    }
    return undefined;
  }
  const chars = [...s];
  return chars[chars.length + index];
}

/** An index's type as the reference names it in a mismatch (ranges by their Rust type). */
function indexTypeName(i: Value): string {
  if (i instanceof Range)
    return `core::ops::range::${i.inclusive ? "RangeInclusive" : "Range"}<i64>`;
  return typeName(i);
}

/** ErrorIndexingType: no indexer for this container and index type. */
function indexingError(c: Value, i: Value, pos: Position): RhaiRuntimeError {
  // The reference names its iterators (`chars()`, stepped ranges) "range" here too.
  const what = `${typeOf(c)} [${typeName(i)}]`;
  return new RhaiRuntimeError("ErrorIndexingType", what, pos, undefined, undefined, { type: what });
}

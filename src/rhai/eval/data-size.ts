// Data-size limits (strings, arrays, maps). A value built anew is measured in full; a
// container changed in place is checked by its own count plus what went into it, so growing
// a value in a loop costs O(1) per step; a string near the limit is counted, once per
// append, by keeping the last count.

import type { Position } from "../errors.js";
import { dataSizes } from "../ops.js";
import { Blob, type Value } from "../value.js";
import type { EvalContext, StringSize } from "./context.js";
import { rtErr } from "./errors.js";

/** Fails with ErrorDataTooLarge when a value exceeds the size limits. */
export function checkDataSize(ctx: EvalContext, v: Value, pos: Position): void {
  if (typeof v === "string") {
    checkStringSize(ctx, v, pos);
    return;
  }
  if (typeof v !== "object") return;
  const [arrays, maps, strings] = dataSizes(v);
  raiseIfTooLarge(ctx, arrays, maps, strings, pos);
}

/**
 * A string's size in O(1) unless it is close to the limit: UTF-8 takes at least
 * one and at most three bytes per UTF-16 unit, so only a string between a third of the
 * limit and the limit (in units) needs counting.
 */
export function checkStringSize(
  ctx: EvalContext,
  s: string,
  pos: Position,
  base?: string,
  added?: string,
): void {
  const max = ctx.limits.maxStringSize;
  if (max === 0 || s.length * 3 <= max) return;
  if (s.length > max) throw rtErr("ErrorDataTooLarge", "Length of string too large", pos);
  // Counting walks the whole string and makes V8 flatten it (a copy): once per append,
  // building a string in a loop would be quadratic in the window (600k appends of 10
  // bytes took minutes). The last count is kept, so a string made by appending to the
  // string counted last (`s = base + added`) costs the size of what was added; `===` on
  // the same string object is a pointer comparison.
  const memo = ctx.lastStringSize;
  let size: StringSize;
  if (memo !== undefined && memo.s === s) size = memo;
  else if (memo !== undefined && base !== undefined && added !== undefined && memo.s === base)
    size = countUtf8(s, added, memo);
  else size = countUtf8(s, s);
  ctx.lastStringSize = size;
  if (size.bytes > max) throw rtErr("ErrorDataTooLarge", "Length of string too large", pos);
}

/**
 * A container changed in place (`c[k] = v`, `c += x`, a mutating method):
 * checks its own element count and the sizes of what was put into it, not the whole
 * nested value again, so growing a value in a loop costs O(1) per step rather than
 * O(size). `added` holds the new contents; with `spread`, a container of the same kind
 * among them was merged element by element (append, mixin), so its own count is already
 * in `c`'s.
 */
export function checkGrown(
  ctx: EvalContext,
  c: Value,
  added: readonly Value[],
  from: number,
  spread: boolean,
  pos: Position,
): void {
  const l = ctx.limits;
  if (l.maxArraySize === 0 && l.maxMapSize === 0 && l.maxStringSize === 0) return;
  if (typeof c === "string") {
    checkStringSize(ctx, c, pos);
    return;
  }
  let arrays = 0;
  let maps = 0;
  if (Array.isArray(c)) arrays = c.length;
  else if (c instanceof Map) maps = c.size;
  else if (c instanceof Blob) arrays = c.bytes.length;
  else return;
  let strings = 0;
  for (let i = from; i < added.length; i++) {
    const x = added[i];
    if (typeof x !== "object" && typeof x !== "string") continue;
    const sizes = dataSizes(x as Value);
    if (spread) {
      if (Array.isArray(x) && Array.isArray(c)) sizes[0] -= x.length;
      else if (x instanceof Map && c instanceof Map) sizes[1] -= x.size;
      else if (x instanceof Blob && c instanceof Blob) sizes[0] -= x.bytes.length;
    }
    arrays += sizes[0];
    maps += sizes[1];
    strings += sizes[2];
  }
  raiseIfTooLarge(ctx, arrays, maps, strings, pos);
}

function raiseIfTooLarge(
  ctx: EvalContext,
  arrays: number,
  maps: number,
  strings: number,
  pos: Position,
): void {
  const l = ctx.limits;
  if (l.maxArraySize > 0 && arrays > l.maxArraySize)
    throw rtErr("ErrorDataTooLarge", "Size of array too large", pos);
  if (l.maxMapSize > 0 && maps > l.maxMapSize)
    throw rtErr("ErrorDataTooLarge", "Size of object map too large", pos);
  if (l.maxStringSize > 0 && strings > l.maxStringSize) {
    throw rtErr("ErrorDataTooLarge", "Length of string too large", pos);
  }
}

/**
 * The size of `s` by counting `part` (its whole text, or what was appended to `before`'s
 * string), exactly as utf8Length would count `s`: a high surrogate counts 4 bytes and takes
 * the unit after it along, even across the join.
 */
function countUtf8(s: string, part: string, before?: StringSize): StringSize {
  let n = before?.bytes ?? 0;
  let i = before?.dangling ? 1 : 0;
  let dangling = before?.dangling === true && part.length === 0;
  for (; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
      if (i >= part.length) dangling = true;
    } else n += 3;
  }
  return { s, bytes: n, dangling };
}

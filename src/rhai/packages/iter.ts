// Ranges and iterators: `range(from, to[, step])` for integers and floats, character and
// bit iterators over strings and numbers, range properties, and what `for` walks over
// arrays, strings, blobs and ranges.

import { boundsError, RhaiRuntimeError } from "../errors.js";
import * as int from "../int.js";
import type { FunctionLibrary, Package } from "../native.js";
import {
  type Blob,
  char,
  Float,
  type HostObject,
  type Int,
  Range,
  RHAI_TYPE_NAME,
  RHAI_TYPE_OF,
  u8,
  type Value,
} from "../value.js";
import { getBits } from "./bit-field.js";
import { inFunctionCall, num, rangeStartLen, str } from "./util.js";

/**
 * A lazily evaluated sequence a `for` loop can walk (the reference's StepRange, CharsStream
 * and BitRange). Each walk starts afresh.
 */
export class RhaiIterator implements HostObject {
  readonly [RHAI_TYPE_NAME]: string;
  /** The reference's `type_of`, `to_string` and `to_debug` of these say "range". */
  readonly [RHAI_TYPE_OF] = "range";
  constructor(
    typeName: string,
    private readonly walk: () => Iterable<Value>,
  ) {
    this[RHAI_TYPE_NAME] = typeName;
  }
  iterate(): Iterable<Value> {
    return this.walk();
  }
  toString(): string {
    return "range";
  }
}

export const STEP_RANGE_INT = "StepRange<i64>";
export const STEP_RANGE_FLOAT = "StepRange<f64>";
export const CHARS_STREAM = "CharsStream";
export const BIT_RANGE = "BitRange";

function stepZero(): RhaiRuntimeError {
  const inner = new RhaiRuntimeError("ErrorArithmetic", "step value cannot be zero");
  return inFunctionCall("range", inner) as RhaiRuntimeError;
}

/**
 * Walks `from`, `from + step`, ... while short of `to` in the direction of travel (`dir` 1 or
 * -1; 0 walks nothing). A hand-written iterator: `for` loops over stepped ranges are hot.
 */
class IntSteps implements Iterator<Value>, Iterable<Value> {
  private readonly result: { done: boolean; value: Value } = { done: false, value: undefined };
  private next_: Int | null;

  constructor(
    from: Int,
    private readonly to: Int,
    private readonly step: Int,
    private readonly dir: number,
  ) {
    this.next_ = dir === 0 ? null : from;
  }

  [Symbol.iterator](): Iterator<Value> {
    return this;
  }

  next(): IteratorResult<Value> {
    const v = this.next_;
    if (v === null) return { done: true, value: undefined };
    let following: Int | null;
    if (typeof v === "number" && typeof this.step === "number" && typeof this.to === "number") {
      const n = v + this.step;
      following = Number.isSafeInteger(n) ? n : int.add(v, this.step);
      if (following !== null && (this.dir > 0 ? following >= this.to : following <= this.to))
        following = null;
    } else {
      following = int.add(v, this.step);
      if (following !== null) {
        const c = int.compare(following, this.to);
        if ((this.dir > 0 && c >= 0) || (this.dir < 0 && c <= 0)) following = null;
      }
    }
    this.next_ = following;
    this.result.value = v;
    return this.result as IteratorResult<Value>;
  }
}

/** An integer range with a step; backwards when from > to and the step is negative. */
export function intStepRange(from: Int, to: Int, step: Int): RhaiIterator {
  const first = int.add(from, step);
  let dir = 0;
  if (first !== null) {
    if (first === from) throw stepZero();
    const c = int.compare(from, to);
    if (c < 0 && int.compare(first, from) > 0) dir = 1;
    else if (c > 0 && int.compare(first, from) < 0) dir = -1;
  }
  return new RhaiIterator(STEP_RANGE_INT, () => new IntSteps(from, to, step, dir));
}

/** A float range with a step, as the reference's (unchecked) float StepRange. */
export function floatStepRange(from: number, to: number, step: number): RhaiIterator {
  const first = from + step;
  if (first === from) throw stepZero();
  let dir = 0;
  if (from < to && first > from) dir = 1;
  else if (from > to && first < from) dir = -1;
  return new RhaiIterator(STEP_RANGE_FLOAT, function* () {
    if (dir === 0) return;
    let v = from;
    while (true) {
      yield new Float(v);
      v += step;
      if ((dir > 0 && v >= to) || (dir < 0 && v <= to)) return;
    }
  });
}

/** The characters of `s` from `start` (negative counts from the end), at most `len`. */
export function charsStream(s: string, start: number, len: number): RhaiIterator {
  return new RhaiIterator(CHARS_STREAM, function* () {
    if (len <= 0) return;
    const chars = Array.from(s);
    const from = start >= 0 ? start : Math.max(chars.length + start, 0);
    const end = Math.min(chars.length, from + len);
    for (let i = from; i < end; i++) yield char(chars[i] as string);
  });
}

/** `len` bits of `value` from bit `from` (negative counts from the most significant bit). */
export function bitStream(value: Int, from: number, len: number): RhaiIterator {
  const start = from < 0 ? 64 + from : from;
  if (start < 0 || start >= 64) {
    throw boundsError("Bit-field", 64, from);
  }
  const count = len < 0 ? 0 : Math.min(len, 64 - start);
  const bits = count === 0 ? 0n : BigInt.asUintN(64, int.toBig(getBits(value, start, count)));
  return new RhaiIterator(BIT_RANGE, function* () {
    for (let i = 0; i < count; i++) yield ((bits >> BigInt(i)) & 1n) === 1n;
  });
}

function* walkRange(r: Range): Iterable<Value> {
  const { start, end, inclusive } = r;
  if (typeof start === "number" && typeof end === "number") {
    const last = inclusive ? end : end - 1;
    for (let i = start; i <= last; i++) yield i;
    return;
  }
  let v: Int = start;
  while (inclusive ? int.compare(v, end) <= 0 : int.compare(v, end) < 0) {
    yield v;
    const next = int.add(v, 1);
    if (next === null) return;
    v = next;
  }
}

function* walkString(s: string): Iterable<Value> {
  for (const ch of s) yield char(ch);
}

function registerIterators(lib: FunctionLibrary): void {
  lib.iterator("array", (v) => (v as Value[]).slice());
  lib.iterator("blob", (v) => (v as Blob).bytes.map(u8));
  lib.iterator("string", (v) => walkString(v as string));
  lib.iterator("range", (v) => walkRange(v as Range));
  lib.iterator("range=", (v) => walkRange(v as Range));
  for (const t of [STEP_RANGE_INT, STEP_RANGE_FLOAT, CHARS_STREAM, BIT_RANGE]) {
    lib.iterator(t, (v) => (v as unknown as RhaiIterator).iterate());
  }
}

export const iteratorPackage: Package = (lib) => {
  registerIterators(lib);
  const pure = { pure: true };

  lib.fn("range", ["i64", "i64"], (_ctx, [a, b]) => new Range(a as Int, b as Int, false), {
    ...pure,
    doc: "The exclusive range from..to; `for n in range(8, 18) {}`.",
  });
  lib.fn(
    "range",
    ["i64", "i64", "i64"],
    (_ctx, [a, b, s]) => intStepRange(a as Int, b as Int, s as Int),
    {
      ...pure,
      doc: "From..to in steps (backwards with a negative step); `range(18, 8, -3)`.",
    },
  );
  lib.fn(
    "range",
    ["range", "i64"],
    (_ctx, [r, s]) => intStepRange((r as Range).start, (r as Range).end, s as Int),
    {
      ...pure,
      doc: "An exclusive range walked in steps; `range(8..18, 3)`.",
    },
  );
  lib.fn(
    "range",
    ["f64", "f64", "f64"],
    (_ctx, [a, b, s]) => floatStepRange((a as Float).value, (b as Float).value, (s as Float).value),
    { ...pure, doc: "A float range in steps; `range(1.0, 2.0, 0.25)`." },
  );

  // Characters of a string.
  const chars = (_ctx: unknown, [s]: Value[]) => charsStream(str(s), 0, Number.MAX_SAFE_INTEGER);
  lib.fn("chars", ["string"], chars, {
    ...pure,
    doc: 'Iterates the characters; `for c in "abc".chars() {}`.',
  });
  lib.fn("get$chars", ["string"], chars, {
    ...pure,
    doc: "Iterates the characters of the string.",
  });
  lib.fn(
    "chars",
    ["string", "i64"],
    (_ctx, [s, from]) => charsStream(str(s), num(from), Number.MAX_SAFE_INTEGER),
    {
      ...pure,
      doc: "Iterates the characters from a position (negative counts from the end).",
    },
  );
  lib.fn(
    "chars",
    ["string", "i64", "i64"],
    (_ctx, [s, from, len]) => charsStream(str(s), num(from), num(len)),
    {
      ...pure,
      doc: "Iterates `len` characters from a position; `s.chars(2, 4)`.",
    },
  );
  for (const rt of ["range", "range="]) {
    lib.fn(
      "chars",
      ["string", rt],
      (_ctx, [s, r]) => {
        const [start, len] = rangeStartLen(r as Range);
        return charsStream(str(s), start, len);
      },
      { ...pure, doc: "Iterates a range of characters; `s.chars(2..5)`." },
    );
  }

  // Bits of an integer.
  const allBits = (_ctx: unknown, [x]: Value[]) => bitStream(x as Int, 0, 64);
  lib.fn("bits", ["i64"], allBits, {
    ...pure,
    doc: "Iterates all 64 bits, least significant first.",
  });
  lib.fn("get$bits", ["i64"], allBits, {
    ...pure,
    doc: "Iterates all 64 bits, least significant first.",
  });
  lib.fn("bits", ["i64", "i64"], (_ctx, [x, from]) => bitStream(x as Int, num(from), 64), {
    ...pure,
    doc: "Iterates the bits from a position (negative counts from the most significant).",
  });
  lib.fn(
    "bits",
    ["i64", "i64", "i64"],
    (_ctx, [x, from, len]) => bitStream(x as Int, num(from), num(len)),
    {
      ...pure,
      doc: "Iterates `len` bits from a position; `x.bits(10, 8)`.",
    },
  );
  for (const rt of ["range", "range="]) {
    lib.fn(
      "bits",
      ["i64", rt],
      (_ctx, [x, r]) => {
        const [start, len] = rangeStartLen(r as Range);
        return bitStream(x as Int, start, len);
      },
      { ...pure, doc: "Iterates a range of bits; `x.bits(10..24)`." },
    );
  }

  // Range properties.
  for (const rt of ["range", "range="]) {
    const inclusive = rt === "range=";
    const props: [string, (r: Range) => Value, string][] = [
      ["start", (r) => r.start, "Start of the range."],
      ["end", (r) => r.end, "End of the range."],
      ["is_inclusive", () => inclusive, "True if the range includes its end."],
      ["is_exclusive", () => !inclusive, "True if the range excludes its end."],
      [
        "is_empty",
        (r) => (inclusive ? int.compare(r.start, r.end) > 0 : int.compare(r.start, r.end) >= 0),
        "True if the range holds no number.",
      ],
    ];
    for (const [name, get, doc] of props) {
      const fn = (_ctx: unknown, [r]: Value[]) => get(r as Range);
      lib.fn(name, [rt], fn, { ...pure, doc });
      lib.fn(`get$${name}`, [rt], fn, { ...pure, doc });
    }
    lib.fn(
      "contains",
      [rt, "i64"],
      (_ctx, [r, v]) => {
        const range = r as Range;
        const x = v as Int;
        const above = int.compare(x, range.start) >= 0;
        const c = int.compare(x, range.end);
        return above && (inclusive ? c <= 0 : c < 0);
      },
      { ...pure, doc: "True if the range holds the number; also drives `in`." },
    );
  }
};

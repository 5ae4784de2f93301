// The dynamic values a Rhai script handles, and how they are represented in JavaScript.
//
// The representation is chosen for speed in the interpreter's hot paths:
// - INT (i64) is a JS `number` while it is a safe integer and a `bigint` beyond that, so
//   ordinary arithmetic never allocates; `int.ts` keeps every result exact and normalised
//   (a bigint that fits in a safe integer is always turned back into a number).
// - FLOAT (f64) is boxed in `Float`, so that a number is never ambiguous: `typeof v ===
//   "number"` always means INT.
// - unit `()` is `undefined`; bool is a JS boolean; a string is an immutable JS string.
// - char is boxed in `Char` (one Unicode code point).
// - array is a JS array of values; an object map is a JS `Map` (printed with sorted keys,
//   as the reference's BTreeMap); a blob is a `Blob` of byte values.
// - Functions that mutate a value in place (`&mut` first parameter in the reference) get
//   it as `args[0]` and may replace it; the evaluator writes it back to where it came from.

export class Float {
  constructor(readonly value: number) {}
}

export class Char {
  constructor(readonly value: string) {}
}

/** A byte buffer. `bytes` holds integers 0..=255. */
export class Blob {
  constructor(public bytes: number[] = []) {}
}

/**
 * A byte taken out of a BLOB by a `for` loop. The reference walks a blob as Rust `u8`
 * values, a type of its own: it prints as a number, has its own checked arithmetic (within
 * 0..=255) and comparisons, and mixing it with an `i64` is ErrorFunctionNotFound. Indexing
 * and `get` give ordinary integers; only iteration produces these. Use `u8()` to get one.
 */
export class U8 {
  constructor(readonly value: number) {}
  toString(): string {
    return String(this.value);
  }
}

const BYTES: U8[] = Array.from({ length: 256 }, (_, i) => new U8(i));

/** The shared `U8` for a byte value (0..=255, wrapped), so loops over blobs never allocate. */
export function u8(n: number): U8 {
  return BYTES[n & 0xff] as U8;
}

/** An integer range: `a..b` (exclusive) or `a..=b` (inclusive). */
export class Range {
  constructor(
    readonly start: Int,
    readonly end: Int,
    readonly inclusive: boolean,
  ) {}
}

/** A point in time, from a monotonic clock (milliseconds). */
export class Timestamp {
  constructor(readonly millis: number) {}
}

/**
 * A function pointer: a function's name plus curried arguments. `target` is set by the
 * evaluator for closures and script functions (opaque to everyone else).
 */
export class FnPtr {
  constructor(
    readonly name: string,
    readonly curried: readonly Value[] = [],
    readonly target?: unknown,
  ) {}
}

/**
 * Values of types a host registers (a SAL result, an Osiris note builder...). The type's
 * name, as `type_of` reports it, is read from this symbol on the object or its prototype.
 */
export const RHAI_TYPE_NAME: unique symbol = Symbol.for("rhai.typeName");
export interface HostObject {
  readonly [RHAI_TYPE_NAME]: string;
}

/**
 * What `type_of` says for a host type when it differs from the name functions are resolved
 * by: the reference's iterators (stepped ranges, `chars()`, `bits()`) all say "range".
 */
export const RHAI_TYPE_OF: unique symbol = Symbol.for("rhai.typeOf");

/** `type_of` of a value. */
export function typeOf(v: Value): string {
  const shown = (v as { [RHAI_TYPE_OF]?: string } | undefined)?.[RHAI_TYPE_OF];
  return typeof shown === "string" ? shown : typeName(v);
}

export type Int = number | bigint;
export type RhaiMap = Map<string, Value>;

export type Value =
  | undefined
  | boolean
  | Int
  | Float
  | Char
  | string
  | Value[]
  | RhaiMap
  | Blob
  | Range
  | Timestamp
  | FnPtr
  | U8
  | HostObject;

/** Type names as the reference's `type_of` returns them. */
export function typeName(v: Value): string {
  switch (typeof v) {
    case "undefined":
      return "()";
    case "boolean":
      return "bool";
    case "number":
    case "bigint":
      return "i64";
    case "string":
      return "string";
  }
  if (v instanceof Float) return "f64";
  if (v instanceof Char) return "char";
  if (Array.isArray(v)) return "array";
  if (v instanceof Map) return "map";
  if (v instanceof Blob) return "blob";
  if (v instanceof FnPtr) return "Fn";
  if (v instanceof Range) return v.inclusive ? "range=" : "range";
  if (v instanceof Timestamp) return "timestamp";
  if (v instanceof U8) return "u8";
  const name = (v as Partial<HostObject>)[RHAI_TYPE_NAME];
  return typeof name === "string" ? name : "unknown";
}

export function isInt(v: Value): v is Int {
  return typeof v === "number" || typeof v === "bigint";
}

const ASCII_CHARS: Char[] = Array.from({ length: 128 }, (_, i) => new Char(String.fromCharCode(i)));

/** A `Char` for a one-code-point string, shared for ASCII so common chars never allocate. */
export function char(s: string): Char {
  if (s.length === 1) {
    const code = s.charCodeAt(0);
    if (code < 128) return ASCII_CHARS[code] as Char;
  }
  return new Char(s);
}

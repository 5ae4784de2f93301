// Rhai values and plain data: what JSON APIs, drivers and text output deal in. One pair of
// conversions for every host package (Hetzner and Kubernetes answers, PostgreSQL rows and
// parameters, heroscript's JSON lines), so a number or a NULL means the same everywhere.

import {
  Blob,
  Char,
  Float,
  FnPtr,
  int,
  type RhaiMap,
  typeName,
  U8,
  type Value,
} from "../rhai/index.js";

/**
 * Plain data as a Rhai value: null and undefined are `()`, objects are maps, whole numbers
 * INT (a bigint exactly, when it fits i64; its digits as a string beyond), other numbers
 * FLOAT, a Date its ISO text, bytes a blob. Rhai values in the data pass as they are.
 */
export function fromPlain(v: unknown): Value {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isSafeInteger(v) ? v : new Float(v);
    case "bigint":
      return int.fromBig(v) ?? String(v);
    case "object":
      break;
    default:
      return String(v);
  }
  if (v instanceof Float || v instanceof Char || v instanceof Blob) return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return new Blob([...v]);
  if (Array.isArray(v)) return v.map(fromPlain);
  const m: RhaiMap = new Map();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromPlain(x));
  return m;
}

export interface ToPlainOptions {
  /** Integers beyond 2^53 as bigints (for a writer that prints their digits), not strings. */
  readonly bigints?: boolean;
  /** What a blob becomes; by default it is an error (JSON has no bytes). */
  readonly blob?: (bytes: readonly number[]) => unknown;
  /** What any other value becomes (a function pointer, a host object); by default an error. */
  readonly other?: (v: Value, where: string) => unknown;
}

/**
 * A script's value as JSON-shaped data: `()` is null, maps are objects, FLOAT and char their
 * number and text, integers beyond 2^53 their digits as a string. `where` names the value
 * (`params[2].name`) in the error for what JSON cannot hold.
 */
export function toPlain(v: Value, where = "value", options: ToPlainOptions = {}): unknown {
  if (v === undefined) return null;
  switch (typeof v) {
    case "string":
    case "boolean":
    case "number":
      return v;
    case "bigint":
      return options.bigints ? v : v.toString();
  }
  if (v instanceof Float) return v.value;
  if (v instanceof Char) return v.value;
  // A byte a script took from a blob in a loop: a number to everyone outside the engine.
  if (v instanceof U8) return v.value;
  if (Array.isArray(v)) return v.map((x, i) => toPlain(x, `${where}[${i}]`, options));
  if (v instanceof Map) {
    // No prototype: a key such as "__proto__" stays a field instead of changing the object.
    const o = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of v) o[k] = toPlain(x, `${where}.${k}`, options);
    return o;
  }
  if (v instanceof Blob && options.blob) return options.blob(v.bytes);
  if (options.other) return options.other(v, where);
  const what = v instanceof FnPtr ? "a function pointer" : typeName(v);
  throw new Error(`${where} cannot be sent as JSON: ${what}`);
}

/**
 * JSON text for plain data such as `toPlain` gives, where a bigint prints as its digits
 * (JSON.stringify refuses bigints, and a string would change the value's type).
 */
export function jsonText(plain: unknown): string {
  if (typeof plain === "bigint") return String(plain);
  if (Array.isArray(plain)) return `[${plain.map(jsonText).join(",")}]`;
  if (plain !== null && typeof plain === "object") {
    const fields = Object.entries(plain).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(plain) ?? "null";
}

/** A field of a parsed JSON object, when the object is one. */
export function field(o: unknown, key: string): unknown {
  return o !== null && typeof o === "object" && !Array.isArray(o)
    ? (o as Record<string, unknown>)[key]
    : undefined;
}

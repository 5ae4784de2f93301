// Rhai values in a form that survives the structured clone between threads, and back.
//
// Structured clone keeps primitives, bigints, arrays and Maps as they are, so those pass
// untouched (the common case costs one type check). Our boxed values (Float, Char, Blob)
// would arrive as plain objects without their prototype, so they travel as small tagged
// objects instead. A Rhai value never is a plain object, so a tag cannot be mistaken for
// data. Function pointers, ranges, timestamps and host objects stay on their side.

import { Blob, Char, char, Float, int, typeName, type Value } from "../rhai/index.js";

export type WireValue =
  | undefined
  | boolean
  | number
  | bigint
  | string
  | WireValue[]
  | Map<string, WireValue>
  | { readonly $: "f"; readonly v: number }
  | { readonly $: "c"; readonly v: string }
  | { readonly $: "b"; readonly v: Uint8Array };

/** A value that cannot be sent across the bridge, or a wire value that is not one of ours. */
export class BridgeValueError extends Error {
  override readonly name = "BridgeValueError";
}

// Tests load the engine from sources and host modules from dist side by side, so a value may
// come from another copy of the same class: fall back to its constructor's name.
function isA<T extends object>(
  v: object,
  cls: abstract new (...args: never[]) => T,
  name: string,
): v is T {
  return v instanceof cls || v.constructor?.name === name;
}

/**
 * Encodes a value for the other thread. Lenient with what host code naturally returns: a
 * fractional JS number becomes a FLOAT, `null` becomes unit, a Uint8Array becomes a blob.
 */
export function encodeValue(v: unknown): WireValue {
  switch (typeof v) {
    case "undefined":
    case "boolean":
    case "string":
      return v;
    case "number":
      return Number.isSafeInteger(v) ? v : { $: "f", v };
    case "bigint": {
      const n = int.fromBig(v);
      if (n === null) throw new BridgeValueError(`integer ${v} is outside the 64-bit range`);
      return n;
    }
    case "object":
      break;
    default:
      throw new BridgeValueError(`a JavaScript ${typeof v} is not a Rhai value`);
  }
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v instanceof Map) {
    const out = new Map<string, WireValue>();
    for (const [k, x] of v) {
      if (typeof k !== "string") throw new BridgeValueError("a map key must be a string");
      out.set(k, encodeValue(x));
    }
    return out;
  }
  if (isA(v, Float, "Float")) return { $: "f", v: v.value };
  if (isA(v, Char, "Char")) return { $: "c", v: v.value };
  if (isA(v, Blob, "Blob")) return { $: "b", v: Uint8Array.from(v.bytes) };
  if (v instanceof Uint8Array) return { $: "b", v: Uint8Array.from(v) };
  throw new BridgeValueError(
    `a value of type ${typeName(v as Value)} cannot cross between the script and the runner ` +
      "(only (), bool, integers, floats, chars, strings, arrays, maps and blobs can)",
  );
}

/** Decodes a value received from the other thread. */
export function decodeValue(w: WireValue): Value {
  switch (typeof w) {
    case "undefined":
    case "boolean":
    case "number":
    case "bigint":
    case "string":
      return w;
  }
  if (Array.isArray(w)) return w.map(decodeValue);
  if (w instanceof Map) {
    const out = new Map<string, Value>();
    for (const [k, x] of w) out.set(k, decodeValue(x));
    return out;
  }
  switch (w?.$) {
    case "f":
      return new Float(w.v);
    case "c":
      return char(w.v);
    case "b":
      return new Blob(Array.from(w.v));
  }
  throw new BridgeValueError("unexpected value on the bridge");
}

// Plain JSON-shaped data (what HTTP APIs send and take) to Rhai values and back. Shared by
// the k8s, vm and hetzner modules; numbers keep their kind (whole numbers are INT).

import { Char, Float, type RhaiMap, typeName, type Value } from "../../rhai/index.js";

/** JSON-shaped data as a Rhai value: null is `()`, objects are maps, whole numbers INT. */
export function fromPlain(v: unknown): Value {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isSafeInteger(v) ? v : new Float(v);
    case "bigint":
      return String(v);
  }
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === "object") {
    const m: RhaiMap = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromPlain(x));
    return m;
  }
  return String(v);
}

/** A script's value as JSON-shaped data; `where` names it in the error for other types. */
export function toPlain(v: Value, where: string): unknown {
  if (v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "number") return v;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Float) return v.value;
  if (v instanceof Char) return v.value;
  if (Array.isArray(v)) return v.map((x, i) => toPlain(x, `${where}[${i}]`));
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k] = toPlain(x, `${where}.${k}`);
    return o;
  }
  throw new Error(`${where} cannot be sent as JSON: ${typeName(v)}`);
}

/** A field of a parsed JSON object, when the object is one. */
export function field(o: unknown, key: string): unknown {
  return o !== null && typeof o === "object" && !Array.isArray(o)
    ? (o as Record<string, unknown>)[key]
    : undefined;
}

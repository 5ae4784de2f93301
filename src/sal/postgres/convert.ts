// Values between Rhai and PostgreSQL. Parameters go to the server bound (never pasted into
// SQL); results come back as Rhai values: integers as INT (int8 exactly, as a bigint when
// needed), floats as FLOAT, numeric and dates as their text (no precision or zone lost),
// json as maps and arrays, bytea as a blob, NULL as `()`.

import type { CustomTypesConfig } from "pg";
import {
  Blob,
  Char,
  Float,
  FnPtr,
  int,
  type RhaiMap,
  typeName,
  type Value,
} from "../../rhai/index.js";

const OID = {
  int8: 20,
  float4: 700,
  float8: 701,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  time: 1083,
  timetz: 1266,
  interval: 1186,
} as const;

type PgTypes = { getTypeParser: CustomTypesConfig["getTypeParser"] };

/** Type parsers for our pools: the library's, except where the Rhai value must differ. */
export function pgTypes(base: PgTypes): CustomTypesConfig {
  const asText = (s: string) => s;
  const parsers = new Map<number, (s: string) => unknown>([
    [OID.int8, (s) => int.normalise(BigInt(s))],
    [OID.float4, (s) => new Float(Number(s))],
    [OID.float8, (s) => new Float(Number(s))],
    [OID.numeric, asText],
    [OID.date, asText],
    [OID.timestamp, asText],
    [OID.timestamptz, asText],
    [OID.time, asText],
    [OID.timetz, asText],
    [OID.interval, asText],
  ]);
  return {
    getTypeParser: ((oid: number, format?: "text" | "binary") =>
      (format ?? "text") === "text" && parsers.has(oid)
        ? parsers.get(oid)
        : base.getTypeParser(oid, format as "text")) as CustomTypesConfig["getTypeParser"],
  };
}

/** A value the pg driver produced, as a Rhai value. */
export function toRhai(v: unknown): Value {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isSafeInteger(v) ? v : new Float(v);
    case "bigint":
      return int.normalise(v);
  }
  if (v instanceof Float) return v;
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return new Blob([...v]);
  if (Array.isArray(v)) return v.map(toRhai);
  if (typeof v === "object") {
    const m: RhaiMap = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, toRhai(x));
    return m;
  }
  return String(v);
}

/** A script's value as a bound parameter. Maps go as JSON; unsupported types are an error. */
export function toParam(v: Value, where: string): unknown {
  if (v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "number") return v;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Float) return v.value;
  if (v instanceof Char) return v.value;
  if (v instanceof Blob) return Buffer.from(v.bytes);
  if (Array.isArray(v)) return v.map((x, i) => toParam(x, `${where}[${i}]`));
  if (v instanceof Map) return JSON.stringify(toJson(v, where));
  throw new Error(`${where} cannot be sent to PostgreSQL: ${typeName(v)}`);
}

function toJson(v: Value, where: string): unknown {
  if (v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "number") return v;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Float) return v.value;
  if (v instanceof Char) return v.value;
  if (Array.isArray(v)) return v.map((x) => toJson(x, where));
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k] = toJson(x, `${where}.${k}`);
    return o;
  }
  if (v instanceof FnPtr) throw new Error(`${where} cannot be stored as JSON: a function pointer`);
  throw new Error(`${where} cannot be stored as JSON: ${typeName(v)}`);
}

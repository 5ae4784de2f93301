// Values between Rhai and PostgreSQL. Parameters go to the server bound (never pasted into
// SQL); results come back as Rhai values (the kit's `fromPlain`, over these type parsers): integers as INT (int8 exactly, as a bigint when
// needed), floats as FLOAT, numeric and dates as their text (no precision or zone lost),
// json as maps and arrays, bytea as a blob, NULL as `()`.

import type { CustomTypesConfig } from "pg";
import { toPlain } from "../../host/index.js";
import { Blob, Float, int, typeName, type Value } from "../../rhai/index.js";

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

/** A script's value as a bound parameter. Maps go as JSON; unsupported types are an error. */
export function toParam(v: Value, where: string): unknown {
  if (v instanceof Blob) return Buffer.from(v.bytes);
  if (Array.isArray(v)) return v.map((x, i) => toParam(x, `${where}[${i}]`));
  if (v instanceof Map) return JSON.stringify(toPlain(v, where));
  return toPlain(v, where, {
    other: (x) => {
      throw new Error(`${where} cannot be sent to PostgreSQL: ${typeName(x)}`);
    },
  });
}

// SAL results as text a heroscript prints or keeps in a session variable. A query row is a
// JSON object (columns in the query's order), so `postgres.query` prints JSON lines that
// tools such as jq read; integers beyond 2^53 keep every digit.
import { Blob, Char, Float, typeName, type Value } from "../../rhai/index.js";

/** One value as JSON text. */
export function jsonText(v: Value): string {
  if (v === undefined) return "null";
  switch (typeof v) {
    case "boolean":
      return String(v);
    case "number":
    case "bigint":
      // A bigint's digits are a valid JSON number; JSON.stringify refuses bigints.
      return String(v);
    case "string":
      return JSON.stringify(v);
  }
  if (v instanceof Float) return Number.isFinite(v.value) ? String(v.value) : "null";
  if (v instanceof Char) return JSON.stringify(v.value);
  // Bytes as PostgreSQL writes bytea in text: \x and hex digits.
  if (v instanceof Blob) return JSON.stringify(`\\x${Buffer.from(v.bytes).toString("hex")}`);
  if (Array.isArray(v)) return `[${v.map(jsonText).join(",")}]`;
  if (v instanceof Map) {
    const fields = [...v].map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(`<${typeName(v)}>`);
}

/** A single value as plain text: strings as they are, `()` as undefined, the rest as JSON. */
export function plainText(v: Value): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  if (v instanceof Char) return v.value;
  return jsonText(v);
}

// SAL results as text a heroscript prints or keeps in a session variable. A query row is a
// JSON object (columns in the query's order), so `postgres.query` prints JSON lines that
// tools such as jq read; integers beyond 2^53 keep every digit.
import { jsonText as plainJson, toPlain } from "../../host/index.js";
import { Char, typeName, type Value } from "../../rhai/index.js";

/** One value as JSON text: bigints keep their digits, bytes as bytea's `\x` hex text. */
export function jsonText(v: Value): string {
  return plainJson(
    toPlain(v, "value", {
      bigints: true,
      // Bytes as PostgreSQL writes bytea in text: \x and hex digits.
      blob: (bytes) => `\\x${Buffer.from(bytes).toString("hex")}`,
      other: (x) => `<${typeName(x)}>`,
    }),
  );
}

/** A single value as plain text: strings as they are, `()` as undefined, the rest as JSON. */
export function plainText(v: Value): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  if (v instanceof Char) return v.value;
  return jsonText(v);
}

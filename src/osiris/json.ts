// Rhai values to JSON text and back, exactly.
//
// Objects are stored as JSON so that any Redis client can read them, but JSON numbers lose
// two distinctions a script cares about: INT versus FLOAT (`2` and `2.0`) and i64 values
// beyond 2^53. So we write every FLOAT with a fraction or exponent, every INT as plain
// digits, and read with a small parser that looks at the digits instead of `JSON.parse`
// (which turns both into one double).

import {
  Blob,
  Char,
  Float,
  type RhaiMap,
  RhaiRuntimeError,
  typeName,
  U8,
  type Value,
} from "../rhai/index.js";

function fail(message: string): never {
  throw new RhaiRuntimeError("ErrorRuntime", message);
}

/** JSON text for a value made of unit, bool, INT, FLOAT, char, string, array and map. */
export function toJson(value: Value, path = "value"): string {
  switch (typeof value) {
    case "undefined":
      return "null";
    case "boolean":
      return value ? "true" : "false";
    case "number":
    case "bigint":
      return String(value);
    case "string":
      return JSON.stringify(value);
  }
  // A byte a loop took from a blob: the number it is.
  if (value instanceof U8) return String(value.value);
  if (value instanceof Float) {
    const x = value.value;
    if (!Number.isFinite(x)) fail(`${path} is ${x}, which JSON cannot hold`);
    const s = String(x);
    // String(2) is "2": keep the fraction so the value reads back as a FLOAT.
    return /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (value instanceof Char) return JSON.stringify(value.value);
  if (Array.isArray(value)) return `[${value.map((v, i) => toJson(v, `${path}[${i}]`)).join(",")}]`;
  if (value instanceof Map) {
    const parts: string[] = [];
    for (const [k, v] of value) parts.push(`${JSON.stringify(k)}:${toJson(v, `${path}.${k}`)}`);
    return `{${parts.join(",")}}`;
  }
  if (value instanceof Blob)
    fail(`${path} is a blob, which cannot be stored (convert it to an array)`);
  return fail(`${path} is a ${typeName(value)}, which cannot be stored`);
}

/** A JSON document as Rhai values: integers become INT (exact), other numbers FLOAT. */
export function fromJson(text: string): Value {
  const parser = new JsonReader(text);
  const value = parser.value();
  parser.end();
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

class JsonReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  end(): void {
    this.skip();
    if (this.pos < this.text.length) this.error("unexpected text after the value");
  }

  value(): Value {
    this.skip();
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", undefined);
      default:
        return this.number();
    }
  }

  private object(): RhaiMap {
    const map: RhaiMap = new Map();
    this.pos++;
    this.skip();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return map;
    }
    for (;;) {
      this.skip();
      if (this.text[this.pos] !== '"') this.error("expected a property name");
      const key = this.string();
      this.skip();
      if (this.text[this.pos] !== ":") this.error("expected ':'");
      this.pos++;
      map.set(key, this.value());
      this.skip();
      const c = this.text[this.pos++];
      if (c === "}") return map;
      if (c !== ",") this.error("expected ',' or '}'");
    }
  }

  private array(): Value[] {
    const items: Value[] = [];
    this.pos++;
    this.skip();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.skip();
      const c = this.text[this.pos++];
      if (c === "]") return items;
      if (c !== ",") this.error("expected ',' or ']'");
    }
  }

  private string(): string {
    // Find the closing quote (skipping escapes) and let JSON.parse decode the escapes.
    const start = this.pos;
    let i = start + 1;
    for (; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === "\\") i++;
      else if (c === '"') break;
    }
    if (i >= this.text.length) this.error("unterminated string");
    this.pos = i + 1;
    return JSON.parse(this.text.slice(start, i + 1)) as string;
  }

  private literal<T extends Value>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.error("unexpected character");
    this.pos += word.length;
    return value;
  }

  private number(): Value {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.error("unexpected character");
    this.pos += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new Float(Number(m[0]));
    const n = Number(m[0]);
    if (Number.isSafeInteger(n)) return n;
    const big = BigInt(m[0]);
    // Beyond i64 the number can only be a FLOAT, as Rhai's own JSON reading does.
    return big < I64_MIN || big > I64_MAX ? new Float(n) : big;
  }

  private skip(): void {
    while (this.pos < this.text.length && " \t\n\r".includes(this.text[this.pos] as string))
      this.pos++;
  }

  private error(message: string): never {
    throw new Error(`invalid JSON at offset ${this.pos}: ${message}`);
  }
}

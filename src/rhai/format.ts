// How values become text: `to_string` (print, interpolation, job output) and `to_debug`
// (debug, and elements inside containers), following the reference's Display and Debug.

import { I64_MAX } from "./int.js";
import { Blob, Char, Float, FnPtr, Range, RHAI_TYPE_NAME, Timestamp, type Value } from "./value.js";

/** Rust's `{:e}` for f64: shortest mantissa, exponent without sign padding ("1e20", "1.5e-14"). */
function rustExp(x: number): string {
  const [mantissa = "", exponent = "0"] = x.toExponential().split("e");
  return `${mantissa}e${Number(exponent)}`;
}

/** Rust's Display for f64: never an exponent, shortest round-trip digits. */
export function rustPlain(x: number): string {
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e21 || abs < 1e-6)) {
    // JS would switch to exponent form here; Rust writes every digit.
    const s = abs.toExponential();
    const [m = "", e = "0"] = s.split("e");
    const exp = Number(e);
    const digits = m.replace(".", "");
    const pointAt = 1 + exp;
    let out: string;
    if (pointAt <= 0) out = `0.${"0".repeat(-pointAt)}${digits}`;
    else if (pointAt >= digits.length) out = digits + "0".repeat(pointAt - digits.length);
    else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
    return x < 0 ? `-${out}` : out;
  }
  return String(x);
}

/** The reference's Display of a FLOAT. */
export function floatToString(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const abs = Math.abs(x);
  if (abs === 0) return "0.0";
  if (abs > 1e13 || abs < 1e-13) return rustExp(x);
  const s = rustPlain(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** Rust's Debug of f64 (used inside arrays and maps, and by `debug`). */
export function floatToDebug(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (Object.is(x, -0)) return "-0.0";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) return rustExp(x);
  const s = rustPlain(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** Rust's Debug of a string: quoted, with backslash escapes. */
function escapeDebug(s: string): string {
  let out = "";
  for (const ch of s) {
    switch (ch) {
      case "\\":
        out += "\\\\";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\0":
        out += "\\0";
        break;
      case '"':
        out += '\\"';
        break;
      default: {
        // Rust escapes control characters as \u{..} (lower-case hex, no padding).
        const code = ch.codePointAt(0) ?? 0;
        out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u{${code.toString(16)}}` : ch;
      }
    }
  }
  return `"${out}"`;
}

function sortedEntries(m: Map<string, Value>): [string, Value][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** A BLOB as hex bytes, a space after every eighth byte: `[01020304 05060708 09]`. */
function blobText(bytes: readonly number[]): string {
  let out = "[";
  bytes.forEach((b, i) => {
    if (i > 0 && i % 8 === 0) out += " ";
    out += hex2(b);
  });
  return `${out}]`;
}

/** Text shared by both renderings for containers and opaque values. */
function containerText(v: Value): string | undefined {
  if (Array.isArray(v)) return `[${v.map(toDebug).join(", ")}]`;
  if (v instanceof Map) {
    return `#{${sortedEntries(v)
      .map(([k, x]) => `${escapeDebug(k)}: ${toDebug(x)}`)
      .join(", ")}}`;
  }
  if (v instanceof Blob) return blobText(v.bytes);
  if (v instanceof Range) {
    // An end of i64::MAX is how the reference stores an open range such as `2..`.
    const end = v.end === I64_MAX ? "" : String(v.end);
    return `${v.start}${v.inclusive ? "..=" : ".."}${end}`;
  }
  if (v instanceof FnPtr) return `Fn(${v.name})`;
  if (v instanceof Timestamp) return "<timestamp>";
  return undefined;
}

/** `to_string` of any value. */
export function toDisplay(v: Value): string {
  switch (typeof v) {
    case "undefined":
      return "";
    case "string":
      return v;
    case "number":
    case "bigint":
    case "boolean":
      return String(v);
  }
  if (v instanceof Float) return floatToString(v.value);
  if (v instanceof Char) return v.value;
  return containerText(v) ?? hostText(v);
}

/** `to_debug` of any value. */
export function toDebug(v: Value): string {
  switch (typeof v) {
    case "undefined":
      return "()";
    case "string":
      return escapeDebug(v);
    case "number":
    case "bigint":
    case "boolean":
      return String(v);
  }
  if (v instanceof Float) return floatToDebug(v.value);
  // The reference's `to_debug` of a character is the bare character (no quotes, no
  // escapes), and arrays and maps format their elements with `to_debug`: `['a']` prints [a].
  if (v instanceof Char) return v.value;
  return containerText(v) ?? hostText(v);
}

/** Rust's Debug of a char: quoted, with the escapes Rust uses. */
function charDebug(c: string): string {
  switch (c) {
    case "'":
      return "'\\''";
    case "\\":
      return "'\\\\'";
    case "\n":
      return "'\\n'";
    case "\r":
      return "'\\r'";
    case "\t":
      return "'\\t'";
    case "\0":
      return "'\\0'";
  }
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `'\\u{${code.toString(16)}}'` : `'${c}'`;
}

/** An element inside a container as the reference's Dynamic Debug writes it. */
function dynamicDebug(v: Value): string {
  if (v instanceof Char) return charDebug(v.value);
  if (Array.isArray(v) || v instanceof Map) return toDynamicDisplay(v);
  return toDebug(v);
}

/**
 * The reference's Display of a value held in a Dynamic, which differs from `to_string` for
 * arrays and maps: characters inside them are quoted (`['c']`). Scripts see it where the
 * reference's optimiser folds a constant container into an interpolated string.
 */
export function toDynamicDisplay(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(dynamicDebug).join(", ")}]`;
  if (v instanceof Map) {
    return `#{${sortedEntries(v)
      .map(([k, x]) => `${escapeDebug(k)}: ${dynamicDebug(x)}`)
      .join(", ")}}`;
  }
  return toDisplay(v);
}

function hostText(v: Value): string {
  const custom = (v as { toString?: () => string }).toString;
  if (typeof custom === "function" && custom !== Object.prototype.toString) {
    return custom.call(v);
  }
  const name = (v as { [RHAI_TYPE_NAME]?: string })[RHAI_TYPE_NAME];
  return `<${name ?? "unknown"}>`;
}

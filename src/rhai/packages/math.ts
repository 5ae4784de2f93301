// Mathematical functions: trigonometry, roots and logarithms, rounding, conversions between
// integers, floats and characters, and number parsing.

import { rustPlain } from "../format.js";
import { I64_MAX, I64_MIN, normalise } from "../int.js";
import type { Package } from "../native.js";
import { type Char, Float, type Int, type U8, type Value } from "../value.js";
import { arithmeticError, num, str } from "./util.js";

const f = (x: number) => new Float(x);

/** Rust's `f64::round`: halves round away from zero (JS rounds them up). */
function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Parses an integer the way Rust's `i64::from_str_radix` does, or null. */
export function parseIntRadix(text: string, radix: number): Int | null {
  let s = text;
  let negative = false;
  if (s.startsWith("+")) s = s.slice(1);
  else if (s.startsWith("-")) {
    negative = true;
    s = s.slice(1);
  }
  if (s.length === 0) return null;
  const big = BigInt(radix);
  let acc = 0n;
  for (const ch of s.toLowerCase()) {
    const code = ch.charCodeAt(0);
    let digit: number;
    if (code >= 48 && code <= 57) digit = code - 48;
    else if (code >= 97 && code <= 122) digit = code - 87;
    else return null;
    if (digit >= radix) return null;
    acc = acc * big + BigInt(digit);
    if (acc > I64_MAX + 1n) return null;
  }
  if (negative) acc = -acc;
  if (acc < I64_MIN || acc > I64_MAX) return null;
  return normalise(acc);
}

/** Why Rust's integer parsing rejects a text, in its own words. */
function parseIntFailure(text: string, radix: number): string {
  if (text === "") return "cannot parse integer from empty string";
  const negative = text.startsWith("-");
  const digits = text.replace(/^[+-]/, "").toLowerCase();
  const valid =
    digits !== "" &&
    [...digits].every((ch) => {
      const d = Number.parseInt(ch, 36);
      return !Number.isNaN(d) && d < radix;
    });
  if (!valid) return "invalid digit found in string";
  return negative
    ? "number too small to fit in target type"
    : "number too large to fit in target type";
}

/** Rust's `str::parse::<f64>`: decimal or exponent forms, `inf`, `infinity`, `nan`. */
export function parseFloatStrict(text: string): number | null {
  const s = text;
  if (/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(s)) return Number(s);
  const lower = s.toLowerCase();
  const sign = lower.startsWith("-") ? -1 : 1;
  const body = lower.replace(/^[+-]/, "");
  if (body === "inf" || body === "infinity") return sign * Number.POSITIVE_INFINITY;
  if (body === "nan") return Number.NaN;
  return null;
}

export const mathPackage: Package = (lib) => {
  const pure = { pure: true };
  const unary: [string, (x: number) => number, string][] = [
    ["sin", Math.sin, "Sine of the angle in radians."],
    ["cos", Math.cos, "Cosine of the angle in radians."],
    ["tan", Math.tan, "Tangent of the angle in radians."],
    ["sinh", Math.sinh, "Hyperbolic sine."],
    ["cosh", Math.cosh, "Hyperbolic cosine."],
    ["tanh", Math.tanh, "Hyperbolic tangent."],
    ["asin", Math.asin, "Arc-sine, in radians."],
    ["acos", Math.acos, "Arc-cosine, in radians."],
    ["atan", Math.atan, "Arc-tangent, in radians."],
    ["asinh", Math.asinh, "Arc-hyperbolic-sine."],
    ["acosh", Math.acosh, "Arc-hyperbolic-cosine."],
    ["atanh", Math.atanh, "Arc-hyperbolic-tangent."],
    ["sqrt", Math.sqrt, "Square root; `sqrt(16.0)` is 4.0."],
    ["exp", Math.exp, "e raised to the number."],
    ["ln", Math.log, "Natural logarithm."],
    ["log", Math.log10, "Base-10 logarithm; `log(100.0)` is 2.0."],
    ["to_radians", (x) => x * (Math.PI / 180), "Degrees to radians."],
    ["to_degrees", (x) => x * (180 / Math.PI), "Radians to degrees."],
  ];
  for (const [name, op, doc] of unary) {
    lib.fn(name, ["f64"], (_ctx, [x]) => f(op((x as Float).value)), { ...pure, doc });
  }
  lib.fn(
    "atan",
    ["f64", "f64"],
    (_ctx, [x, y]) => f(Math.atan2((x as Float).value, (y as Float).value)),
    {
      ...pure,
      doc: "Arc-tangent of x/y (atan2), in radians.",
    },
  );
  lib.fn(
    "hypot",
    ["f64", "f64"],
    (_ctx, [x, y]) => f(Math.hypot((x as Float).value, (y as Float).value)),
    {
      ...pure,
      doc: "Hypotenuse of a right triangle with sides x and y.",
    },
  );
  lib.fn(
    "log",
    ["f64", "f64"],
    (_ctx, [x, b]) => f(Math.log((x as Float).value) / Math.log((b as Float).value)),
    {
      ...pure,
      doc: "Logarithm with the given base; `log(8.0, 2.0)` is 3.0.",
    },
  );

  const rounding: [string, (x: number) => number, string][] = [
    ["floor", Math.floor, "Largest whole number not above the float."],
    ["ceiling", Math.ceil, "Smallest whole number not below the float."],
    ["round", roundAway, "Nearest whole number, halves away from zero."],
    ["int", Math.trunc, "Integral part of the float (as a float)."],
    ["fraction", (x) => x - Math.trunc(x), "Fractional part of the float."],
  ];
  for (const [name, op, doc] of rounding) {
    const fn = (_ctx: unknown, [x]: Value[]) => f(op((x as Float).value));
    lib.fn(name, ["f64"], fn, { ...pure, doc });
    lib.fn(`get$${name}`, ["f64"], fn, { ...pure, doc });
  }
  const tests: [string, (x: number) => boolean, string][] = [
    ["is_nan", Number.isNaN, "True if the float is NaN."],
    ["is_finite", Number.isFinite, "True if the float is finite."],
    [
      "is_infinite",
      (x) => x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY,
      "True if infinite.",
    ],
  ];
  for (const [name, op, doc] of tests) {
    const fn = (_ctx: unknown, [x]: Value[]) => op((x as Float).value);
    lib.fn(name, ["f64"], fn, { ...pure, doc });
    lib.fn(`get$${name}`, ["f64"], fn, { ...pure, doc });
  }

  lib.fn("PI", [], () => f(Math.PI), { ...pure, doc: "The number π." });
  lib.fn("E", [], () => f(Math.E), { ...pure, doc: "Euler's number e." });

  lib.fn("to_int", ["i64"], (_ctx, [x]) => x, { ...pure, doc: "The integer itself." });
  lib.fn("to_int", ["char"], (_ctx, [c]) => (c as Char).value.codePointAt(0) ?? 0, {
    ...pure,
    doc: "Unicode code point of the character; `to_int('A')` is 65.",
  });
  lib.fn(
    "to_int",
    ["f64"],
    (_ctx, [x]) => {
      const v = (x as Float).value;
      // NaN passes the reference's range check and converts to 0 (Rust's `as`).
      if (Number.isNaN(v)) return 0;
      if (v > 2 ** 63 || v < -(2 ** 63)) {
        const shown = Number.isFinite(v) ? rustPlain(v) : v > 0 ? "inf" : "-inf";
        throw arithmeticError(`Integer overflow: to_int(${shown})`);
      }
      const t = Math.trunc(v);
      if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
      const b = BigInt(t);
      return normalise(b > I64_MAX ? I64_MAX : b);
    },
    { ...pure, doc: "Truncates the float to an integer (an error if out of range)." },
  );
  lib.fn("to_int", ["u8"], (_ctx, [x]) => (x as U8).value, {
    ...pure,
    doc: "A byte (from iterating a blob) as an integer.",
  });
  lib.fn("to_float", ["u8"], (_ctx, [x]) => f((x as U8).value), {
    ...pure,
    doc: "A byte (from iterating a blob) as a float.",
  });
  lib.fn("to_float", ["f64"], (_ctx, [x]) => x, { ...pure, doc: "The float itself." });
  lib.fn("to_float", ["i64"], (_ctx, [x]) => f(Number(x as Int)), {
    ...pure,
    doc: "The integer as a float; `to_float(42)` is 42.0.",
  });
  const parseInteger = (text: string, radix: number): Int => {
    if (radix < 2 || radix > 36) throw arithmeticError(`Invalid radix: '${radix}'`);
    const r = parseIntRadix(text.trim(), radix);
    if (r === null) {
      throw arithmeticError(
        `Error parsing integer number '${text}': ${parseIntFailure(text.trim(), radix)}`,
      );
    }
    return r;
  };
  lib.fn("parse_int", ["string"], (_ctx, [s]) => parseInteger(str(s), 10), {
    ...pure,
    doc: 'Parses a decimal integer; `parse_int("42")`.',
  });
  lib.fn("parse_int", ["string", "i64"], (_ctx, [s, r]) => parseInteger(str(s), num(r)), {
    ...pure,
    doc: 'Parses an integer in a radix 2..=36; `parse_int("ff", 16)` is 255.',
  });
  lib.fn(
    "parse_float",
    ["string"],
    (_ctx, [s]) => {
      const text = str(s);
      const trimmed = text.trim();
      const v = parseFloatStrict(trimmed);
      if (v === null) {
        // Rust's own two messages: nothing to parse, or not a number.
        const why =
          trimmed === "" ? "cannot parse float from empty string" : "invalid float literal";
        throw arithmeticError(`Error parsing floating-point number '${text}': ${why}`);
      }
      return f(v);
    },
    { ...pure, doc: 'Parses a floating-point number; `parse_float("1.5")`.' },
  );
};

// Named arithmetic functions on numbers (`abs`, `sign`, `is_zero`, `is_odd`, `is_even`).
// The operators themselves (`+`, `-`, `*`, ...) are built into the engine.

import * as int from "../int.js";
import type { Package } from "../native.js";
import { Float, type Int, type U8, type Value } from "../value.js";
import { arithmeticError } from "./util.js";

function isOdd(x: Int): boolean {
  return typeof x === "number" ? x % 2 !== 0 : x % 2n !== 0n;
}

export const arithmeticPackage: Package = (lib) => {
  const pure = { pure: true };
  lib.fn(
    "abs",
    ["i64"],
    (_ctx, [x]) => {
      const v = x as Int;
      if (v >= 0) return v;
      const r = int.neg(v);
      if (r === null) throw arithmeticError(`Negation overflow: -${v}`);
      return r;
    },
    { ...pure, doc: "Absolute value of the integer; `abs(-42)` is 42." },
  );
  lib.fn(
    "sign",
    ["i64"],
    (_ctx, [x]) => {
      const v = x as Int;
      return v > 0 ? 1 : v < 0 ? -1 : 0;
    },
    { ...pure, doc: "Sign of the integer: -1, 0 or 1." },
  );
  // Also properties (`x.is_even`), so each is registered as a `get$` getter too.
  for (const prefix of ["", "get$"]) {
    lib.fn(`${prefix}is_zero`, ["i64"], (_ctx, [x]) => x === 0, {
      ...pure,
      doc: "True if the integer is zero.",
    });
    lib.fn(`${prefix}is_odd`, ["i64"], (_ctx, [x]) => isOdd(x as Int), {
      ...pure,
      doc: "True if the integer is odd.",
    });
    lib.fn(`${prefix}is_even`, ["i64"], (_ctx, [x]) => !isOdd(x as Int), {
      ...pure,
      doc: "True if the integer is even.",
    });
    lib.fn(`${prefix}is_zero`, ["f64"], (_ctx, [x]) => (x as Float).value === 0, {
      ...pure,
      doc: "True if the float is zero.",
    });
    // The reference has these for every integer type, so also for the bytes of a blob loop
    // (but not `abs`, `sign` or negation, which only signed types have).
    lib.fn(`${prefix}is_zero`, ["u8"], (_ctx, [x]) => (x as U8).value === 0, {
      ...pure,
      doc: "True if the byte is zero.",
    });
    lib.fn(`${prefix}is_odd`, ["u8"], (_ctx, [x]) => (x as U8).value % 2 === 1, {
      ...pure,
      doc: "True if the byte is odd.",
    });
    lib.fn(`${prefix}is_even`, ["u8"], (_ctx, [x]) => (x as U8).value % 2 === 0, {
      ...pure,
      doc: "True if the byte is even.",
    });
  }

  lib.fn("abs", ["f64"], (_ctx, [x]) => new Float(Math.abs((x as Float).value)), {
    ...pure,
    doc: "Absolute value of the float; `abs(-1.5)` is 1.5.",
  });
  lib.fn(
    "sign",
    ["f64"],
    (_ctx, [x]) => {
      const v = (x as Float).value;
      if (Number.isNaN(v)) throw arithmeticError("Sign of NaN is undefined");
      return v > 0 ? 1 : v < 0 ? -1 : 0;
    },
    { ...pure, doc: "Sign of the float as an integer: -1, 0 or 1 (NaN is an error)." },
  );
};

/** `min`/`max` on numbers, strings and characters. */
export const logicPackage: Package = (lib) => {
  const pure = { pure: true };
  const pick = (
    a: Value,
    b: Value,
    wantMax: boolean,
    less: (a: Value, b: Value) => boolean,
  ): Value => {
    if (wantMax) return less(a, b) ? b : a; // x >= y ? x : y
    return less(b, a) ? b : a; // x <= y ? x : y
  };
  const intLess = (a: Value, b: Value) => int.compare(a as Int, b as Int) < 0;
  const fl = (v: Value) => (v instanceof Float ? v.value : Number(v as Int));
  for (const [name, wantMax] of [
    ["max", true],
    ["min", false],
  ] as const) {
    const word = wantMax ? "larger" : "smaller";
    lib.fn(name, ["i64", "i64"], (_ctx, [a, b]) => pick(a, b, wantMax, intLess), {
      ...pure,
      doc: `The ${word} of two integers; \`${name}(42, 123)\`.`,
    });
    lib.fn(
      name,
      ["u8", "u8"],
      (_ctx, [a, b]) => pick(a, b, wantMax, (x, y) => (x as U8).value < (y as U8).value),
      { ...pure, doc: `The ${word} of two bytes (from iterating a blob).` },
    );
    for (const params of [
      ["f64", "f64"],
      ["i64", "f64"],
      ["f64", "i64"],
    ]) {
      lib.fn(
        name,
        params,
        (_ctx, [a, b]) => {
          const x = fl(a);
          const y = fl(b);
          // `x >= y ? x : y` as the reference: with a NaN, the second operand wins (not
          // Math.max, which gives NaN for either).
          // biome-ignore lint/complexity/useMathMinMax: NaN handling differs from Math.max
          if (wantMax) return new Float(x >= y ? x : y);
          // biome-ignore lint/complexity/useMathMinMax: NaN handling differs from Math.min
          return new Float(x <= y ? x : y);
        },
        { ...pure, doc: `The ${word} of two numbers, as a float.` },
      );
    }
    lib.fn(
      name,
      ["string", "string"],
      (_ctx, [a, b]) => pick(a, b, wantMax, (x, y) => (x as string) < (y as string)),
      {
        ...pure,
        doc: `The lexically ${word} of two strings.`,
      },
    );
    lib.fn(
      name,
      ["char", "char"],
      (_ctx, [a, b]) => {
        const x = (a as { value: string }).value.codePointAt(0) ?? 0;
        const y = (b as { value: string }).value.codePointAt(0) ?? 0;
        return wantMax ? (x >= y ? a : b) : x <= y ? a : b;
      },
      { ...pure, doc: `The ${word} of two characters.` },
    );
  }
};

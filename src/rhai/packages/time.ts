// Timestamps: `timestamp()`, `elapsed`, and arithmetic with seconds. Timestamps come from a
// monotonic clock; differences and `elapsed` are floating-point seconds.

import { performance } from "node:perf_hooks";
import type { Package } from "../native.js";
import { Float, type Int, Timestamp, type Value } from "../value.js";
import { arithmeticError } from "./util.js";

function seconds(v: Value): number {
  return v instanceof Float ? v.value : Number(v as Int);
}

/** The reference keeps whole milliseconds of float offsets and whole seconds of integers. */
function shifted(t: Timestamp, offset: Value, sign: 1 | -1): Timestamp {
  const s = seconds(offset);
  if (!Number.isFinite(s) || Math.abs(s) > 9.2e18) {
    throw arithmeticError(
      `Timestamp overflow when ${sign > 0 ? "adding" : "subtracting"} ${s} second(s)`,
    );
  }
  const ms = offset instanceof Float ? Math.trunc(Math.abs(s) * 1000) * Math.sign(s) : s * 1000;
  return new Timestamp(t.millis + sign * ms);
}

/**
 * Now, in milliseconds rounded to 1/1024 ms: a binary fraction, so adding whole seconds or
 * milliseconds and subtracting again is exact (`(t + 2) - t` is exactly 2.0).
 */
function now(): number {
  return Math.round(performance.now() * 1024) / 1024;
}

export const timePackage: Package = (lib) => {
  lib.fn("timestamp", [], () => new Timestamp(now()), {
    doc: "The current time, for measuring durations; `let t = timestamp();`.",
  });
  const elapsed = (_ctx: unknown, [t]: Value[]) => {
    const diff = now() - (t as Timestamp).millis;
    if (diff < 0) throw arithmeticError("Time-stamp is later than now");
    return new Float(diff / 1000);
  };
  lib.fn("elapsed", ["timestamp"], elapsed, {
    doc: "Seconds since the timestamp, as a float; `t.elapsed`.",
  });
  lib.fn("get$elapsed", ["timestamp"], elapsed, {
    doc: "Seconds since the timestamp, as a float.",
  });
  lib.fn(
    "-",
    ["timestamp", "timestamp"],
    (_ctx, [a, b]) => new Float(((a as Timestamp).millis - (b as Timestamp).millis) / 1000),
    { pure: true, doc: "Seconds between two timestamps, as a float." },
  );
  for (const t of ["f64", "i64"]) {
    lib.fn("+", ["timestamp", t], (_ctx, [ts, s]) => shifted(ts as Timestamp, s, 1), {
      pure: true,
      doc: "The timestamp moved later by some seconds.",
    });
    lib.fn("-", ["timestamp", t], (_ctx, [ts, s]) => shifted(ts as Timestamp, s, -1), {
      pure: true,
      doc: "The timestamp moved earlier by some seconds.",
    });
    lib.fn(
      "+=",
      ["timestamp", t],
      (_ctx, args) => {
        args[0] = shifted(args[0] as Timestamp, args[1], 1);
        return undefined;
      },
      { mutatesFirst: true, doc: "Moves the timestamp later by some seconds." },
    );
    lib.fn(
      "-=",
      ["timestamp", t],
      (_ctx, args) => {
        args[0] = shifted(args[0] as Timestamp, args[1], -1);
        return undefined;
      },
      { mutatesFirst: true, doc: "Moves the timestamp earlier by some seconds." },
    );
  }
  const cmp: [string, (a: number, b: number) => boolean][] = [
    ["==", (a, b) => a === b],
    ["!=", (a, b) => a !== b],
    ["<", (a, b) => a < b],
    ["<=", (a, b) => a <= b],
    [">", (a, b) => a > b],
    [">=", (a, b) => a >= b],
  ];
  for (const [op, test] of cmp) {
    lib.fn(
      op,
      ["timestamp", "timestamp"],
      (_ctx, [a, b]) => test((a as Timestamp).millis, (b as Timestamp).millis),
      {
        pure: true,
        doc: `Compares two timestamps (${op}).`,
      },
    );
  }
};

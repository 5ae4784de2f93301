// Converting values to text: `to_string`, `to_debug`, and integers in hex, octal, binary.
// The engine's `print` and `debug` use the same renderings (format.ts).

import { toDebug, toDisplay } from "../format.js";
import { toBig } from "../int.js";
import type { Package } from "../native.js";
import type { Int, U8 } from "../value.js";

function radix(x: Int, base: number): string {
  // Rust prints negative integers in these bases as their two's-complement bit pattern.
  return BigInt.asUintN(64, toBig(x)).toString(base);
}

export const basicStringPackage: Package = (lib) => {
  const pure = { pure: true };
  lib.fn("to_string", ["any"], (_ctx, [v]) => toDisplay(v), {
    ...pure,
    doc: 'The value as text, as `print` shows it; `to_string(42)` is "42".',
  });
  lib.fn("to_debug", ["any"], (_ctx, [v]) => toDebug(v), {
    ...pure,
    doc: 'The value in debug form, as `debug` shows it; `"a".to_debug()` is "\\"a\\"".',
  });
  lib.fn("to_hex", ["i64"], (_ctx, [x]) => radix(x as Int, 16), {
    ...pure,
    doc: 'The integer in hexadecimal; `255.to_hex()` is "ff".',
  });
  lib.fn("to_octal", ["i64"], (_ctx, [x]) => radix(x as Int, 8), {
    ...pure,
    doc: 'The integer in octal; `8.to_octal()` is "10".',
  });
  lib.fn("to_binary", ["i64"], (_ctx, [x]) => radix(x as Int, 2), {
    ...pure,
    doc: 'The integer in binary; `5.to_binary()` is "101".',
  });
  // The reference has these for each integer type, so also for the bytes of a blob loop.
  for (const [name, base] of [
    ["to_hex", 16],
    ["to_octal", 8],
    ["to_binary", 2],
  ] as const) {
    lib.fn(name, ["u8"], (_ctx, [x]) => (x as U8).value.toString(base), {
      ...pure,
      doc: `A byte (from iterating a blob) in base ${base}.`,
    });
  }
};

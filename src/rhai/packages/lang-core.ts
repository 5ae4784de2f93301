// Core language functions that are not syntax: `sleep`, `take`, `parse_json`.
// (`print`, `debug`, `type_of`, `Fn`, `call`, `curry`, `eval`, `is_def_var`, `is_def_fn`
// and `is_shared` are built into the engine.)

import type { Package } from "../native.js";
import type { Float, Int, Value } from "../value.js";
import { parseJson } from "./map.js";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread (scripts are synchronous and run in a worker). */
function block(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

export const languageCorePackage: Package = (lib) => {
  lib.fn(
    "sleep",
    ["f64"],
    (_ctx, [s]) => {
      const seconds = (s as Float).value;
      if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
      block(seconds * 1000);
      return undefined;
    },
    { doc: "Blocks for a number of seconds; `sleep(0.5)`." },
  );
  lib.fn(
    "sleep",
    ["i64"],
    (_ctx, [s]) => {
      const seconds = Number(s as Int);
      if (seconds > 0) block(seconds * 1000);
      return undefined;
    },
    { doc: "Blocks for a number of seconds; `sleep(2)`." },
  );
  lib.fn(
    "take",
    ["any"],
    (_ctx, args) => {
      const v: Value = args[0];
      args[0] = undefined;
      return v;
    },
    {
      mutatesFirst: true,
      doc: "Returns the value and leaves `()` in its place; `let y = take(x);`.",
    },
  );
  lib.fn("parse_json", ["string"], (_ctx, [s]) => parseJson(s as string), {
    doc: 'Parses JSON text into Rhai values; `parse_json("{\\"a\\": 1}").a` is 1.',
  });
};

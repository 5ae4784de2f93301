// Core language functions that are not syntax: `sleep`, `take`, `parse_json`.
// (`print`, `debug`, `type_of`, `Fn`, `call`, `curry`, `eval`, `is_def_var`, `is_def_fn`
// and `is_shared` are built into the engine.)

import { performance } from "node:perf_hooks";
import { outputMismatch } from "../errors.js";
import type { NativeCallContext, Package } from "../native.js";
import { type Float, type Int, typeName, type Value } from "../value.js";
import { parseJson } from "./map.js";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Longest single wait: between waits the engine may stop the script (abort, limits). */
const SLICE_MS = 50;

/** Blocks the thread (scripts are synchronous and run in a worker), in slices. */
function block(ctx: NativeCallContext, ms: number): void {
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) {
    Atomics.wait(sleeper, 0, 0, Math.min(left, SLICE_MS));
    ctx.tick(1);
  }
}

export const languageCorePackage: Package = (lib) => {
  lib.fn(
    "sleep",
    ["f64"],
    (ctx, [s]) => {
      const seconds = (s as Float).value;
      if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
      block(ctx, seconds * 1000);
      return undefined;
    },
    { doc: "Blocks for a number of seconds; `sleep(0.5)`." },
  );
  lib.fn(
    "sleep",
    ["i64"],
    (ctx, [s]) => {
      const seconds = Number(s as Int);
      if (seconds > 0) block(ctx, seconds * 1000);
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
  lib.fn(
    "parse_json",
    ["string"],
    (_ctx, [s]) => {
      // The reference's parse_json returns a map: other JSON values are an output-type error.
      const v = parseJson(s as string);
      if (!(v instanceof Map)) throw outputMismatch("map", typeName(v));
      return v;
    },
    {
      doc: 'Parses a JSON object into a map; `parse_json("{\\"a\\": 1}").a` is 1.',
    },
  );
};

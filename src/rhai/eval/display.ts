// `to_string` and `to_debug` of values as scripts see them: host types may register their
// own, the standard types use the formatter.

import { toDebug, toDisplay } from "../format.js";
import { Blob, Char, Float, FnPtr, Range, Timestamp, U8, type Value } from "../value.js";
import { nativeCtx } from "./calls.js";
import type { EvalContext } from "./context.js";

const STANDARD_CLASSES = [Float, Char, Blob, Range, Timestamp, FnPtr, U8, Map, Array];

/** A value of a type the host registered (an object of none of the standard classes). */
export function isHostValue(v: Value): boolean {
  return typeof v === "object" && v !== null && !STANDARD_CLASSES.some((c) => v instanceof c);
}

/** `to_string` of a value; host types may register their own `to_string`. */
export function display(ctx: EvalContext, v: Value): string {
  if (isHostValue(v)) {
    const f = ctx.lib.resolve("to_string", [v]);
    if (f !== undefined) return String(f.fn(nativeCtx(ctx, "to_string"), [v]));
  }
  return toDisplay(v);
}

/** `to_debug` of a value; host types may register their own `to_debug`. */
export function debugText(ctx: EvalContext, v: Value): string {
  if (isHostValue(v)) {
    const f = ctx.lib.resolve("to_debug", [v]);
    if (f !== undefined) return String(f.fn(nativeCtx(ctx, "to_debug"), [v]));
  }
  return toDebug(v);
}

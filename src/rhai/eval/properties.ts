// Properties: `o.name` and `o.name = v` on maps, and on other types through registered
// getters and setters (`get$name`, `set$name`), a script getter, or an indexer by name.

import { type Position, RhaiRuntimeError } from "../errors.js";
import { typeName, type Value } from "../value.js";
import { callScript, nativeCtx } from "./calls.js";
import type { EvalContext } from "./context.js";
import { atPos, rtErr } from "./errors.js";

/** `o.name`. */
export function propGet(ctx: EvalContext, o: Value, name: string, pos: Position): Value {
  if (o instanceof Map) {
    const v = o.get(name);
    if (v === undefined && !o.has(name) && ctx.options.failOnInvalidMapProperty) {
      throw rtErr("ErrorPropertyNotFound", `Property not found: ${name}`, pos, name);
    }
    return v;
  }
  const getter = `get$${name}`;
  const f = ctx.lib.resolve(getter, [o]);
  if (f !== undefined) {
    try {
      return f.fn(nativeCtx(ctx, getter, pos), [o]);
    } catch (e) {
      throw atPos(e, pos);
    }
  }
  const script = ctx.program?.lookup(getter, 0);
  if (script !== undefined) return callScript(ctx, script, [], o, undefined, null, pos);
  const idx = ctx.lib.resolve("index$get", [o, name]);
  if (idx !== undefined) {
    try {
      return idx.fn(nativeCtx(ctx, "index$get", pos), [o, name]);
    } catch (e) {
      throw atPos(e, pos);
    }
  }
  throw dotError(
    `Unknown property '${name}' - a getter is not registered for type '${typeName(o)}'`,
    pos,
  );
}

/** `o.name = v`; returns the object (a new one for value types). */
export function propSet(ctx: EvalContext, o: Value, name: string, v: Value, pos: Position): Value {
  if (o instanceof Map) {
    o.set(name, v);
    return o;
  }
  const setter = `set$${name}`;
  const args = [o, v];
  const f = ctx.lib.resolve(setter, args);
  if (f !== undefined) {
    try {
      f.fn(nativeCtx(ctx, setter, pos), args);
    } catch (e) {
      throw atPos(e, pos);
    }
    return args[0];
  }
  const idx = ctx.lib.resolve("index$set", [o, name, v]);
  if (idx !== undefined) {
    const a = [o, name, v];
    try {
      idx.fn(nativeCtx(ctx, "index$set", pos), a);
    } catch (e) {
      throw atPos(e, pos);
    }
    return a[0];
  }
  throw dotError(
    `No writable property '${name}' - a setter is not registered for type '${typeName(o)}' to handle '${typeName(v)}'`,
    pos,
  );
}

/** ErrorDotExpr: the reference repeats its message as the `property` field. */
function dotError(message: string, pos: Position): RhaiRuntimeError {
  return new RhaiRuntimeError("ErrorDotExpr", message, pos, undefined, undefined, {
    property: message,
  });
}

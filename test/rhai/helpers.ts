// Shared helpers for the Rhai engine tests: evaluate a script and describe its value or
// its error in a form a table row can state. `show` writes values so that types stay
// apart (3, 3.0, "3", '3'), independent of how the packages format them for scripts.
import { Char, Engine, Float, isRhaiError, toDebug, type Value } from "../../src/rhai/index.js";

/** A standard engine whose print/debug output is collected instead of written. */
export function quietEngine(): Engine & { output: string[] } {
  const engine = new Engine() as Engine & { output: string[] };
  engine.output = [];
  engine.onPrint((t) => engine.output.push(t)).onDebug((t) => engine.output.push(`debug: ${t}`));
  return engine;
}

/** A value as test text: strings in double quotes, chars in single quotes, floats with a dot. */
export function show(v: Value): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Char) return `'${v.value}'`;
  if (v instanceof Float) return toDebug(v);
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (v instanceof Map) {
    const keys = [...v.keys()].sort();
    return `#{${keys.map((k) => `${JSON.stringify(k)}: ${show(v.get(k))}`).join(", ")}}`;
  }
  return toDebug(v);
}

/** The test text of a script's value. */
export function run(src: string, engine: Engine = quietEngine()): string {
  return show(engine.eval(src) as Value);
}

export interface ErrorShape {
  code: string;
  line: number;
  column: number;
}

/** The code and position of the error a script fails with (throws if it does not fail). */
export function failure(src: string, engine: Engine = quietEngine()): ErrorShape {
  try {
    engine.eval(src);
  } catch (e) {
    if (!isRhaiError(e)) throw e;
    return { code: e.code, line: e.position.line, column: e.position.column };
  }
  throw new Error(`script did not fail: ${src}`);
}

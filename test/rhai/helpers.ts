// Shared helpers for the Rhai engine tests: evaluate a script and describe its value or
// its error in a form a table row can state (`toDebug` text tells types apart: 3, 3.0,
// "3", '3').
import { Engine, isRhaiError, toDebug, type Value } from "../../src/rhai/index.js";

/** A standard engine whose print/debug output is collected instead of written. */
export function quietEngine(): Engine & { output: string[] } {
  const engine = new Engine() as Engine & { output: string[] };
  engine.output = [];
  engine.onPrint((t) => engine.output.push(t)).onDebug((t) => engine.output.push(`debug: ${t}`));
  return engine;
}

/** The debug text of a script's value. */
export function run(src: string, engine: Engine = quietEngine()): string {
  return toDebug(engine.eval(src) as Value);
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

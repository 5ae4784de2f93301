// Running compiled code: a run of a program (counters reset by the outermost run, the
// running program set for names and function pointers, foreign errors converted), a main
// body in its frame (a `return` or a jump at top level ends it with its value; top-level
// variables written back to the scope), and `eval` text run in the caller's scope.

import { type Position, RhaiParseError, RhaiRuntimeError } from "../errors.js";
import {
  type Cell,
  type CompiledFn,
  type DynScope,
  type Frame,
  JUMP,
  NO_THIS,
  type Program,
  RETURN,
} from "../runtime/index.js";
import type { Value } from "../value.js";
import { callScript } from "./calls.js";
import type { EvalContext } from "./context.js";
import { atPos, rtErr } from "./errors.js";

const NO_POS: Position = { line: 0, column: 0 };

/**
 * Runs `body` as a run of `program`. The outermost run resets the counters; a nested one (a
 * module loaded by an `import`) keeps them and restores the call depth when it ends.
 */
function withRun<T>(ctx: EvalContext, program: Program, body: () => T): T {
  const rt = ctx.rt;
  const outer = ctx.program;
  const nested = outer !== undefined;
  const saved = { ops: rt.ops, depth: rt.depth };
  if (!nested) rt.reset(ctx.limits.maxOperations);
  ctx.program = program;
  try {
    return body();
  } catch (e) {
    throw finalError(e);
  } finally {
    ctx.program = outer;
    if (nested) rt.depth = saved.depth;
  }
}

function finalError(e: unknown): unknown {
  if (e === RETURN) return e;
  if (e instanceof RhaiRuntimeError || e instanceof RhaiParseError) return e;
  return atPos(e, NO_POS);
}

/** A main body's value: its last statement's, or what a top-level `return` or jump carried. */
function runBody(ctx: EvalContext, program: Program, f: Frame): Value {
  let value: Value;
  try {
    value = program.main(f);
    if (value === JUMP) {
      value = ctx.rt.jumpValue;
      ctx.rt.jumpValue = undefined;
    }
  } catch (e) {
    if (e !== RETURN) throw e;
    value = RETURN.value;
    RETURN.value = undefined;
  }
  return value;
}

/** The top-level variables of a finished main body, written to a scope. */
function writeBack(program: Program, f: Frame, scope: DynScope): void {
  for (const t of program.topLevel) {
    if (!(t.slot in f)) continue;
    const x = f[t.slot];
    scope.define(t.name, (t.captured ? (x as Cell).v : x) as Value, t.constant);
  }
}

/** Runs a main body; a module keeps its frame so its functions see `global::` constants. */
export function runProgram(
  ctx: EvalContext,
  program: Program,
  scope: DynScope | undefined,
  keepFrame = false,
): Value {
  return withRun(ctx, program, () => {
    const f: Frame = new Array(program.nslots);
    f[0] = NO_THIS;
    f[1] = scope ?? null;
    const savedMain = program.mainFrame;
    program.mainFrame = f;
    let value: Value;
    try {
      value = runBody(ctx, program, f);
    } finally {
      if (!keepFrame) program.mainFrame = savedMain;
    }
    if (scope !== undefined) writeBack(program, f, scope);
    return value;
  });
}

/** Calls a script function of a program from the host. */
export function runFunction(
  ctx: EvalContext,
  program: Program,
  fn: CompiledFn,
  args: readonly Value[],
): Value {
  return withRun(ctx, program, () => callScript(ctx, fn, args, NO_THIS, undefined, null, NO_POS));
}

/** `eval(text)` inside a script: runs in the caller's scope, its functions visible. */
export function evalInScope(
  ctx: EvalContext,
  src: string,
  scope: DynScope,
  parent: Program,
  thisVal: unknown,
  pos: Position,
): Value {
  let program: Program;
  try {
    program = ctx.compileEval(src, parent);
  } catch (e) {
    if (e instanceof RhaiParseError) throw rtErr("ErrorParsing", e.message, pos, e.code);
    throw e;
  }
  const f: Frame = new Array(program.nslots);
  f[0] = thisVal;
  f[1] = scope;
  program.mainFrame = parent.mainFrame;
  const value = runBody(ctx, program, f);
  writeBack(program, f, scope);
  return value;
}

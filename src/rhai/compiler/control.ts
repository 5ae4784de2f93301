// Control flow: conditions, `if`, `switch`, the loops, `try`/`catch`, and how `break`,
// `continue` and `return` travel (a JUMP result at statement level, a thrown signal inside
// an expression) and `throw`.

import type { Node, NodeOf } from "../ast.js";
import { type Position, RhaiRuntimeError } from "../errors.js";
import { atPos, display, errorValue, isCatchable, rtErr } from "../eval/index.js";
import * as int from "../int.js";
import { copy } from "../ops.js";
import { switchKey } from "../parser/index.js";
import {
  BREAK,
  Cell,
  CONTINUE,
  type Eval,
  type Frame,
  isSignal,
  JUMP,
  JUMP_BREAK,
  JUMP_CONTINUE,
  JUMP_RETURN,
  RETURN,
} from "../runtime/index.js";
import { Blob, char, type Int, Range, typeName, u8, type Value } from "../value.js";
import { hasLoopJump, isHollowIf, isRefNode } from "./analysis.js";
import { type Compiling, MAX_SAFE, mismatch } from "./context.js";

export function bool(e: Eval, pos: Position): (f: Frame) => boolean {
  return (f) => {
    const v = e(f);
    if (v === true || v === false) return v;
    throw mismatch("bool", v, pos);
  };
}

/**
 * What a loop does with the result of its body. Returns undefined to go on; otherwise the
 * loop ends with `{ value }`: a `break` value, or (for a `return` inside the loop) the
 * JUMP marker when it may travel further, else the `return` is thrown.
 */
function loopExit(c: Compiling, inCtl: boolean): (r: Value) => { value: Value } | undefined {
  const rt = c.rt;
  const exit = { value: undefined as Value };
  return (r) => {
    if (r !== JUMP) return undefined;
    const kind = rt.jump;
    if (kind === JUMP_CONTINUE) return undefined;
    if (kind === JUMP_BREAK) {
      exit.value = rt.jumpValue;
      rt.jumpValue = undefined;
      return exit;
    }
    if (inCtl) {
      exit.value = JUMP;
      return exit;
    }
    RETURN.value = rt.jumpValue;
    rt.jumpValue = undefined;
    throw RETURN;
  };
}

export function ifExpr(c: Compiling, n: NodeOf<"If">, inCtl = false): Eval {
  if (isHollowIf(n)) {
    // The reference's optimiser turns `if c {} else {}` into `c`: the condition runs for
    // its effects and is not required to be a boolean.
    const only = c.expr(n.cond);
    return (f) => {
      only(f);
      return undefined;
    };
  }
  // The condition's boolean check is made here rather than by a `bool` closure: one call
  // less per `if` (fibonacci's `if n < 2` runs on every call).
  const cond = c.expr(n.cond);
  const condPos = n.cond.position;
  const then = inCtl ? c.ctl(n.then) : c.expr(n.then);
  const otherwise = n.else ? (inCtl ? c.ctl(n.else) : c.expr(n.else)) : undefined;
  if (otherwise === undefined) {
    return (f) => {
      const v = cond(f);
      if (v === true) return then(f);
      if (v === false) return undefined;
      throw mismatch("bool", v, condPos);
    };
  }
  return (f) => {
    const v = cond(f);
    if (v === true) return then(f);
    if (v === false) return otherwise(f);
    throw mismatch("bool", v, condPos);
  };
}

export function switchExpr(c: Compiling, n: NodeOf<"Switch">, inCtl = false): Eval {
  const subject = c.expr(n.subject);
  const arm = (node: Node) => (inCtl ? c.ctl(node) : c.expr(node));
  const compileCase = (k: { condition?: Node; body: Node }) => ({
    cond: k.condition ? bool(c.expr(k.condition), k.condition.position) : undefined,
    body: arm(k.body),
  });
  const table = new Map<unknown, { cond?: (f: Frame) => boolean; body: Eval }[]>();
  for (const [k, list] of n.table) table.set(k, list.map(compileCase));
  const ranges = n.ranges.map((r) => ({
    start: r.start as Int,
    end: r.end as Int,
    inclusive: r.inclusive,
    ...compileCase(r.case),
  }));
  const def = n.default ? arm(n.default) : undefined;
  return (f) => {
    const v = subject(f);
    const list = table.get(switchKey(v));
    if (list !== undefined) {
      for (const c of list) if (c.cond === undefined || c.cond(f)) return c.body(f);
    }
    if (v instanceof Range) {
      for (const r of ranges) {
        if (r.start === v.start && r.end === v.end && r.inclusive === v.inclusive) {
          if (r.cond === undefined || r.cond(f)) return r.body(f);
        }
      }
    } else if ((typeof v === "number" || typeof v === "bigint") && ranges.length > 0) {
      for (const r of ranges) {
        if (
          int.compare(v, r.start) >= 0 &&
          (r.inclusive ? int.compare(v, r.end) <= 0 : int.compare(v, r.end) < 0)
        ) {
          if (r.cond === undefined || r.cond(f)) return r.body(f);
        }
      }
    }
    return def ? def(f) : undefined;
  };
}

/** Runs a loop body once; a jump thrown from inside an expression becomes a JUMP result. */
function thrownJumps(c: Compiling, body: Eval): Eval {
  const rt = c.rt;
  return (f) => {
    try {
      return body(f);
    } catch (e) {
      if (e === BREAK) {
        rt.jumpValue = BREAK.value;
        BREAK.value = undefined;
        rt.jump = JUMP_BREAK;
        return JUMP;
      }
      if (e === CONTINUE) {
        rt.jump = JUMP_CONTINUE;
        return JUMP;
      }
      throw e;
    }
  };
}

/** A loop body: jumps at statement level travel as JUMP; others are caught and converted. */
function loopBody(c: Compiling, body: Node): Eval {
  const compiled = c.ctl(body);
  return hasLoopJump(body) ? thrownJumps(c, compiled) : compiled;
}

export function whileLoop(c: Compiling, n: NodeOf<"While">, inCtl = false): Eval {
  const loopPos = n.position;
  // The condition is checked to be a boolean here, not by a `bool` closure: one call less
  // per iteration.
  const cond = n.cond ? c.expr(n.cond) : undefined;
  const condPos = n.cond?.position;
  const body = loopBody(c, n.body);
  const exit = loopExit(c, inCtl);
  const rt = c.rt;
  return (f) => {
    for (;;) {
      if (++rt.ops > rt.opsLimit) rt.checkOps(loopPos);
      if (cond !== undefined) {
        const v = cond(f);
        if (v !== true) {
          if (v === false) return undefined;
          throw mismatch("bool", v, condPos as Position);
        }
      }
      const r = body(f);
      if (r === JUMP) {
        const done = exit(r);
        if (done !== undefined) return done.value;
      }
    }
  };
}

export function doLoop(c: Compiling, n: NodeOf<"Do">, inCtl = false): Eval {
  const loopPos = n.position;
  const cond = bool(c.expr(n.cond), n.cond.position);
  const body = loopBody(c, n.body);
  const exit = loopExit(c, inCtl);
  const rt = c.rt;
  const until = n.until;
  return (f) => {
    for (;;) {
      if (++rt.ops > rt.opsLimit) rt.checkOps(loopPos);
      const r = body(f);
      if (r === JUMP) {
        const done = exit(r);
        if (done !== undefined) return done.value;
      }
      if (cond(f) === until) return undefined;
    }
  };
}

export function forLoop(c: Compiling, n: NodeOf<"For">, inCtl = false): Eval {
  const loopPos = n.position;
  const iterable = c.expr(n.iterable);
  const mark = c.fs.visible.length;
  const itemSlot = c.fs.declare(n.item);
  const counterSlot = n.counter ? c.fs.declare(n.counter) : -1;
  const itemCaptured = n.item.captured;
  const counterCaptured = n.counter?.captured ?? false;
  const body = loopBody(c, n.body);
  c.fs.visible.length = mark;
  const exit = loopExit(c, inCtl);
  const rt = c.rt;
  const ctx = c.ctx;
  const pos = n.iterable.position;
  const copyItems = isRefNode(n.iterable);
  const simple = !itemCaptured && counterSlot < 0;
  // Runs one iteration; returns the loop's exit, or undefined to go on.
  // A captured loop variable is one shared cell for the whole loop, as in the reference.
  const step = (f: Frame, item: Value, index: number): { value: Value } | undefined => {
    if (++rt.ops > rt.opsLimit) rt.checkOps(loopPos);
    if (itemCaptured) (f[itemSlot] as Cell).v = item;
    else f[itemSlot] = item;
    if (counterSlot >= 0) {
      if (counterCaptured) (f[counterSlot] as Cell).v = index;
      else f[counterSlot] = index;
    }
    const r = body(f);
    return r === JUMP ? exit(r) : undefined;
  };
  return (f) => {
    const it = iterable(f);
    if (itemCaptured) f[itemSlot] = new Cell(undefined);
    if (counterCaptured) f[counterSlot] = new Cell(0);
    if (it instanceof Range) {
      const { start, end } = it;
      if (typeof start === "number" && typeof end === "number" && end < MAX_SAFE) {
        const stop = it.inclusive ? end + 1 : end;
        if (simple) {
          // The common `for i in a..b { ... }`: no counter, no capture.
          for (let i = start; i < stop; i++) {
            if (++rt.ops > rt.opsLimit) rt.checkOps(loopPos);
            f[itemSlot] = i;
            const r = body(f);
            if (r === JUMP) {
              const done = exit(r);
              if (done !== undefined) return done.value;
            }
          }
          return undefined;
        }
        let index = 0;
        for (let i = start; i < stop; i++) {
          const done = step(f, i, index++);
          if (done !== undefined) return done.value;
        }
        return undefined;
      }
      let i = int.toBig(start);
      const e = int.toBig(end);
      let index = 0;
      while (it.inclusive ? i <= e : i < e) {
        const done = step(f, int.normalise(i), index++);
        if (done !== undefined) return done.value;
        i++;
      }
      return undefined;
    }
    if (Array.isArray(it)) {
      const arr = copyItems ? it.slice() : it;
      for (let i = 0; i < arr.length; i++) {
        const x = arr[i];
        const done = step(f, copyItems && typeof x === "object" ? copy(x) : x, i);
        if (done !== undefined) return done.value;
      }
      return undefined;
    }
    if (typeof it === "string") {
      let index = 0;
      for (const ch of it) {
        const done = step(f, char(ch), index++);
        if (done !== undefined) return done.value;
      }
      return undefined;
    }
    if (it instanceof Blob) {
      const bytes = it.bytes.slice();
      for (let i = 0; i < bytes.length; i++) {
        // The reference yields the bytes as `u8` values, not integers (see `U8`).
        const done = step(f, u8(bytes[i] as number), i);
        if (done !== undefined) return done.value;
      }
      return undefined;
    }
    const iter = ctx.lib.iteratorFor(typeName(it));
    if (iter === undefined)
      throw rtErr("ErrorFor", `For loop expects an iterable type, not ${typeName(it)}`, pos);
    let index = 0;
    for (const x of iter(it)) {
      const done = step(f, x, index++);
      if (done !== undefined) return done.value;
    }
    return undefined;
  };
}

export function tryCatch(c: Compiling, n: NodeOf<"Try">, inCtl = false): Eval {
  const body = inCtl ? c.ctl(n.body) : c.expr(n.body);
  const mark = c.fs.visible.length;
  const errSlot = n.errVar ? c.fs.declare(n.errVar) : -1;
  const errCaptured = n.errVar?.captured ?? false;
  const catchBody = inCtl ? c.ctl(n.catchBody) : c.expr(n.catchBody);
  c.fs.visible.length = mark;
  return (f) => {
    try {
      return body(f);
    } catch (e0) {
      if (isSignal(e0)) throw e0;
      const e = atPos(e0, n.position);
      if (!(e instanceof RhaiRuntimeError) || !isCatchable(e)) throw e;
      if (errSlot >= 0) {
        const v = errorValue(e);
        f[errSlot] = errCaptured ? new Cell(v) : v;
      }
      try {
        // The catch block's value is dropped, but a jump out of it goes on.
        return catchBody(f) === JUMP ? JUMP : undefined;
      } catch (e2) {
        if (
          e2 instanceof RhaiRuntimeError &&
          e2.code === "ErrorRuntime" &&
          e2.value === undefined
        ) {
          throw e;
        }
        throw e2;
      }
    }
  };
}

/**
 * `break`, `continue` or `return` as a statement: the closure returns the JUMP marker and
 * leaves the kind and value in the run state, for the loop or function body to take.
 */
export function jumpStmt(
  c: Compiling,
  n: NodeOf<"Break"> | NodeOf<"Continue"> | NodeOf<"Return">,
): Eval {
  const rt = c.rt;
  if (n.type === "Continue") {
    return () => {
      rt.jump = JUMP_CONTINUE;
      return JUMP;
    };
  }
  if (n.type === "Break") {
    const v = n.value ? c.expr(n.value) : undefined;
    return (f) => {
      rt.jumpValue = v ? v(f) : undefined;
      rt.jump = JUMP_BREAK;
      return JUMP;
    };
  }
  const v = n.value ? c.stored(n.value) : undefined;
  return (f) => {
    rt.jumpValue = v ? v(f) : undefined;
    rt.jump = JUMP_RETURN;
    return JUMP;
  };
}

/** `break`, `continue` or `return` inside an expression (`x ?? break`): thrown signals. */
export function thrownJump(
  c: Compiling,
  n: NodeOf<"Break"> | NodeOf<"Continue"> | NodeOf<"Return">,
): Eval {
  if (n.type === "Continue") {
    return () => {
      throw CONTINUE;
    };
  }
  if (n.type === "Break") {
    const v = n.value ? c.expr(n.value) : undefined;
    return (f) => {
      BREAK.value = v ? v(f) : undefined;
      throw BREAK;
    };
  }
  const v = n.value ? c.stored(n.value) : undefined;
  return (f) => {
    RETURN.value = v ? v(f) : undefined;
    throw RETURN;
  };
}

/** `throw value`: ErrorRuntime carrying the value (what `catch (e)` gets back). */
export function throwExpr(c: Compiling, n: NodeOf<"Throw">): Eval {
  const v = n.value ? c.expr(n.value) : undefined;
  const pos = n.position;
  const ctx = c.ctx;
  return (f) => {
    const x = v ? v(f) : undefined;
    throw rtErr("ErrorRuntime", x === undefined ? "Runtime error" : display(ctx, x), pos, x);
  };
}

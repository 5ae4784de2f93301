// Expressions: literals (interpolated strings, arrays, maps), `this`, the unary and binary
// operators with their integer fast paths, `&&`, `||` and `??`.

import type { Node, NodeOf } from "../ast.js";
import {
  binaryOp,
  CallSite,
  callNative,
  checkDataSize,
  checkStringSize,
  contains,
  display,
  rtErr,
} from "../eval/index.js";
import { toDynamicDisplay } from "../format.js";
import * as int from "../int.js";
import { type Eval, NO_THIS } from "../runtime/index.js";
import { Float, type RhaiMap, type Value } from "../value.js";
import { isConstant } from "./analysis.js";
import { type Compiling, MAX_SAFE, MIN_SAFE, mismatch } from "./context.js";

export function interp(c: Compiling, n: NodeOf<"Interp">): Eval {
  const parts = n.parts.map((p) => c.expr(p));
  // The reference's optimiser folds a constant array or map literal into the string with
  // its Dynamic Display, which quotes characters: `${[1, 'c']}` is "[1, 'c']".
  // Only when the whole string is constant: otherwise nothing is folded.
  const allConstant = n.parts.every(isConstant);
  const folded = n.parts.map((p) => allConstant && (p.type === "Array" || p.type === "MapLit"));
  const ctx = c.ctx;
  const pos = n.position;
  return (f) => {
    let s = "";
    for (let i = 0; i < parts.length; i++) {
      const v = (parts[i] as Eval)(f);
      s += typeof v === "string" ? v : folded[i] ? toDynamicDisplay(v) : display(ctx, v);
    }
    if (ctx.limits.maxStringSize > 0) checkStringSize(ctx, s, pos);
    return s;
  };
}

export function arrayLit(c: Compiling, n: NodeOf<"Array">): Eval {
  const items = n.items.map((i) => c.stored(i));
  const rt = c.rt;
  const ctx = c.ctx;
  const pos = n.position;
  return (f) => {
    if (++rt.ops > rt.opsLimit) rt.checkOps(pos);
    const out = new Array<Value>(items.length);
    for (let i = 0; i < items.length; i++) {
      if (++rt.ops > rt.opsLimit) rt.checkOps(pos);
      out[i] = (items[i] as Eval)(f);
    }
    const l = ctx.limits;
    if (l.maxArraySize > 0 || l.maxMapSize > 0 || l.maxStringSize > 0) checkDataSize(ctx, out, pos);
    return out;
  };
}

export function mapLit(c: Compiling, n: NodeOf<"MapLit">): Eval {
  const entries = n.entries.map(([k, v]) => [k, c.stored(v)] as const);
  const rt = c.rt;
  const ctx = c.ctx;
  const pos = n.position;
  return (f) => {
    if (++rt.ops > rt.opsLimit) rt.checkOps(pos);
    const m: RhaiMap = new Map();
    for (const [k, v] of entries) {
      if (++rt.ops > rt.opsLimit) rt.checkOps(pos);
      m.set(k, v(f));
    }
    const l = ctx.limits;
    if (l.maxArraySize > 0 || l.maxMapSize > 0 || l.maxStringSize > 0) checkDataSize(ctx, m, pos);
    return m;
  };
}

export function unary(c: Compiling, n: NodeOf<"Unary">): Eval {
  const a = c.expr(n.arg);
  const pos = n.position;
  const ctx = c.ctx;
  const site = new CallSite(ctx, n.op, pos);
  switch (n.op) {
    case "-":
      return (f) => {
        const v = a(f);
        if (typeof v === "number") return v === 0 ? 0 : -v;
        if (typeof v === "bigint") {
          const r = int.neg(v);
          if (r === null) throw rtErr("ErrorArithmetic", `Negation overflow: -${v}`, pos);
          return r;
        }
        if (v instanceof Float) return new Float(-v.value);
        return callNative(site, [v], pos);
      };
    case "+":
      return (f) => {
        const v = a(f);
        if (typeof v === "number" || typeof v === "bigint" || v instanceof Float) return v;
        return callNative(site, [v], pos);
      };
    default:
      return (f) => {
        const v = a(f);
        if (typeof v === "boolean") return !v;
        return callNative(site, [v], pos);
      };
  }
}

export function binary(c: Compiling, n: NodeOf<"Binary">): Eval {
  const op = n.op;
  const pos = n.position;
  const ctx = c.ctx;
  const l = c.expr(n.left);
  const r = c.expr(n.right);
  const site = new CallSite(ctx, op, pos);
  const slow = (a: Value, b: Value) => binaryOp(ctx, op, a, b, site, pos);
  const limits = ctx.limits;
  const k =
    n.right.type === "Const" && typeof n.right.value === "number" ? n.right.value : undefined;
  if (k !== undefined) {
    const fast = binaryWithConstant(op, l, k, slow);
    if (fast !== undefined) return fast;
  }
  switch (op) {
    case "+":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") {
          const x = a + b;
          if (x <= MAX_SAFE && x >= MIN_SAFE) return x;
        } else if (typeof a === "string" && typeof b === "string" && limits.maxStringSize === 0) {
          // A join with no size limit to check: the slow path would only come to this.
          return a + b;
        } else if (a instanceof Float && b instanceof Float) {
          // Float arithmetic as the slow path does it (a float has no size to check).
          return new Float(a.value + b.value);
        }
        return slow(a, b);
      };
    case "-":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") {
          const x = a - b;
          if (x <= MAX_SAFE && x >= MIN_SAFE) return x;
        } else if (a instanceof Float && b instanceof Float) {
          return new Float(a.value - b.value);
        }
        return slow(a, b);
      };
    case "*":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") {
          const x = a * b;
          if (x <= MAX_SAFE && x >= MIN_SAFE) return x === 0 ? 0 : x;
        } else if (a instanceof Float) {
          // A float times a float or a (safe) integer, as the slow path's floatOp.
          if (b instanceof Float) return new Float(a.value * b.value);
          if (typeof b === "number") return new Float(a.value * b);
        }
        return slow(a, b);
      };
    case "/":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number" && b !== 0) {
          const x = Math.trunc(a / b);
          return x === 0 ? 0 : x;
        } else if (a instanceof Float && b instanceof Float) {
          return new Float(a.value / b.value);
        }
        return slow(a, b);
      };
    case "%":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number" && b !== 0) {
          const x = a % b;
          return x === 0 ? 0 : x;
        }
        return slow(a, b);
      };
    case "<":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") return a < b;
        return slow(a, b);
      };
    case "<=":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") return a <= b;
        return slow(a, b);
      };
    case ">":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") return a > b;
        return slow(a, b);
      };
    case ">=":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") return a >= b;
        return slow(a, b);
      };
    case "==":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") return a === b;
        return slow(a, b);
      };
    case "!=":
      return (f) => {
        const a = l(f);
        const b = r(f);
        if (typeof a === "number" && typeof b === "number") return a !== b;
        return slow(a, b);
      };
    case "in":
      return (f) => contains(ctx, r(f), l(f), pos);
    case "!in":
      return (f) => !contains(ctx, r(f), l(f), pos);
    default:
      return (f) => slow(l(f), r(f));
  }
}

/** `x op 5`: the right operand is a known integer, so one call and one type check less. */
function binaryWithConstant(
  op: string,
  l: Eval,
  k: number,
  slow: (a: Value, b: Value) => Value,
): Eval | undefined {
  switch (op) {
    case "+":
      return (f) => {
        const a = l(f);
        if (typeof a === "number") {
          const x = a + k;
          if (x <= MAX_SAFE && x >= MIN_SAFE) return x;
        }
        return slow(a, k);
      };
    case "-":
      return (f) => {
        const a = l(f);
        if (typeof a === "number") {
          const x = a - k;
          if (x <= MAX_SAFE && x >= MIN_SAFE) return x;
        }
        return slow(a, k);
      };
    case "*":
      return (f) => {
        const a = l(f);
        if (typeof a === "number") {
          const x = a * k;
          if (x <= MAX_SAFE && x >= MIN_SAFE) return x === 0 ? 0 : x;
        }
        return slow(a, k);
      };
    case "%":
      if (k === 0) return undefined;
      return (f) => {
        const a = l(f);
        if (typeof a === "number") {
          const x = a % k;
          return x === 0 ? 0 : x;
        }
        return slow(a, k);
      };
    case "<":
      return (f) => {
        const a = l(f);
        return typeof a === "number" ? a < k : slow(a, k);
      };
    case "<=":
      return (f) => {
        const a = l(f);
        return typeof a === "number" ? a <= k : slow(a, k);
      };
    case ">":
      return (f) => {
        const a = l(f);
        return typeof a === "number" ? a > k : slow(a, k);
      };
    case ">=":
      return (f) => {
        const a = l(f);
        return typeof a === "number" ? a >= k : slow(a, k);
      };
    case "==":
      return (f) => {
        const a = l(f);
        return typeof a === "number" ? a === k : slow(a, k);
      };
    case "!=":
      return (f) => {
        const a = l(f);
        return typeof a === "number" ? a !== k : slow(a, k);
      };
  }
  return undefined;
}

/** `this`: unbound outside a method call. */
export function thisValue(n: NodeOf<"This">): Eval {
  const pos = n.position;
  return (f) => {
    const t = f[0];
    if (t === NO_THIS) throw rtErr("ErrorUnboundThis", "'this' is not bound", pos);
    return t as Value;
  };
}

/** `&&`, `||` (the right side only when needed, both sides booleans) and `??`. */
export function logical(c: Compiling, n: Extract<Node, { type: "And" | "Or" | "Coalesce" }>): Eval {
  const l = c.expr(n.left);
  const r = c.expr(n.right);
  const pos = n.position;
  if (n.type === "Coalesce") {
    return (f) => {
      const a = l(f);
      return a === undefined ? r(f) : a;
    };
  }
  if (n.type === "And") {
    return (f) => {
      const a = l(f);
      if (a === false) return false;
      if (a !== true) throw mismatch("bool", a, n.left.position);
      const b = r(f);
      if (typeof b !== "boolean") throw mismatch("bool", b, pos);
      return b;
    };
  }
  return (f) => {
    const a = l(f);
    if (a === true) return true;
    if (a !== false) throw mismatch("bool", a, n.left.position);
    const b = r(f);
    if (typeof b !== "boolean") throw mismatch("bool", b, pos);
    return b;
  };
}

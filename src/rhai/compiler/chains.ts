// Chains and assignment: places (a variable, `this`, an element or property of a place)
// to read and write back, `a[i]` and `a.b` reads with their inline fast paths, and `=` and
// the compound assignments with the data-size checks of what changed.

import type { Node, NodeOf } from "../ast.js";
import {
  CallSite,
  checkGrown,
  indexGet,
  indexSet,
  opAssign,
  propGet,
  propSet,
  rtErr,
} from "../eval/index.js";
import {
  type Cell,
  type DynScope,
  type Eval,
  type Frame,
  LocalScope,
  NO_THIS,
  type Ref,
} from "../runtime/index.js";
import { Float, type Value } from "../value.js";
import { type Compiling, MAX_SAFE, MIN_SAFE, NO_VALUES } from "./context.js";

/** Compiles an assignable place. */
export function ref(c: Compiling, n: Node): Ref {
  const pos = n.position;
  switch (n.type) {
    case "Var": {
      const name = n.name;
      const constant = n.decl?.constant ?? false;
      if (n.decl !== undefined) {
        const slot = c.fs.slotOf(n.decl);
        if (slot !== undefined && c.fs.usesEval) {
          const captured = n.decl.captured;
          const local = (f: Frame) => {
            const d = f[1];
            return d instanceof LocalScope ? d.findLocal(name) : undefined;
          };
          return {
            get: (f) => {
              const l = local(f);
              if (l !== undefined) return l.v;
              const x = f[slot];
              return (captured ? (x as Cell).v : x) as Value;
            },
            set: (f, v) => {
              const l = local(f);
              if (l !== undefined) l.v = v;
              else if (captured) (f[slot] as Cell).v = v;
              else f[slot] = v;
            },
            rootName: name,
            constant,
          };
        }
        if (slot !== undefined) {
          if (n.decl.captured) {
            return {
              get: (f) => (f[slot] as Cell).v,
              set: (f, v) => {
                (f[slot] as Cell).v = v;
              },
              rootName: name,
              constant,
            };
          }
          return {
            get: (f) => f[slot] as Value,
            set: (f, v) => {
              f[slot] = v;
            },
            rootName: name,
            constant,
          };
        }
      }
      const find = (f: Frame) => {
        const v = (f[1] as DynScope | null)?.find(name);
        if (v === undefined)
          throw rtErr("ErrorVariableNotFound", `Variable not found: ${name}`, pos, name);
        return v;
      };
      return {
        get: (f) => find(f).v,
        set: (f, v) => {
          const d = find(f);
          if (d.constant)
            throw rtErr("ErrorAssignmentToConstant", `Cannot modify constant ${name}`, pos, name);
          d.v = v;
        },
        rootName: name,
        constant: false,
      };
    }
    case "This":
      return {
        get: (f) => {
          const t = f[0];
          if (t === NO_THIS) throw rtErr("ErrorUnboundThis", "'this' is not bound", pos);
          return t as Value;
        },
        set: (f, v) => {
          if (f[0] === NO_THIS) throw rtErr("ErrorUnboundThis", "'this' is not bound", pos);
          f[0] = v;
        },
        rootName: "this",
        constant: false,
      };
    case "Index": {
      const ctx = c.ctx;
      const parent = ref(c, n.target);
      const idx = c.expr(n.index);
      const safe = n.safe;
      return {
        get: (f) => {
          const c = parent.get(f);
          if (safe && c === undefined) return undefined;
          return indexGet(ctx, c, idx(f), pos, n.index.position);
        },
        set: (f, v, checked) => {
          if (parent.constant) {
            throw rtErr(
              "ErrorAssignmentToConstant",
              `Cannot modify constant ${parent.rootName}`,
              pos,
              parent.rootName,
            );
          }
          const c = parent.get(f);
          if (safe && c === undefined) return;
          const r = indexSet(ctx, c, idx(f), v, pos, n.index.position);
          if (checked) checkGrown(ctx, r, [v], 0, false, pos);
          if (r !== c) parent.set(f, r, checked);
        },
        rootName: parent.rootName,
        constant: parent.constant,
      };
    }
    case "Prop": {
      const ctx = c.ctx;
      const parent = ref(c, n.target);
      const name = n.name;
      const safe = n.safe;
      return {
        get: (f) => {
          const o = parent.get(f);
          if (safe && o === undefined) return undefined;
          return propGet(ctx, o, name, pos);
        },
        set: (f, v, checked) => {
          if (parent.constant) {
            throw rtErr(
              "ErrorAssignmentToConstant",
              `Cannot modify constant ${parent.rootName}`,
              pos,
              parent.rootName,
            );
          }
          const o = parent.get(f);
          if (safe && o === undefined) return;
          const r = propSet(ctx, o, name, v, pos);
          if (checked) checkGrown(ctx, r, [v], 0, false, pos);
          if (r !== o) parent.set(f, r, checked);
        },
        rootName: parent.rootName,
        constant: parent.constant,
      };
    }
    default: {
      // A temporary: reads evaluate it, writes go nowhere.
      const e = c.expr(n);
      return { get: e, set: () => {}, rootName: "", constant: false };
    }
  }
}

export function chainGet(c: Compiling, n: NodeOf<"Index"> | NodeOf<"Prop">): Eval {
  const pos = n.position;
  const target = c.expr(n.target);
  const safe = n.safe;
  const ctx = c.ctx;
  if (n.type === "Index") {
    const idx = c.expr(n.index);
    // Bounds and index-type errors point at the index, as the reference's do.
    const indexPos = n.index.position;
    return (f) => {
      // The reference evaluates the index before the expression it indexes.
      const i = idx(f);
      const c = target(f);
      if (safe && c === undefined) return undefined;
      if (Array.isArray(c) && typeof i === "number") {
        const len = c.length;
        if (i >= 0 && i < len) return c[i];
        if (i < 0 && -i <= len) return c[len + i];
      }
      return indexGet(ctx, c, i, pos, indexPos);
    };
  }
  const name = n.name;
  return (f) => {
    const o = target(f);
    if (safe && o === undefined) return undefined;
    if (o instanceof Map) {
      const v = o.get(name);
      if (v !== undefined || o.has(name)) return v;
    }
    return propGet(ctx, o, name, pos);
  };
}

/** The frame slot of a plain local variable (not captured, no `eval` around), if it is one. */
function localSlot(c: Compiling, n: Node): number | undefined {
  if (n.type !== "Var" || n.decl === undefined || n.decl.captured || c.fs.usesEval)
    return undefined;
  return c.fs.slotOf(n.decl);
}

export function assign(c: Compiling, n: NodeOf<"Assign">): Eval {
  const target = ref(c, n.target);
  const pos = n.position;
  const ctx = c.ctx;
  const limits = ctx.limits;
  // Sizes are checked where the value changed, at a cost that does not grow with the
  // value: a variable's new value by its own count (it was measured in full when it was
  // built), an element or property set by the container's count plus the new element's
  // sizes, an in-place `+=` by the container's count plus what was added.
  const sizeLimited = () =>
    limits.maxArraySize > 0 || limits.maxMapSize > 0 || limits.maxStringSize > 0;
  const checkStored = (v: Value) => {
    if (sizeLimited()) checkGrown(ctx, v, NO_VALUES, 0, false, pos);
  };
  const checkCompound = (before: Value, b: Value, after: Value) => {
    if (!sizeLimited()) return;
    if (after === before) checkGrown(ctx, after, [b], 0, true, pos);
    else checkGrown(ctx, after, NO_VALUES, 0, false, pos);
  };
  if (target.constant && n.target.type === "Var") {
    const name = target.rootName;
    return () => {
      throw rtErr("ErrorAssignmentToConstant", `Cannot modify constant ${name}`, pos, name);
    };
  }
  const isVar = n.target.type === "Var" || n.target.type === "This";
  const slot = localSlot(c, n.target);
  if (n.op === "=") {
    const value = c.stored(n.value);
    if (slot !== undefined) {
      return (f) => {
        const v = value(f);
        f[slot] = v;
        checkStored(v);
        return undefined;
      };
    }
    if (isVar) {
      return (f) => {
        const v = value(f);
        target.set(f, v);
        checkStored(v);
        return undefined;
      };
    }
    return (f) => {
      target.set(f, value(f), sizeLimited());
      return undefined;
    };
  }
  const op = n.op.slice(0, -1);
  const value = c.stored(n.value);
  const site = new CallSite(ctx, n.op, pos);
  const opSite = new CallSite(ctx, op, pos);
  if ((op === "+" || op === "-") && slot !== undefined) {
    // `x += n` on a local integer: the loop counter case, without going through a Ref.
    const plus = op === "+";
    return (f) => {
      const b = value(f);
      const a = f[slot] as Value;
      if (typeof a === "number" && typeof b === "number") {
        const r = plus ? a + b : a - b;
        if (r <= MAX_SAFE && r >= MIN_SAFE) {
          f[slot] = r;
          return undefined;
        }
      }
      const r = opAssign(ctx, op, a, b, site, opSite, pos);
      f[slot] = r;
      checkCompound(a, b, r);
      return undefined;
    };
  }
  if (op === "+" || op === "-") {
    const plus = op === "+";
    return (f) => {
      const b = value(f);
      const a = target.get(f);
      let r: Value;
      if (typeof a === "number" && typeof b === "number") {
        r = plus ? a + b : a - b;
        if (r <= MAX_SAFE && r >= MIN_SAFE) {
          target.set(f, r);
          return undefined;
        }
      }
      if (a instanceof Float && b instanceof Float) {
        // What opAssign would give (floats are not updated in place): `c[i] += x * y`.
        r = new Float(plus ? a.value + b.value : a.value - b.value);
      } else r = opAssign(ctx, op, a, b, site, opSite, pos);
      target.set(f, r);
      checkCompound(a, b, r);
      return undefined;
    };
  }
  return (f) => {
    const b = value(f);
    const a = target.get(f);
    const r = opAssign(ctx, op, a, b, site, opSite, pos);
    target.set(f, r);
    checkCompound(a, b, r);
    return undefined;
  };
}

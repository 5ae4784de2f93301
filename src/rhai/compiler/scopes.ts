// Scopes: statement blocks (operation counting per statement, modules and `eval`
// variables dropped when the block ends), variables (frame slots, cells, names resolved at
// run time), `let`, `global::` constants, `import`, and closures with their captured cells.

import type { Node, NodeOf } from "../ast.js";
import type { Position } from "../errors.js";
import { importModule, moduleVar, rtErr } from "../eval/index.js";
import {
  Cell,
  ClosureTarget,
  type DynScope,
  type Eval,
  type Frame,
  JUMP,
  LocalScope,
} from "../runtime/index.js";
import { FnPtr, type Value } from "../value.js";
import { isPure } from "./analysis.js";
import { type Compiling, mismatch } from "./context.js";

/** A statement list; in a jump context (`inCtl`) a JUMP result ends it early. */
export function block(c: Compiling, all: readonly Node[], scoped = true, inCtl = false): Eval {
  // The reference's optimiser drops statements without effects whose value is unused
  // (`undefined_thing;` before the last statement is no error there): so do we.
  const stmts = all.filter((s, i) => i === all.length - 1 || !isPure(s));
  // Where each statement is, so a limit stops with a position.
  const where = stmts.map((st) => st.position);
  const mark = c.fs.visible.length;
  const compiled = stmts.map((s) => (inCtl ? c.ctl(s) : c.expr(s)));
  if (scoped) c.fs.visible.length = mark;
  const rt = c.rt;
  const n = compiled.length;
  if (n === 0) return () => undefined;
  if (scoped && stmts.some((s) => s.type === "Import")) {
    // Modules imported inside a block are gone when it ends.
    const inner = blockBody(c, compiled, where);
    return (f) => {
      const mark = rt.imports.length;
      try {
        return inner(f);
      } finally {
        rt.imports.length = mark;
      }
    };
  }
  if (scoped && c.fs.usesEval) {
    // Variables an `eval` defines inside the block end with it.
    return (f) => {
      const saved = f[1];
      try {
        let v: Value;
        for (let i = 0; i < n; i++) {
          if (++rt.ops > rt.opsLimit) rt.checkOps(where[i]);
          v = (compiled[i] as Eval)(f);
          if (v === JUMP) return v;
        }
        return v;
      } finally {
        f[1] = saved;
      }
    };
  }
  if (n === 1) {
    const s0 = compiled[0] as Eval;
    const p0 = where[0];
    return (f) => {
      if (++rt.ops > rt.opsLimit) rt.checkOps(p0);
      return s0(f);
    };
  }
  if (n === 2) {
    const s0 = compiled[0] as Eval;
    const s1 = compiled[1] as Eval;
    const p0 = where[0];
    const p1 = where[1];
    return (f) => {
      if (++rt.ops > rt.opsLimit) rt.checkOps(p0);
      if (s0(f) === JUMP) return JUMP;
      if (++rt.ops > rt.opsLimit) rt.checkOps(p1);
      return s1(f);
    };
  }
  return (f) => {
    let v: Value;
    for (let i = 0; i < n; i++) {
      if (++rt.ops > rt.opsLimit) rt.checkOps(where[i]);
      v = (compiled[i] as Eval)(f);
      if (v === JUMP) return v;
    }
    return v;
  };
}

function blockBody(c: Compiling, compiled: Eval[], where: Position[]): Eval {
  const rt = c.rt;
  return (f) => {
    let v: Value;
    for (let i = 0; i < compiled.length; i++) {
      if (++rt.ops > rt.opsLimit) rt.checkOps(where[i]);
      v = (compiled[i] as Eval)(f);
      if (v === JUMP) return v;
    }
    return v;
  };
}

export function varGet(c: Compiling, n: NodeOf<"Var">): Eval {
  const pos = n.position;
  const name = n.name;
  if (n.decl !== undefined) {
    const slot = c.fs.slotOf(n.decl);
    if (slot !== undefined) {
      const captured = n.decl.captured;
      if (c.fs.usesEval) {
        return (f) => {
          const d = f[1];
          if (d instanceof LocalScope) {
            const v = d.findLocal(name);
            if (v !== undefined) return v.v;
          }
          const x = f[slot];
          return (captured ? (x as Cell).v : x) as Value;
        };
      }
      if (captured) return (f) => (f[slot] as Cell).v;
      return (f) => f[slot] as Value;
    }
  }
  if (name.includes("::")) {
    const path = name.split("::");
    const member = path.pop() as string;
    const ctx = c.ctx;
    return () => moduleVar(ctx, path, member, pos);
  }
  const program = c.program;
  const ctx = c.ctx;
  return (f) => {
    const dyn = f[1] as DynScope | null;
    const v = dyn?.find(name);
    if (v === undefined) {
      // A function's name used as a value is a pointer to it.
      if (program.hasName(name) || ctx.lib.has(name)) return new FnPtr(name);
      throw rtErr("ErrorVariableNotFound", `Variable not found: ${name}`, pos, name);
    }
    return v.v;
  };
}

export function globalVar(c: Compiling, n: NodeOf<"GlobalVar">): Eval {
  const pos = n.position;
  const name = n.name;
  const program = c.program;
  return () => {
    const frame = program.mainFrame;
    const layer = frame?.[1];
    if (layer instanceof LocalScope) {
      const v = layer.findLocal(name);
      if (v?.constant) return v.v;
    }
    const g = program.globalConst(name);
    if (frame !== undefined && g !== undefined && g.slot in frame) {
      const x = frame[g.slot];
      return (g.captured ? (x as Cell).v : x) as Value;
    }
    throw rtErr(
      "ErrorVariableNotFound",
      `Variable not found: global::${name}`,
      pos,
      `global::${name}`,
    );
  };
}

export function letStmt(c: Compiling, n: NodeOf<"Let">): Eval {
  const value = n.value ? c.stored(n.value) : undefined;
  const count = c.fs.visible.length;
  const slot = c.fs.declare(n.decl);
  const limits = c.ctx.limits;
  const pos = n.position;
  const check = (f: Frame) => {
    if (limits.maxVariables > 0) {
      const dyn = f[1];
      const extra =
        dyn !== null && dyn !== undefined && "size" in (dyn as object)
          ? ((dyn as { size: number }).size ?? 0)
          : 0;
      if (count + extra >= limits.maxVariables)
        throw rtErr("ErrorTooManyVariables", "Too many variables", pos);
    }
  };
  if (n.decl.captured) {
    return (f) => {
      check(f);
      f[slot] = new Cell(value ? value(f) : undefined);
      return undefined;
    };
  }
  if (value === undefined) {
    return (f) => {
      check(f);
      f[slot] = undefined;
      return undefined;
    };
  }
  return (f) => {
    if (limits.maxVariables > 0) check(f);
    f[slot] = value(f);
    return undefined;
  };
}

export function importStmt(c: Compiling, n: NodeOf<"Import">): Eval {
  const path = c.expr(n.path);
  const pos = n.position;
  const alias = n.alias?.name;
  const ctx = c.ctx;
  const rt = c.rt;
  return (f) => {
    const p = path(f);
    if (typeof p !== "string") throw mismatch("string", p, pos);
    const module = importModule(ctx, p, pos);
    if (alias !== undefined) rt.imports.push({ alias, module });
    return undefined;
  };
}

export function closure(c: Compiling, n: NodeOf<"Closure">): Eval {
  const def = n.fn;
  const cf = c.newFn(def);
  c.program.fns.set(`${def.name}/${def.params.length}`, cf);
  const outerSlots = def.captures.map((k) => c.fs.slotOf(k.outer));
  c.compileFnBody(cf, def);
  const name = def.name;
  const pos = n.position;
  if (outerSlots.length === 0) {
    const shared = new FnPtr(name, [], new ClosureTarget(cf, []));
    return (f) => {
      const dyn = f[1] as DynScope | null;
      return dyn === null ? shared : new FnPtr(name, [], new ClosureTarget(cf, [], dyn));
    };
  }
  return (f) => {
    const cells = outerSlots.map((s) => {
      if (s === undefined) throw rtErr("ErrorVariableNotFound", "Captured variable not found", pos);
      return f[s] as Cell;
    });
    return new FnPtr(name, [], new ClosureTarget(cf, cells, f[1] as DynScope | null));
  };
}

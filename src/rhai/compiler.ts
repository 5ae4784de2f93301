// The compiler: syntax tree to JavaScript closures.
//
// Every node becomes a function `(frame) => value`. Variables were resolved by the parser
// to their declarations; here each declaration gets a slot in its function's frame array,
// so a variable read is an array access. Variables captured by closures live in `Cell`s.
// Integer arithmetic and comparisons take a fast path on JS numbers before anything else;
// calls to script functions are bound at compile time, native calls are resolved at run
// time and cached per call site by argument types.

import type { FnDef, Node, NodeOf, Script, VarDecl } from "./ast.js";
import { type Position, RhaiParseError, RhaiRuntimeError, typeMismatch } from "./errors.js";
import {
  atPos,
  binaryOp,
  CallSite,
  callFnPtr,
  callMethod,
  callModuleFn,
  callNative,
  callNativeMethod,
  callScript,
  callScript1,
  checkDataSize,
  checkGrown,
  checkStringSize,
  contains,
  debugText,
  display,
  type EvalContext,
  errorValue,
  evalInScope,
  fnSignatureOf,
  importModule,
  indexGet,
  indexSet,
  isCatchable,
  makeFnPtr,
  moduleVar,
  notFound,
  opAssign,
  propGet,
  propSet,
  rtErr,
} from "./eval/index.js";
import { toDebug, toDynamicDisplay } from "./format.js";
import * as int from "./int.js";
import { isStackExhausted } from "./js-errors.js";
import { copy } from "./ops.js";
import { switchKey } from "./parser.js";
import {
  BREAK,
  Cell,
  ClosureTarget,
  CONTINUE,
  type CompiledFn,
  type DynScope,
  type Eval,
  EvalScope,
  FIRST_SLOT,
  type Frame,
  FrameView,
  isSignal,
  JUMP,
  JUMP_BREAK,
  JUMP_CONTINUE,
  JUMP_RETURN,
  LocalScope,
  NO_THIS,
  Program,
  RETURN,
  type Ref,
  type RunState,
} from "./runtime/index.js";
import {
  Blob,
  char,
  Float,
  FnPtr,
  type Int,
  Range,
  type RhaiMap,
  typeName,
  typeOf,
  type Value,
} from "./value.js";

/** No arguments: a check of a value's own size only. */
const NO_VALUES: readonly Value[] = [];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MIN_SAFE = Number.MIN_SAFE_INTEGER;

interface SlotInfo {
  slot: number;
  captured: boolean;
  constant: boolean;
}

/** Per-function compile state: slot allocation and the variables visible so far. */
class FnScope {
  readonly slots = new Map<VarDecl, number>();
  next = FIRST_SLOT;
  readonly visible: VarDecl[] = [];
  constructor(
    readonly isFunction: boolean,
    /** The body calls `eval`: variables it defines may shadow compiled ones. */
    readonly usesEval = false,
  ) {}

  declare(decl: VarDecl): number {
    const s = this.next++;
    this.slots.set(decl, s);
    this.visible.push(decl);
    return s;
  }

  slotOf(decl: VarDecl): number | undefined {
    return this.slots.get(decl);
  }

  /** Visible names and their slots, innermost declaration winning. */
  view(): Map<string, SlotInfo> {
    const m = new Map<string, SlotInfo>();
    for (const d of this.visible) {
      const slot = this.slots.get(d) as number;
      m.set(d.name, { slot, captured: d.captured, constant: d.constant });
    }
    return m;
  }
}

/** Whether evaluating a node has no effect but its value: variables, literals, blocks of them. */
function isPure(n: Node): boolean {
  switch (n.type) {
    case "Const":
    case "Var":
      return true;
    case "Array":
      return n.items.every(isPure);
    case "MapLit":
      return n.entries.every(([, v]) => isPure(v));
    case "Block":
      return n.body.every(isPure);
    case "If":
      return isPure(n.cond) && isPure(n.then) && (n.else === undefined || isPure(n.else));
    default:
      return false;
  }
}

/** Whether a node is made of literals only (what the reference's optimiser folds). */
function isConstant(n: Node): boolean {
  switch (n.type) {
    case "Const":
      return true;
    case "Unary":
      return isConstant(n.arg);
    case "Binary":
      return isConstant(n.left) && isConstant(n.right);
    case "Array":
      return n.items.every(isConstant);
    case "MapLit":
      return n.entries.every(([, v]) => isConstant(v));
    default:
      return false;
  }
}

function isRefNode(n: Node): boolean {
  return (
    n.type === "Var" ||
    n.type === "Index" ||
    n.type === "Prop" ||
    n.type === "This" ||
    n.type === "GlobalVar"
  );
}

/** Whether `break`/`continue` for this loop can occur in `n` (not inside nested loops or functions). */
function hasLoopJump(n: Node | undefined): boolean {
  if (n === undefined) return false;
  switch (n.type) {
    case "Break":
    case "Continue":
      return true;
    case "While":
    case "Do":
    case "For":
      return n.type === "For"
        ? hasLoopJump(n.iterable)
        : n.type === "While"
          ? hasLoopJump(n.cond)
          : hasLoopJump(n.cond);
    case "Closure":
      return false;
    default:
      return childNodes(n).some(hasLoopJump);
  }
}

function childNodes(n: Node): Node[] {
  switch (n.type) {
    case "Interp":
      return [...n.parts];
    case "Array":
      return [...n.items];
    case "MapLit":
      return n.entries.map((e) => e[1]);
    case "Unary":
      return [n.arg];
    case "Binary":
    case "And":
    case "Or":
    case "Coalesce":
      return [n.left, n.right];
    case "Index":
      return [n.target, n.index];
    case "Prop":
      return [n.target];
    case "Call":
      return [...n.args];
    case "Method":
      return [n.target, ...n.args];
    case "Block":
      return [...n.body];
    case "If":
      return n.else ? [n.cond, n.then, n.else] : [n.cond, n.then];
    case "Switch": {
      const out: Node[] = [n.subject];
      for (const list of n.table.values())
        for (const c of list) out.push(...(c.condition ? [c.condition, c.body] : [c.body]));
      for (const r of n.ranges)
        out.push(...(r.case.condition ? [r.case.condition, r.case.body] : [r.case.body]));
      if (n.default) out.push(n.default);
      return out;
    }
    case "While":
      return n.cond ? [n.cond, n.body] : [n.body];
    case "Do":
      return [n.body, n.cond];
    case "For":
      return [n.iterable, n.body];
    case "Break":
    case "Return":
    case "Throw":
      return n.value ? [n.value] : [];
    case "Try":
      return [n.body, n.catchBody];
    case "Let":
      return n.value ? [n.value] : [];
    case "Assign":
      return [n.target, n.value];
    case "Import":
      return [n.path];
    default:
      return [];
  }
}

/** Whether `eval` is called in this code (not counting nested closures). */
function callsEval(n: Node): boolean {
  if (n.type === "Call" && n.name === "eval") return true;
  if (n.type === "Closure") return false;
  return childNodes(n).some(callsEval);
}

/** Compiles one script (or `eval` text) into a Program bound to an engine. */
export class Compiler {
  private fs: FnScope;
  private readonly rt: RunState;
  private readonly ctx: EvalContext;
  readonly program: Program;

  constructor(ctx: EvalContext, script: Script, parent?: Program) {
    this.ctx = ctx;
    this.rt = this.ctx.rt;
    this.program = new Program(script, parent);
    // The parser records `eval` calls; a tree built some other way is searched.
    this.fs = new FnScope(false, script.usesEval ?? script.body.some(callsEval));
  }

  compile(): Program {
    const p = this.program;
    // Declare every function first so calls bind at compile time (recursion, any order).
    const pending: [CompiledFn, FnDef][] = [];
    for (const def of p.script.functions) {
      const cf = this.newFn(def);
      const prefix = def.thisType === undefined ? "" : `${def.thisType}.`;
      p.fns.set(`${prefix}${def.name}/${def.params.length}`, cf);
      pending.push([cf, def]);
    }
    for (const [cf, def] of pending) this.compileFnBody(cf, def);
    const body = this.block(p.script.body, false, true);
    p.main = body;
    p.nslots = this.fs.next;
    for (const d of this.fs.visible) {
      p.topLevel.push({
        name: d.name,
        slot: this.fs.slots.get(d) as number,
        captured: d.captured,
        constant: d.constant,
      });
    }
    return p;
  }

  private newFn(def: FnDef): CompiledFn {
    return {
      name: def.name,
      arity: def.params.length,
      nslots: 0,
      paramSlots: [],
      paramCaptured: [],
      captureSlots: [],
      body: () => undefined,
      def,
      program: this.program,
    };
  }

  private compileFnBody(cf: CompiledFn, def: FnDef): void {
    const saved = this.fs;
    this.fs = new FnScope(true, def.usesEval ?? callsEval(def.body));
    for (const c of def.captures) cf.captureSlots.push(this.fs.declare(c.inner));
    for (const p of def.params) {
      cf.paramSlots.push(this.fs.declare(p));
      cf.paramCaptured.push(p.captured);
    }
    // A function returns a value, never a reference into `this` or a global: when its last
    // statement reads a variable, element or property, the value is copied.
    const stmts = def.body.type === "Block" ? def.body.body : [def.body];
    const last = stmts[stmts.length - 1];
    const body = this.block(stmts, false, true);
    cf.body =
      last !== undefined && isRefNode(last)
        ? (f) => {
            const v = body(f);
            return typeof v === "object" ? copy(v) : v;
          }
        : body;
    cf.nslots = this.fs.next;
    this.fs = saved;
  }

  // ---- statements and blocks --------------------------------------------------------

  /** A statement list; in a jump context (`inCtl`) a JUMP result ends it early. */
  private block(all: readonly Node[], scoped = true, inCtl = false): Eval {
    // The reference's optimiser drops statements without effects whose value is unused
    // (`undefined_thing;` before the last statement is no error there): so do we.
    const stmts = all.filter((s, i) => i === all.length - 1 || !isPure(s));
    // Where each statement is, so a limit stops with a position.
    const where = stmts.map((st) => st.position);
    const mark = this.fs.visible.length;
    const compiled = stmts.map((s) => (inCtl ? this.ctl(s) : this.expr(s)));
    if (scoped) this.fs.visible.length = mark;
    const rt = this.rt;
    const n = compiled.length;
    if (n === 0) return () => undefined;
    if (scoped && stmts.some((s) => s.type === "Import")) {
      // Modules imported inside a block are gone when it ends.
      const inner = this.blockBody(compiled, where);
      return (f) => {
        const mark = rt.imports.length;
        try {
          return inner(f);
        } finally {
          rt.imports.length = mark;
        }
      };
    }
    if (scoped && this.fs.usesEval) {
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

  private blockBody(compiled: Eval[], where: Position[]): Eval {
    const rt = this.rt;
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

  /** An expression whose value is stored somewhere: containers read from variables are copied. */
  private stored(n: Node): Eval {
    const e = this.expr(n);
    if (!isRefNode(n)) return e;
    return (f) => {
      const v = e(f);
      return typeof v === "object" ? copy(v) : v;
    };
  }

  expr(n: Node): Eval {
    switch (n.type) {
      case "Const": {
        const v = n.value;
        return () => v;
      }
      case "Interp":
        return this.interp(n);
      case "Var":
        return this.varGet(n);
      case "GlobalVar":
        return this.globalVar(n);
      case "This": {
        const pos = n.position;
        return (f) => {
          const t = f[0];
          if (t === NO_THIS) throw rtErr("ErrorUnboundThis", "'this' is not bound", pos);
          return t as Value;
        };
      }
      case "Array":
        return this.arrayLit(n);
      case "MapLit":
        return this.mapLit(n);
      case "Unary":
        return this.unary(n);
      case "Binary":
        return this.binary(n);
      case "And": {
        const l = this.expr(n.left);
        const r = this.expr(n.right);
        const pos = n.position;
        return (f) => {
          const a = l(f);
          if (a === false) return false;
          if (a !== true) throw this.mismatch("bool", a, n.left.position);
          const b = r(f);
          if (typeof b !== "boolean") throw this.mismatch("bool", b, pos);
          return b;
        };
      }
      case "Or": {
        const l = this.expr(n.left);
        const r = this.expr(n.right);
        const pos = n.position;
        return (f) => {
          const a = l(f);
          if (a === true) return true;
          if (a !== false) throw this.mismatch("bool", a, n.left.position);
          const b = r(f);
          if (typeof b !== "boolean") throw this.mismatch("bool", b, pos);
          return b;
        };
      }
      case "Coalesce": {
        const l = this.expr(n.left);
        const r = this.expr(n.right);
        return (f) => {
          const a = l(f);
          return a === undefined ? r(f) : a;
        };
      }
      case "Index":
      case "Prop":
        return this.chainGet(n);
      case "Call":
        return this.call(n);
      case "Method":
        return this.method(n);
      case "Closure":
        return this.closure(n);
      case "Block":
        return this.block(n.body);
      case "If":
        return this.ifExpr(n);
      case "Switch":
        return this.switchExpr(n);
      case "While":
        return this.whileLoop(n);
      case "Do":
        return this.doLoop(n);
      case "For":
        return this.forLoop(n);
      case "Break": {
        const v = n.value ? this.expr(n.value) : undefined;
        return (f) => {
          BREAK.value = v ? v(f) : undefined;
          throw BREAK;
        };
      }
      case "Continue":
        return () => {
          throw CONTINUE;
        };
      case "Return": {
        const v = n.value ? this.stored(n.value) : undefined;
        return (f) => {
          RETURN.value = v ? v(f) : undefined;
          throw RETURN;
        };
      }
      case "Throw": {
        const v = n.value ? this.expr(n.value) : undefined;
        const pos = n.position;
        return (f) => {
          const x = v ? v(f) : undefined;
          throw rtErr(
            "ErrorRuntime",
            x === undefined ? "Runtime error" : display(this.ctx, x),
            pos,
            x,
          );
        };
      }
      case "Try":
        return this.tryCatch(n);
      case "Let":
        return this.letStmt(n);
      case "Assign":
        return this.assign(n);
      case "Import":
        return this.importStmt(n);
      case "Export":
        return () => undefined;
      case "Noop":
        return () => undefined;
    }
  }

  private mismatch(expected: string, v: Value, pos: Position): RhaiRuntimeError {
    return typeMismatch(expected, typeName(v)).at(pos);
  }

  // ---- variables ------------------------------------------------------------------

  private varGet(n: NodeOf<"Var">): Eval {
    const pos = n.position;
    const name = n.name;
    if (n.decl !== undefined) {
      const slot = this.fs.slotOf(n.decl);
      if (slot !== undefined) {
        const captured = n.decl.captured;
        if (this.fs.usesEval) {
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
      return () => moduleVar(this.ctx, path, member, pos);
    }
    const program = this.program;
    const ctx = this.ctx;
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

  private globalVar(n: NodeOf<"GlobalVar">): Eval {
    const pos = n.position;
    const name = n.name;
    const program = this.program;
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

  private letStmt(n: NodeOf<"Let">): Eval {
    const value = n.value ? this.stored(n.value) : undefined;
    const count = this.fs.visible.length;
    const slot = this.fs.declare(n.decl);
    const limits = this.ctx.limits;
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

  /** Compiles an assignable place. */
  private ref(n: Node): Ref {
    const pos = n.position;
    switch (n.type) {
      case "Var": {
        const name = n.name;
        const constant = n.decl?.constant ?? false;
        if (n.decl !== undefined) {
          const slot = this.fs.slotOf(n.decl);
          if (slot !== undefined && this.fs.usesEval) {
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
        const parent = this.ref(n.target);
        const idx = this.expr(n.index);
        const safe = n.safe;
        return {
          get: (f) => {
            const c = parent.get(f);
            if (safe && c === undefined) return undefined;
            return indexGet(this.ctx, c, idx(f), pos, n.index.position);
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
            const r = indexSet(this.ctx, c, idx(f), v, pos, n.index.position);
            if (checked) checkGrown(this.ctx, r, [v], 0, false, pos);
            if (r !== c) parent.set(f, r, checked);
          },
          rootName: parent.rootName,
          constant: parent.constant,
        };
      }
      case "Prop": {
        const parent = this.ref(n.target);
        const name = n.name;
        const safe = n.safe;
        return {
          get: (f) => {
            const o = parent.get(f);
            if (safe && o === undefined) return undefined;
            return propGet(this.ctx, o, name, pos);
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
            const r = propSet(this.ctx, o, name, v, pos);
            if (checked) checkGrown(this.ctx, r, [v], 0, false, pos);
            if (r !== o) parent.set(f, r, checked);
          },
          rootName: parent.rootName,
          constant: parent.constant,
        };
      }
      default: {
        // A temporary: reads evaluate it, writes go nowhere.
        const e = this.expr(n);
        return { get: e, set: () => {}, rootName: "", constant: false };
      }
    }
  }

  private chainGet(n: NodeOf<"Index"> | NodeOf<"Prop">): Eval {
    const pos = n.position;
    const target = this.expr(n.target);
    const safe = n.safe;
    const ctx = this.ctx;
    if (n.type === "Index") {
      const idx = this.expr(n.index);
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
  private localSlot(n: Node): number | undefined {
    if (n.type !== "Var" || n.decl === undefined || n.decl.captured || this.fs.usesEval)
      return undefined;
    return this.fs.slotOf(n.decl);
  }

  private assign(n: NodeOf<"Assign">): Eval {
    const target = this.ref(n.target);
    const pos = n.position;
    const ctx = this.ctx;
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
    const slot = this.localSlot(n.target);
    if (n.op === "=") {
      const value = this.stored(n.value);
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
    const value = this.stored(n.value);
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
        if (typeof a === "number" && typeof b === "number") {
          const r = plus ? a + b : a - b;
          if (r <= MAX_SAFE && r >= MIN_SAFE) {
            target.set(f, r);
            return undefined;
          }
        }
        const r = opAssign(ctx, op, a, b, site, opSite, pos);
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

  // ---- literals --------------------------------------------------------------------

  private interp(n: NodeOf<"Interp">): Eval {
    const parts = n.parts.map((p) => this.expr(p));
    // The reference's optimiser folds a constant array or map literal into the string with
    // its Dynamic Display, which quotes characters: `${[1, 'c']}` is "[1, 'c']".
    // Only when the whole string is constant: otherwise nothing is folded.
    const allConstant = n.parts.every(isConstant);
    const folded = n.parts.map((p) => allConstant && (p.type === "Array" || p.type === "MapLit"));
    const ctx = this.ctx;
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

  private arrayLit(n: NodeOf<"Array">): Eval {
    const items = n.items.map((i) => this.stored(i));
    const rt = this.rt;
    const ctx = this.ctx;
    const pos = n.position;
    return (f) => {
      if (++rt.ops > rt.opsLimit) rt.checkOps(pos);
      const out = new Array<Value>(items.length);
      for (let i = 0; i < items.length; i++) {
        if (++rt.ops > rt.opsLimit) rt.checkOps(pos);
        out[i] = (items[i] as Eval)(f);
      }
      const l = ctx.limits;
      if (l.maxArraySize > 0 || l.maxMapSize > 0 || l.maxStringSize > 0)
        checkDataSize(ctx, out, pos);
      return out;
    };
  }

  private mapLit(n: NodeOf<"MapLit">): Eval {
    const entries = n.entries.map(([k, v]) => [k, this.stored(v)] as const);
    const rt = this.rt;
    const ctx = this.ctx;
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

  private closure(n: NodeOf<"Closure">): Eval {
    const def = n.fn;
    const cf = this.newFn(def);
    this.program.fns.set(`${def.name}/${def.params.length}`, cf);
    const outerSlots = def.captures.map((c) => this.fs.slotOf(c.outer));
    this.compileFnBody(cf, def);
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
        if (s === undefined)
          throw rtErr("ErrorVariableNotFound", "Captured variable not found", pos);
        return f[s] as Cell;
      });
      return new FnPtr(name, [], new ClosureTarget(cf, cells, f[1] as DynScope | null));
    };
  }

  // ---- operators --------------------------------------------------------------------

  private unary(n: NodeOf<"Unary">): Eval {
    const a = this.expr(n.arg);
    const pos = n.position;
    const ctx = this.ctx;
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

  private binary(n: NodeOf<"Binary">): Eval {
    const op = n.op;
    const pos = n.position;
    const ctx = this.ctx;
    const l = this.expr(n.left);
    const r = this.expr(n.right);
    const site = new CallSite(ctx, op, pos);
    const slow = (a: Value, b: Value) => binaryOp(ctx, op, a, b, site, pos);
    const k =
      n.right.type === "Const" && typeof n.right.value === "number" ? n.right.value : undefined;
    if (k !== undefined) {
      const fast = this.binaryWithConstant(op, l, k, slow);
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
  private binaryWithConstant(
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

  // ---- control flow ---------------------------------------------------------------

  private bool(e: Eval, pos: Position): (f: Frame) => boolean {
    return (f) => {
      const v = e(f);
      if (v === true || v === false) return v;
      throw this.mismatch("bool", v, pos);
    };
  }

  /**
   * A statement where `break`, `continue` and `return` may travel without an exception: the
   * closure returns the JUMP marker and leaves the kind and value in the run state. Loops,
   * function bodies and the statements between them (blocks, `if`, `switch`, `try`) pass
   * the marker up; anywhere else (inside an expression) the jump is thrown.
   */
  private ctl(n: Node): Eval {
    const rt = this.rt;
    switch (n.type) {
      case "Break": {
        const v = n.value ? this.expr(n.value) : undefined;
        return (f) => {
          rt.jumpValue = v ? v(f) : undefined;
          rt.jump = JUMP_BREAK;
          return JUMP;
        };
      }
      case "Continue":
        return () => {
          rt.jump = JUMP_CONTINUE;
          return JUMP;
        };
      case "Return": {
        const v = n.value ? this.stored(n.value) : undefined;
        return (f) => {
          rt.jumpValue = v ? v(f) : undefined;
          rt.jump = JUMP_RETURN;
          return JUMP;
        };
      }
      case "Block":
        return this.block(n.body, true, true);
      case "If":
        return this.ifExpr(n, true);
      case "Switch":
        return this.switchExpr(n, true);
      case "While":
        return this.whileLoop(n, true);
      case "Do":
        return this.doLoop(n, true);
      case "For":
        return this.forLoop(n, true);
      case "Try":
        return this.tryCatch(n, true);
      default:
        return this.expr(n);
    }
  }

  /**
   * What a loop does with the result of its body. Returns undefined to go on; otherwise the
   * loop ends with `{ value }`: a `break` value, or (for a `return` inside the loop) the
   * JUMP marker when it may travel further, else the `return` is thrown.
   */
  private loopExit(inCtl: boolean): (r: Value) => { value: Value } | undefined {
    const rt = this.rt;
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

  private ifExpr(n: NodeOf<"If">, inCtl = false): Eval {
    const cond = this.bool(this.expr(n.cond), n.cond.position);
    const then = inCtl ? this.ctl(n.then) : this.expr(n.then);
    const otherwise = n.else ? (inCtl ? this.ctl(n.else) : this.expr(n.else)) : undefined;
    if (otherwise === undefined) return (f) => (cond(f) ? then(f) : undefined);
    return (f) => (cond(f) ? then(f) : otherwise(f));
  }

  private switchExpr(n: NodeOf<"Switch">, inCtl = false): Eval {
    const subject = this.expr(n.subject);
    const arm = (node: Node) => (inCtl ? this.ctl(node) : this.expr(node));
    const compileCase = (c: { condition?: Node; body: Node }) => ({
      cond: c.condition ? this.bool(this.expr(c.condition), c.condition.position) : undefined,
      body: arm(c.body),
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
  private thrownJumps(body: Eval): Eval {
    const rt = this.rt;
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
  private loopBody(body: Node): Eval {
    const compiled = this.ctl(body);
    return hasLoopJump(body) ? this.thrownJumps(compiled) : compiled;
  }

  private whileLoop(n: NodeOf<"While">, inCtl = false): Eval {
    const loopPos = n.position;
    const cond = n.cond ? this.bool(this.expr(n.cond), n.cond.position) : undefined;
    const body = this.loopBody(n.body);
    const exit = this.loopExit(inCtl);
    const rt = this.rt;
    return (f) => {
      for (;;) {
        if (++rt.ops > rt.opsLimit) rt.checkOps(loopPos);
        if (cond !== undefined && !cond(f)) return undefined;
        const r = body(f);
        if (r === JUMP) {
          const done = exit(r);
          if (done !== undefined) return done.value;
        }
      }
    };
  }

  private doLoop(n: NodeOf<"Do">, inCtl = false): Eval {
    const loopPos = n.position;
    const cond = this.bool(this.expr(n.cond), n.cond.position);
    const body = this.loopBody(n.body);
    const exit = this.loopExit(inCtl);
    const rt = this.rt;
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

  private forLoop(n: NodeOf<"For">, inCtl = false): Eval {
    const loopPos = n.position;
    const iterable = this.expr(n.iterable);
    const mark = this.fs.visible.length;
    const itemSlot = this.fs.declare(n.item);
    const counterSlot = n.counter ? this.fs.declare(n.counter) : -1;
    const itemCaptured = n.item.captured;
    const counterCaptured = n.counter?.captured ?? false;
    const body = this.loopBody(n.body);
    this.fs.visible.length = mark;
    const exit = this.loopExit(inCtl);
    const rt = this.rt;
    const ctx = this.ctx;
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
          const done = step(f, bytes[i], i);
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

  private tryCatch(n: NodeOf<"Try">, inCtl = false): Eval {
    const body = inCtl ? this.ctl(n.body) : this.expr(n.body);
    const mark = this.fs.visible.length;
    const errSlot = n.errVar ? this.fs.declare(n.errVar) : -1;
    const errCaptured = n.errVar?.captured ?? false;
    const catchBody = inCtl ? this.ctl(n.catchBody) : this.expr(n.catchBody);
    this.fs.visible.length = mark;
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

  private importStmt(n: NodeOf<"Import">): Eval {
    const path = this.expr(n.path);
    const pos = n.position;
    const alias = n.alias?.name;
    const ctx = this.ctx;
    const rt = this.rt;
    return (f) => {
      const p = path(f);
      if (typeof p !== "string") throw this.mismatch("string", p, pos);
      const module = importModule(ctx, p, pos);
      if (alias !== undefined) rt.imports.push({ alias, module });
      return undefined;
    };
  }

  // ---- calls ----------------------------------------------------------------------

  private args(nodes: readonly Node[]): Eval[] {
    return nodes.map((a) => this.stored(a));
  }

  private call(n: NodeOf<"Call">): Eval {
    const name = n.name;
    const pos = n.position;
    const ctx = this.ctx;
    const argc = n.args.length;
    if (n.namespace !== undefined) {
      const ns = n.namespace;
      const args = this.args(n.args);
      if (ns === "global") {
        const program = this.program;
        return (f) => {
          const fn = program.lookup(name, argc);
          const argv = args.map((a) => a(f));
          if (fn === undefined)
            throw rtErr("ErrorFunctionNotFound", fnSignatureOf(name, argv), pos);
          return callScript(ctx, fn, argv, NO_THIS, undefined, null, pos);
        };
      }
      const path = ns.split("::");
      return (f) => {
        const argv = args.map((a) => a(f));
        return callModuleFn(ctx, path, name, argv, pos);
      };
    }
    const intrinsic = this.intrinsic(n);
    if (intrinsic !== undefined) return intrinsic;

    const script = this.program.lookup(name, argc);
    if (script !== undefined) {
      const args = this.args(n.args);
      const view = n.capture ? this.fs.view() : undefined;
      if (argc === 1 && view === undefined) {
        const a0 = args[0] as Eval;
        return (f) => callScript1(ctx, script, a0(f), pos);
      }
      return (f) => {
        const argv = new Array<Value>(argc);
        for (let i = 0; i < argc; i++) argv[i] = (args[i] as Eval)(f);
        const dyn = view !== undefined ? new FrameView(f, view, f[1] as DynScope | null) : null;
        return callScript(ctx, script, argv, NO_THIS, undefined, dyn, pos);
      };
    }

    // Native function; the first argument is passed by reference when it is a variable.
    const site = new CallSite(ctx, name, pos);
    const first = n.args[0];
    // As in the reference, only a plain variable is passed by reference in function-call
    // style (`push(x, 1)`); `push(m.a, 1)` works on a copy.
    const firstRef = first !== undefined && first.type === "Var" ? this.ref(first) : undefined;
    const args = n.args.map((a, i) =>
      i === 0 && firstRef !== undefined ? firstRef.get : this.stored(a),
    );
    const program = this.program;
    return (f) => {
      const argv = new Array<Value>(argc);
      for (let i = 0; i < argc; i++) argv[i] = (args[i] as Eval)(f);
      const fn = site.resolve(argv);
      if (fn !== undefined) {
        const a0 = argv[0];
        let r: Value;
        try {
          // A host function that returns null (a JS habit) gives unit.
          r = fn.fn(site, argv) ?? undefined;
        } catch (e) {
          throw atPos(e, pos);
        }
        if (fn.mutatesFirst && firstRef !== undefined && argv[0] !== a0) {
          if (firstRef.constant) {
            throw rtErr(
              "ErrorNonPureMethodCallOnConstant",
              `Cannot call ${name} on constant ${firstRef.rootName}`,
              pos,
              firstRef.rootName,
            );
          }
          firstRef.set(f, argv[0]);
        }
        return r;
      }
      // A variable holding a function pointer is not callable as `f(x)` in the reference
      // (only `f.call(x)` or `call(f, x)`): the name is looked up as a function only.
      const late = program.lookup(name, argc);
      if (late !== undefined) return callScript(ctx, late, argv, NO_THIS, undefined, null, pos);
      throw notFound(name, argv, pos);
    };
  }

  /** The functions built into the language itself. */
  private intrinsic(n: NodeOf<"Call">): Eval | undefined {
    const name = n.name;
    const argc = n.args.length;
    const pos = n.position;
    const ctx = this.ctx;
    switch (name) {
      case "type_of":
        if (argc === 1) {
          const a = this.expr(n.args[0] as Node);
          return (f) => typeOf(a(f));
        }
        return undefined;
      case "print":
      case "debug": {
        if (argc > 1) return undefined;
        const a = argc === 1 ? this.expr(n.args[0] as Node) : () => "";
        if (name === "print") {
          return (f) => {
            ctx.print(display(ctx, a(f)));
            return undefined;
          };
        }
        // `debug()` with nothing prints an empty line, not the Debug of an empty string.
        if (argc === 0) {
          return () => {
            ctx.debug("", pos);
            return undefined;
          };
        }
        return (f) => {
          const v = a(f);
          ctx.debug(typeof v === "string" ? toDebug(v) : debugText(ctx, v), pos);
          return undefined;
        };
      }
      case "is_def_var": {
        if (argc !== 1) return undefined;
        const a = this.expr(n.args[0] as Node);
        const names = new Set(this.fs.visible.map((d) => d.name));
        return (f) => {
          const v = a(f);
          if (typeof v !== "string") throw this.mismatch("string", v, pos);
          return names.has(v) || (f[1] as DynScope | null)?.find(v) !== undefined;
        };
      }
      case "is_def_fn": {
        if (argc !== 2 && argc !== 3) return undefined;
        const args = n.args.map((x) => this.expr(x));
        const program = this.program;
        return (f) => {
          const argv = args.map((x) => x(f));
          const fname = argv[argc - 2];
          const arity = argv[argc - 1];
          if (typeof fname !== "string") throw this.mismatch("string", fname, pos);
          if (typeof arity !== "number") throw this.mismatch("i64", arity, pos);
          return program.lookup(fname, arity) !== undefined;
        };
      }
      case "Fn": {
        if (argc !== 1) return undefined;
        const a = this.expr(n.args[0] as Node);
        const program = this.program;
        return (f) => {
          const v = a(f);
          if (typeof v !== "string") throw this.mismatch("string", v, pos);
          return makeFnPtr(v, program, pos);
        };
      }
      case "call": {
        if (argc < 1) return undefined;
        const args = this.args(n.args);
        const view = n.capture ? this.fs.view() : undefined;
        return (f) => {
          const argv = args.map((x) => x(f));
          const fp = argv[0];
          if (!(fp instanceof FnPtr)) throw this.mismatch("Fn", fp, pos);
          const dyn = view !== undefined ? new FrameView(f, view, f[1] as DynScope | null) : null;
          return callFnPtr(ctx, fp, argv.slice(1), NO_THIS, pos, dyn);
        };
      }
      case "curry": {
        if (argc < 1) return undefined;
        const args = this.args(n.args);
        return (f) => {
          const argv = args.map((x) => x(f));
          const fp = argv[0];
          if (!(fp instanceof FnPtr)) throw this.mismatch("Fn", fp, pos);
          return new FnPtr(fp.name, [...fp.curried, ...argv.slice(1)], fp.target);
        };
      }
      case "is_shared": {
        if (argc !== 1) return undefined;
        const a0 = n.args[0] as Node;
        if (a0.type === "Var" && a0.decl !== undefined) {
          const captured = a0.decl.captured;
          return () => captured;
        }
        const a = this.expr(a0);
        return (f) => {
          a(f);
          return false;
        };
      }
      case "eval": {
        if (argc !== 1) return undefined;
        const a = this.expr(n.args[0] as Node);
        const view = this.fs.view();
        const program = this.program;
        return (f) => {
          const src = a(f);
          if (typeof src !== "string") throw this.mismatch("string", src, pos);
          const base = f[1] as DynScope | null;
          const layer = new LocalScope(base);
          f[1] = layer;
          const host = base instanceof LocalScope ? base.host() : base;
          const scope = new EvalScope(layer, new FrameView(f, view, host));
          return evalInScope(ctx, src, scope, program, f[0], pos);
        };
      }
      default:
        return undefined;
    }
  }

  private method(n: NodeOf<"Method">): Eval {
    const name = n.name;
    const pos = n.position;
    const ctx = this.ctx;
    const argc = n.args.length;
    const lvalue =
      n.target.type === "Var" ||
      n.target.type === "This" ||
      n.target.type === "Index" ||
      n.target.type === "Prop";
    const target = lvalue ? this.ref(n.target) : undefined;
    const get = target ? target.get : this.expr(n.target);
    const args = this.args(n.args);
    const site = new CallSite(ctx, name, pos);
    const program = this.program;
    const safe = n.safe;
    const tv = n.target.type === "Var" ? n.target : undefined;
    if (name === "is_shared" && argc === 0 && tv?.decl !== undefined) {
      const captured = tv.decl.captured;
      return () => captured;
    }
    // Calling a closure with `this` bound to a variable the closure captured is a data race.
    const raceSlot = name === "call" && tv?.decl?.captured ? this.fs.slotOf(tv.decl) : undefined;
    const plain = !SPECIAL_METHODS.has(name);
    return (f) => {
      const obj = get(f);
      if (safe && obj === undefined) return undefined;
      const argv = new Array<Value>(argc + 1);
      argv[0] = obj;
      for (let i = 0; i < argc; i++) argv[i + 1] = (args[i] as Eval)(f);
      if (raceSlot !== undefined) {
        const fp = argv[1];
        if (
          fp instanceof FnPtr &&
          fp.target instanceof ClosureTarget &&
          fp.target.cells.includes(f[raceSlot] as Cell)
        ) {
          throw rtErr("ErrorDataRace", `Data race on variable ${tv?.name}`, pos, tv?.name);
        }
      }
      // The common case first: a native method on an array, string, number... (not a map,
      // whose properties may hold methods, nor a function pointer, and no script function
      // of this name). The same order of lookups as callMethod, without its other checks.
      if (plain && !(obj instanceof Map) && !(obj instanceof FnPtr) && !program.hasName(name)) {
        const native = site.resolve(argv);
        if (native !== undefined) {
          return callNativeMethod(ctx, native, name, argv, site, target, f, pos);
        }
      }
      return callMethod(ctx, name, argv, site, program, target, f, pos);
    };
  }
}

/** Methods callMethod handles before any native: `fp.call()`, `x.call(fp)`, `type_of`... */
const SPECIAL_METHODS = new Set(["call", "curry", "is_anonymous", "type_of", "is_shared"]);

/**
 * Compiles a parsed tree. The compiler recurses over the tree; with the expression-depth
 * limits off (0), a tree the parser built iteratively (a 100,000-term `1 + 1 + ...`) can be
 * deeper than the JS stack allows: that is the parser's `ExprTooDeep`, reported late.
 */
export function compileTree(ctx: EvalContext, script: Script, parent?: Program): Program {
  try {
    return new Compiler(ctx, script, parent).compile();
  } catch (e) {
    if (isStackExhausted(e)) {
      throw new RhaiParseError("ExprTooDeep", "Expression exceeds maximum complexity", {
        line: 1,
        column: 1,
      });
    }
    throw e;
  }
}

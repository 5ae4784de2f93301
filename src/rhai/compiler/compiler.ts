// The compiler: syntax tree to JavaScript closures.
//
// Every node becomes a function `(frame) => value`. Variables were resolved by the parser
// to their declarations; here each declaration gets a slot in its function's frame array,
// so a variable read is an array access. Variables captured by closures live in `Cell`s.
// Integer arithmetic and comparisons take a fast path on JS numbers before anything else;
// calls to script functions are bound at compile time, native calls are resolved at run
// time and cached per call site by argument types.
//
// This file holds the dispatch and the per-program state; each family of nodes compiles in
// its own file (expressions, chains and assignment, control flow, calls, scopes), through
// the Compiling interface this class implements.

import type { FnDef, Node, Script } from "../ast.js";
import { RhaiParseError } from "../errors.js";
import type { EvalContext } from "../eval/index.js";
import { isStackExhausted } from "../js-errors.js";
import { copy } from "../ops.js";
import { type CompiledFn, type Eval, Program, type RunState } from "../runtime/index.js";
import { callsEval, isRefNode } from "./analysis.js";
import { call, method } from "./calls.js";
import { assign, chainGet } from "./chains.js";
import { type Compiling, FnScope } from "./context.js";
import {
  doLoop,
  forLoop,
  ifExpr,
  jumpStmt,
  switchExpr,
  throwExpr,
  thrownJump,
  tryCatch,
  whileLoop,
} from "./control.js";
import { arrayLit, binary, interp, logical, mapLit, thisValue, unary } from "./expressions.js";
import { block, closure, globalVar, importStmt, letStmt, varGet } from "./scopes.js";

/** Compiles one script (or `eval` text) into a Program bound to an evaluation context. */
class Compiler implements Compiling {
  fs: FnScope;
  readonly rt: RunState;
  readonly program: Program;

  constructor(
    readonly ctx: EvalContext,
    script: Script,
    parent?: Program,
  ) {
    this.rt = ctx.rt;
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
    const body = block(this, p.script.body, false, true);
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

  newFn(def: FnDef): CompiledFn {
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

  compileFnBody(cf: CompiledFn, def: FnDef): void {
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
    const body = block(this, stmts, false, true);
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

  stored(n: Node): Eval {
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
        return interp(this, n);
      case "Var":
        return varGet(this, n);
      case "GlobalVar":
        return globalVar(this, n);
      case "This":
        return thisValue(n);
      case "Array":
        return arrayLit(this, n);
      case "MapLit":
        return mapLit(this, n);
      case "Unary":
        return unary(this, n);
      case "Binary":
        return binary(this, n);
      case "And":
      case "Or":
      case "Coalesce":
        return logical(this, n);
      case "Index":
      case "Prop":
        return chainGet(this, n);
      case "Call":
        return call(this, n);
      case "Method":
        return method(this, n);
      case "Closure":
        return closure(this, n);
      case "Block":
        return block(this, n.body);
      case "If":
        return ifExpr(this, n);
      case "Switch":
        return switchExpr(this, n);
      case "While":
        return whileLoop(this, n);
      case "Do":
        return doLoop(this, n);
      case "For":
        return forLoop(this, n);
      case "Break":
      case "Continue":
      case "Return":
        return thrownJump(this, n);
      case "Throw":
        return throwExpr(this, n);
      case "Try":
        return tryCatch(this, n);
      case "Let":
        return letStmt(this, n);
      case "Assign":
        return assign(this, n);
      case "Import":
        return importStmt(this, n);
      case "Export":
        return () => undefined;
      case "Noop":
        return () => undefined;
    }
  }

  /**
   * A statement where `break`, `continue` and `return` may travel without an exception: the
   * closure returns the JUMP marker and leaves the kind and value in the run state. Loops,
   * function bodies and the statements between them (blocks, `if`, `switch`, `try`) pass
   * the marker up; anywhere else (inside an expression) the jump is thrown.
   */
  ctl(n: Node): Eval {
    switch (n.type) {
      case "Break":
      case "Continue":
      case "Return":
        return jumpStmt(this, n);
      case "Block":
        return block(this, n.body, true, true);
      case "If":
        return ifExpr(this, n, true);
      case "Switch":
        return switchExpr(this, n, true);
      case "While":
        return whileLoop(this, n, true);
      case "Do":
        return doLoop(this, n, true);
      case "For":
        return forLoop(this, n, true);
      case "Try":
        return tryCatch(this, n, true);
      default:
        return this.expr(n);
    }
  }
}

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

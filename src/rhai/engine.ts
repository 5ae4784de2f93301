// The engine: options and limits, the function library, compiling scripts, and the run-time
// operations the compiled code delegates to on its slow paths (calls, indexing, properties,
// operators on non-integers).

import type { Script } from "./ast.js";
import { Compiler } from "./compiler.js";
import {
  boundsError,
  type Position,
  RhaiParseError,
  RhaiRuntimeError,
  typeMismatch,
} from "./errors.js";
import {
  atPos,
  callScript,
  checkDataSize,
  checkStringSize,
  debugText,
  display,
  EngineContext,
  isHostValue,
  nativeCtx,
  notFound,
} from "./eval/index.js";
import * as int from "./int.js";
import { isStackExhausted } from "./js-errors.js";
import { Library } from "./library.js";
import type { EngineLimits, NativeFunction, Package } from "./native.js";
import { builtinBinary, NONE, valuesEqual } from "./ops.js";
import { standardPackages } from "./packages/index.js";
import { type ParseOptions, parseExpression, parseScript } from "./parser.js";
import {
  type Cell,
  type DynScope,
  type Frame,
  JUMP,
  Module,
  type ModuleResolver,
  NO_THIS,
  type Program,
  RETURN,
  Scope,
} from "./runtime/index.js";
import { Blob, Char, char, Float, type Int, Range, typeName, typeOf, type Value } from "./value.js";

/** Limits of a release build of the reference engine. */
export const DEFAULT_LIMITS: EngineLimits = {
  maxOperations: 0,
  maxCallLevels: 64,
  maxExprDepth: 64,
  maxFunctionExprDepth: 32,
  maxStringSize: 0,
  maxArraySize: 0,
  maxMapSize: 0,
  maxVariables: 0,
  maxFunctions: 0,
  maxModules: 0,
};

/** Language options, as the reference's `set_allow_*` and friends. */
export interface EngineOptions {
  strictVariables: boolean;
  failOnInvalidMapProperty: boolean;
  allowIfExpression: boolean;
  allowSwitchExpression: boolean;
  allowStatementExpression: boolean;
  allowAnonymousFn: boolean;
  allowLooping: boolean;
  allowLoopExpressions: boolean;
  allowShadowing: boolean;
  /** Accepted for compatibility; this engine does no AST optimisation. */
  optimizationLevel: "None" | "Simple" | "Full";
}

const DEFAULT_OPTIONS: EngineOptions = {
  strictVariables: false,
  failOnInvalidMapProperty: false,
  allowIfExpression: true,
  allowSwitchExpression: true,
  allowStatementExpression: true,
  allowAnonymousFn: true,
  allowLooping: true,
  allowLoopExpressions: true,
  allowShadowing: true,
  optimizationLevel: "Simple",
};

/** A compiled script, reusable for many runs on the engine that compiled it. */
export class AST {
  /** @internal */
  program: Program | undefined;
  constructor(
    readonly script: Script,
    /** @internal */ readonly engine: Engine,
  ) {}
}

function rtErr(
  code: ConstructorParameters<typeof RhaiRuntimeError>[0],
  detail: string,
  pos: Position,
  value?: unknown,
) {
  return new RhaiRuntimeError(code, detail, pos, value);
}

export class Engine {
  readonly lib = new Library();
  readonly limits: EngineLimits = { ...DEFAULT_LIMITS };
  readonly options: EngineOptions = { ...DEFAULT_OPTIONS };
  readonly disabledSymbols = new Set<string>();
  /** @internal What the compiled code and the slow paths run with. */
  readonly ctx: EngineContext = new EngineContext(
    this.lib,
    this.limits,
    this.options,
    (source, id) => this.moduleFromScript(source, id),
    (src, parent) => this.compileEval(src, parent),
  );

  /** An engine with the standard packages (or the packages given). */
  constructor(packages: readonly Package[] = standardPackages) {
    for (const p of packages) p(this.lib);
  }

  /** An engine without any package: only the operators and the language's own functions. */
  static raw(): Engine {
    return new Engine([]);
  }

  registerPackage(p: Package): this {
    p(this.lib);
    return this;
  }

  onPrint(hook: (text: string) => void): this {
    this.ctx.printHook = hook;
    return this;
  }

  onDebug(hook: (text: string, position: Position) => void): this {
    this.ctx.debugHook = hook;
    return this;
  }

  /** Called every few thousand operations; returning false stops the script (ErrorTerminated). */
  onProgress(hook: ((ops: number) => unknown) | undefined): this {
    this.ctx.rt.progress = hook;
    return this;
  }

  /** Stops a running script when the signal aborts (ErrorTerminated). */
  setAbortSignal(signal: AbortSignal | undefined): this {
    this.ctx.rt.signal = signal;
    return this;
  }

  /** Where `import "path"` finds modules (none by default: imports fail). */
  setModuleResolver(resolver: ModuleResolver | undefined): this {
    this.ctx.moduleResolver = resolver;
    return this;
  }

  /** A module always reachable as `name::member`, without an import. */
  registerModule(name: string, module: Module): this {
    this.ctx.staticModules.set(name, module);
    return this;
  }

  /** Runs a script and makes a module of its exports and its non-private functions. */
  moduleFromScript(script: string | AST, id = ""): Module {
    const ast = typeof script === "string" ? this.compile(script) : script;
    const program = this.programOf(ast);
    const scope = new Scope();
    const mark = this.ctx.rt.imports.length;
    try {
      this.runProgram(program, scope, true);
    } finally {
      this.ctx.rt.imports.length = mark;
    }
    const module = new Module(id);
    for (const stmt of ast.script.body) {
      if (stmt.type === "Let" && stmt.exported)
        module.vars.set(stmt.decl.name, scope.get(stmt.decl.name));
      if (stmt.type === "Export") {
        for (const [name, alias] of stmt.names) {
          if (!scope.has(name)) {
            throw rtErr(
              "ErrorVariableNotFound",
              `Variable not found: ${name}`,
              stmt.position,
              name,
            );
          }
          module.vars.set(alias, scope.get(name));
        }
      }
    }
    for (const [key, fn] of program.fns) {
      if (!fn.def.isClosure && !fn.def.isPrivate && fn.def.thisType === undefined)
        module.scriptFns.set(key, fn);
    }
    return module;
  }

  /** @internal `import "path"`. */
  importModule(path: string, pos: Position): Module {
    const rt = this.ctx.rt;
    if (this.limits.maxModules > 0 && rt.modulesLoaded >= this.limits.maxModules) {
      throw rtErr("ErrorTooManyModules", "Too many modules imported", pos);
    }
    const resolver = this.ctx.moduleResolver;
    let module: Module | undefined;
    try {
      module = resolver?.resolve(path, (source, id) => this.moduleFromScript(source, id));
    } catch (e) {
      if (
        e instanceof RhaiParseError ||
        (e instanceof RhaiRuntimeError && e.code !== "ErrorModuleNotFound")
      ) {
        throw new RhaiRuntimeError(
          "ErrorInModule",
          `Error in module '${path}': ${e.message}`,
          pos,
          path,
          e instanceof RhaiRuntimeError ? e : undefined,
        );
      }
      throw e;
    }
    if (module === undefined) {
      throw rtErr(
        "ErrorModuleNotFound",
        resolver === undefined
          ? `Module not found: ${path} (no module resolver)`
          : `Module not found: ${path}`,
        pos,
        path,
      );
    }
    rt.modulesLoaded++;
    return module;
  }

  private findModule(path: readonly string[], pos: Position): Module {
    const [first, ...rest] = path as [string, ...string[]];
    let module: Module | undefined;
    const imports = this.ctx.rt.imports;
    for (let i = imports.length - 1; i >= 0; i--) {
      const entry = imports[i];
      if (entry !== undefined && entry.alias === first) {
        module = entry.module;
        break;
      }
    }
    module ??= this.ctx.staticModules.get(first);
    for (const name of rest) module = module?.modules.get(name);
    if (module === undefined)
      throw rtErr(
        "ErrorModuleNotFound",
        `Module not found: ${path.join("::")}`,
        pos,
        path.join("::"),
      );
    return module;
  }

  /** @internal `module::name` as a value. */
  moduleVar(path: readonly string[], name: string, pos: Position): Value {
    const module = this.findModule(path, pos);
    if (!module.vars.has(name)) {
      const full = `${path.join("::")}::${name}`;
      throw rtErr("ErrorVariableNotFound", `Variable not found: ${full}`, pos, full);
    }
    return module.vars.get(name);
  }

  /** @internal `module::fn(args)`. */
  callModuleFn(path: readonly string[], name: string, args: Value[], pos: Position): Value {
    const module = this.findModule(path, pos);
    const script = module.scriptFns.get(`${name}/${args.length}`);
    if (script !== undefined)
      return callScript(this.ctx, script, args, NO_THIS, undefined, null, pos);
    const native = module.lib.resolve(name, args);
    if (native !== undefined) {
      try {
        return native.fn(nativeCtx(this.ctx, name, pos), args);
      } catch (e) {
        throw atPos(e, pos);
      }
    }
    throw notFound(`${path.join("::")}::${name}`, args, pos);
  }

  // ---- configuration with the reference's names (used by the conformance runner) ----

  /** Applies a reference-style configuration call, e.g. `("set_max_operations", [500])`. */
  configure(call: string, args: readonly unknown[]): void {
    const n = (i = 0) => Number(args[i]);
    const b = (i = 0) => Boolean(args[i]);
    const l = this.limits;
    const o = this.options;
    switch (call) {
      case "set_max_operations":
        l.maxOperations = n();
        return;
      case "set_max_call_levels":
        l.maxCallLevels = n();
        return;
      case "set_max_expr_depths":
        l.maxExprDepth = n(0);
        l.maxFunctionExprDepth = n(1);
        return;
      case "set_max_string_size":
        l.maxStringSize = n();
        return;
      case "set_max_array_size":
        l.maxArraySize = n();
        return;
      case "set_max_map_size":
        l.maxMapSize = n();
        return;
      case "set_max_variables":
        l.maxVariables = n();
        return;
      case "set_max_functions":
        l.maxFunctions = n();
        return;
      case "set_max_modules":
        l.maxModules = n();
        return;
      case "debug_default_limits":
        l.maxCallLevels = 8;
        l.maxExprDepth = 32;
        l.maxFunctionExprDepth = 16;
        return;
      case "set_strict_variables":
        o.strictVariables = b();
        return;
      case "set_fail_on_invalid_map_property":
        o.failOnInvalidMapProperty = b();
        return;
      case "set_allow_if_expression":
        o.allowIfExpression = b();
        return;
      case "set_allow_switch_expression":
        o.allowSwitchExpression = b();
        return;
      case "set_allow_statement_expression":
        o.allowStatementExpression = b();
        return;
      case "set_allow_anonymous_fn":
        o.allowAnonymousFn = b();
        return;
      case "set_allow_looping":
        o.allowLooping = b();
        return;
      case "set_allow_loop_expressions":
        o.allowLoopExpressions = b();
        return;
      case "set_allow_shadowing":
        o.allowShadowing = b();
        return;
      case "set_optimization_level":
        o.optimizationLevel = String(args[0]) as EngineOptions["optimizationLevel"];
        return;
      case "disable_symbol":
        this.disabledSymbols.add(String(args[0]));
        return;
      default:
        throw new Error(`Unknown engine setting: ${call}`);
    }
  }

  // ---- compiling and running ----------------------------------------------------------

  /**
   * The parser's options from the engine's. Written out field by field (no object spread):
   * spreading made building them a fifth of compiling a one-token expression.
   */
  private parseOptions(scope?: Scope, expression = false): ParseOptions {
    const l = this.limits;
    const o = this.options;
    return {
      maxExprDepth: l.maxExprDepth,
      maxFunctionExprDepth: l.maxFunctionExprDepth,
      maxStringSize: l.maxStringSize,
      maxArraySize: l.maxArraySize,
      maxMapSize: l.maxMapSize,
      maxFunctions: l.maxFunctions,
      allowIfExpression: o.allowIfExpression,
      allowSwitchExpression: o.allowSwitchExpression,
      // An expression has no statements: no blocks, loops or closures.
      allowStatementExpression: expression ? false : o.allowStatementExpression,
      allowAnonymousFn: expression ? false : o.allowAnonymousFn,
      allowLooping: o.allowLooping,
      allowLoopExpressions: expression ? false : o.allowLoopExpressions,
      allowShadowing: o.allowShadowing,
      strictVariables: o.strictVariables,
      disabledSymbols: this.disabledSymbols,
      knownVariables: scope ? new Set(scope.names()) : undefined,
    };
  }

  /** Parses a script once; the result can be run many times. Throws RhaiParseError. */
  compile(src: string, scope?: Scope): AST {
    return new AST(parseScript(src, this.parseOptions(scope)), this);
  }

  /** Parses a source that must be a single expression. */
  compileExpression(src: string, scope?: Scope): AST {
    return new AST(parseExpression(src, this.parseOptions(scope, true)), this);
  }

  /** Compiled code is bound to one engine; an AST from another engine is compiled again, once. */
  private readonly foreignPrograms = new WeakMap<AST, Program>();

  private programOf(ast: AST): Program {
    if (ast.engine !== this) {
      let program = this.foreignPrograms.get(ast);
      if (program === undefined) {
        program = compileTree(this, ast.script);
        this.foreignPrograms.set(ast, program);
      }
      return program;
    }
    if (ast.program === undefined) ast.program = compileTree(this, ast.script);
    return ast.program;
  }

  /** Runs a script (text or compiled) and returns its value. */
  eval(script: string | AST, scope?: Scope): Value {
    const ast = typeof script === "string" ? this.compile(script, scope) : script;
    return this.runProgram(this.programOf(ast), scope);
  }

  /** Runs a script for its effects. */
  run(script: string | AST, scope?: Scope): void {
    this.eval(script, scope);
  }

  /** Evaluates a single expression. */
  evalExpression(src: string, scope?: Scope): Value {
    return this.runProgram(this.programOf(this.compileExpression(src, scope)), scope);
  }

  /** Calls a script function of a compiled script by name. */
  callFn(ast: AST, name: string, args: Value[]): Value {
    const program = this.programOf(ast);
    const fn = program.lookup(name, args.length);
    if (fn === undefined) {
      throw rtErr("ErrorFunctionNotFound", name, { line: 0, column: 0 });
    }
    return this.withRun(program, () =>
      callScript(this.ctx, fn, args, NO_THIS, undefined, null, { line: 0, column: 0 }),
    );
  }

  private withRun<T>(program: Program, body: () => T): T {
    const rt = this.ctx.rt;
    const outer = this.ctx.program;
    const nested = outer !== undefined;
    const saved = { ops: rt.ops, depth: rt.depth };
    if (!nested) rt.reset(this.limits.maxOperations);
    this.ctx.program = program;
    try {
      return body();
    } catch (e) {
      throw this.finalError(e);
    } finally {
      this.ctx.program = outer;
      if (nested) rt.depth = saved.depth;
    }
  }

  private finalError(e: unknown): unknown {
    if (e === RETURN) return e;
    if (e instanceof RhaiRuntimeError || e instanceof RhaiParseError) return e;
    return atPos(e, { line: 0, column: 0 });
  }

  /** Runs a main body; a module keeps its frame so its functions see `global::` constants. */
  private runProgram(program: Program, scope?: Scope, keepFrame = false): Value {
    return this.withRun(program, () => {
      const f: Frame = new Array(program.nslots);
      f[0] = NO_THIS;
      f[1] = scope ?? null;
      const savedMain = program.mainFrame;
      program.mainFrame = f;
      let value: Value;
      try {
        value = program.main(f);
        if (value === JUMP) {
          value = this.ctx.rt.jumpValue;
          this.ctx.rt.jumpValue = undefined;
        }
      } catch (e) {
        if (e !== RETURN) throw e;
        value = RETURN.value;
        RETURN.value = undefined;
      } finally {
        if (!keepFrame) program.mainFrame = savedMain;
      }
      if (scope !== undefined) {
        for (const t of program.topLevel) {
          if (!(t.slot in f)) continue;
          const x = f[t.slot];
          scope.define(t.name, (t.captured ? (x as Cell).v : x) as Value, t.constant);
        }
      }
      return value;
    });
  }

  /** `eval` text compiled as a child of the running program (variables are not strict). */
  private compileEval(src: string, parent: Program): Program {
    return compileTree(
      this,
      parseScript(src, { ...this.parseOptions(), strictVariables: false }),
      parent,
    );
  }

  /** @internal `eval(text)` inside a script: runs in the caller's scope. */
  evalInScope(
    src: string,
    scope: DynScope,
    parent: Program,
    thisVal: unknown,
    pos: Position,
  ): Value {
    let program: Program;
    try {
      program = this.compileEval(src, parent);
    } catch (e) {
      if (e instanceof RhaiParseError) throw rtErr("ErrorParsing", e.message, pos, e.code);
      throw e;
    }
    const f: Frame = new Array(program.nslots);
    f[0] = thisVal;
    f[1] = scope;
    program.mainFrame = parent.mainFrame;
    let value: Value;
    try {
      value = program.main(f);
      if (value === JUMP) {
        value = this.ctx.rt.jumpValue;
        this.ctx.rt.jumpValue = undefined;
      }
    } catch (e) {
      if (e !== RETURN) throw e;
      value = RETURN.value;
      RETURN.value = undefined;
    }
    for (const t of program.topLevel) {
      if (!(t.slot in f)) continue;
      const x = f[t.slot];
      scope.define(t.name, (t.captured ? (x as Cell).v : x) as Value, t.constant);
    }
    return value;
  }

  /** `to_string` of a value; host types may register their own `to_string`. */
  display(v: Value): string {
    return display(this.ctx, v);
  }

  /** `to_debug` of a value; host types may register their own `to_debug`. */
  debugText(v: Value): string {
    return debugText(this.ctx, v);
  }

  // ---- operators ------------------------------------------------------------------

  /** @internal The slow path of a binary operator. */
  binaryOp(
    op: string,
    a: Value,
    b: Value,
    site: { resolve(args: Value[]): NativeFunction | undefined; fnName: string },
    pos: Position,
  ): Value {
    let r: Value | typeof NONE;
    try {
      r = builtinBinary(op, a, b);
    } catch (e) {
      // The reference's built-in operators fail without a position (see `unplaced`).
      if (e instanceof RhaiRuntimeError) e.withoutReferencePosition();
      throw atPos(e, pos);
    }
    if (r !== NONE) {
      if (typeof r === "string" && this.limits.maxStringSize > 0) {
        // A concatenation: its size follows from the left side's, if that was counted.
        const added = typeof b === "string" ? b : b instanceof Char ? b.value : undefined;
        if (op === "+" && typeof a === "string" && added !== undefined)
          checkStringSize(this.ctx, r, pos, a, added);
        else checkStringSize(this.ctx, r, pos);
      } else if (
        typeof r === "object" &&
        (this.limits.maxArraySize > 0 || this.limits.maxMapSize > 0)
      ) {
        checkDataSize(this.ctx, r, pos);
      }
      return r;
    }
    const args = [a, b];
    const f = site.resolve(args);
    if (f !== undefined) {
      try {
        return f.fn(site as never, args) ?? undefined;
      } catch (e) {
        throw atPos(e, pos);
      }
    }
    switch (op) {
      case "==":
      case "!=":
        // Two of the reference's iterators of one kind (stepped ranges, chars(), bits()) have
        // no equality; values of different types are simply unequal.
        if (isOpaqueIterator(a) && isOpaqueIterator(b) && typeName(a) === typeName(b)) {
          throw notFound(op, [a, b], pos);
        }
        return op === "==" ? valuesEqual(a, b) : !valuesEqual(a, b);
      case "<":
      case "<=":
      case ">":
      case ">=":
        return false;
    }
    throw notFound(op, args, pos);
  }

  /** @internal `a op= b`: in place for containers, otherwise `a op b`. */
  opAssign(
    op: string,
    a: Value,
    b: Value,
    site: { resolve(args: Value[]): NativeFunction | undefined; fnName: string },
    opSite: { resolve(args: Value[]): NativeFunction | undefined; fnName: string },
    pos: Position,
  ): Value {
    if (op === "+") {
      if (Array.isArray(a)) {
        // Element by element: spreading a large array into push() overflows the JS stack.
        if (Array.isArray(b)) for (const x of b) a.push(x);
        else a.push(b);
        return a;
      }
      if (a instanceof Map && b instanceof Map) {
        for (const [k, v] of b) a.set(k, v);
        return a;
      }
      if (a instanceof Blob) {
        const bytes = a.bytes;
        if (b instanceof Blob) for (const x of b.bytes) bytes.push(x);
        else if (typeof b === "number") bytes.push(b & 0xff);
        else if (typeof b === "string") for (const x of new TextEncoder().encode(b)) bytes.push(x);
        else if (b instanceof Char)
          for (const x of new TextEncoder().encode(b.value)) bytes.push(x);
        return a;
      }
    }
    if (typeof a === "object" && !(a instanceof Float) && !(a instanceof Char)) {
      const args = [a, b];
      const f = site.resolve(args);
      if (f !== undefined) {
        try {
          f.fn(site as never, args);
        } catch (e) {
          throw atPos(e, pos);
        }
        return args[0];
      }
    }
    try {
      return this.binaryOp(op, a, b, opSite, pos);
    } catch (e) {
      // Unlike the plain operators, compound assignments report where they failed.
      if (e instanceof RhaiRuntimeError) e.unplaced = false;
      throw e;
    }
  }

  /** @internal `x in container`. */
  contains(container: Value, x: Value, pos: Position): boolean {
    if (Array.isArray(container)) {
      for (const v of container) if (valuesEqual(v, x) || this.userEquals(v, x, pos)) return true;
      return false;
    }
    if (container instanceof Map) {
      if (typeof x === "string") return container.has(x);
      if (x instanceof Char) return container.has(x.value);
    }
    if (typeof container === "string") {
      if (typeof x === "string") return container.includes(x);
      if (x instanceof Char) return container.includes(x.value);
    }
    if (container instanceof Range && (typeof x === "number" || typeof x === "bigint")) {
      return (
        int.compare(x, container.start) >= 0 &&
        (container.inclusive
          ? int.compare(x, container.end) <= 0
          : int.compare(x, container.end) < 0)
      );
    }
    if (container instanceof Blob && typeof x === "number") return container.bytes.includes(x);
    const f = this.lib.resolve("contains", [container, x]);
    if (f !== undefined) {
      try {
        return f.fn(nativeCtx(this.ctx, "contains", pos), [container, x]) === true;
      } catch (e) {
        throw atPos(e, pos);
      }
    }
    throw notFound("contains", [container, x], pos);
  }

  private userEquals(a: Value, b: Value, pos: Position): boolean {
    if (!isHostValue(a)) return false;
    const f = this.lib.resolve("==", [a, b]);
    if (f === undefined) return false;
    try {
      return f.fn(nativeCtx(this.ctx, "==", pos), [a, b]) === true;
    } catch (e) {
      throw atPos(e, pos);
    }
  }

  // ---- indexing and properties -------------------------------------------------------

  /** @internal `c[i]`. */
  indexGet(c: Value, i: Value, pos: Position, at: Position = pos): Value {
    if (Array.isArray(c)) {
      if (typeof i === "number" || typeof i === "bigint") {
        const n = Number(i);
        const len = c.length;
        const k = n < 0 ? len + n : n;
        if (k < 0 || k >= len) {
          throw boundsError("Array", len, i).at(at);
        }
        return c[k];
      }
      // The reference indexes arrays by integers only (no slices by range).
      throw typeMismatch("i64", indexTypeName(i)).at(at);
    }
    if (c instanceof Map) {
      if (typeof i === "string") {
        const v = c.get(i);
        if (v === undefined && !c.has(i) && this.options.failOnInvalidMapProperty) {
          throw rtErr("ErrorPropertyNotFound", `Property not found: ${i}`, pos, i);
        }
        return v;
      }
      if (i instanceof Char) return c.get(i.value);
      throw typeMismatch("string", typeName(i)).at(at);
    }
    if (typeof c === "string") {
      if (typeof i === "number" || typeof i === "bigint") {
        const ch = charAt(c, Number(i));
        if (ch === undefined) {
          throw boundsError("String", [...c].length, i).at(at);
        }
        return char(ch);
      }
      if (i instanceof Range) {
        const chars = [...c];
        const [from, count] = this.stringSlice(i, chars.length, pos);
        return chars.slice(from, from + count).join("");
      }
      throw typeMismatch("i64", indexTypeName(i)).at(at);
    }
    if (c instanceof Blob) {
      if (typeof i === "number") {
        const len = c.bytes.length;
        const k = i < 0 ? len + i : i;
        if (k < 0 || k >= len) throw boundsError("Array", len, i).at(at);
        return c.bytes[k];
      }
      throw typeMismatch("i64", indexTypeName(i)).at(at);
    }
    if (typeof c === "number" || typeof c === "bigint") {
      const big = int.toBig(c);
      if (typeof i === "number") {
        const bit = i < 0 ? 64 + i : i;
        if (bit < 0 || bit >= 64) throw boundsError("Bit-field", 64, i).at(at);
        return ((big >> BigInt(bit)) & 1n) === 1n;
      }
      if (i instanceof Range) {
        const [shift, width] = this.bitRange(i, pos);
        if (width === 0) return 0;
        const mask = (1n << BigInt(width)) - 1n;
        return int.wrapI64((BigInt.asUintN(64, big) >> BigInt(shift)) & mask);
      }
      // A bit-field takes integers or ranges only.
      if (this.lib.resolve("index$get", [c, i]) === undefined) {
        throw typeMismatch("i64", indexTypeName(i)).at(at);
      }
    }
    const f = this.lib.resolve("index$get", [c, i]);
    if (f !== undefined) {
      try {
        return f.fn(nativeCtx(this.ctx, "index$get", pos), [c, i]);
      } catch (e) {
        throw atPos(e, pos);
      }
    }
    throw indexingError(c, i, pos);
  }

  /** Start and length of a string slice by range, with the reference's rules. */
  private stringSlice(r: Range, count: number, pos: Position): [number, number] {
    if (count === 0) return [0, 0];
    const at = (x: Int, isEnd: boolean): number => {
      const n = Number(x);
      if (n >= 0) return n;
      const k = count + n;
      if (k < 0) {
        if (isEnd) return 0;
        throw boundsError("String", count, x).at(pos);
      }
      return k;
    };
    const start = at(r.start, false);
    const end = at(r.end, true);
    const from = Math.min(start, count);
    if (r.inclusive) {
      if (start === 0 && end >= count - 1) return [0, count];
      return [from, Math.min(end > start ? end - start + 1 : 0, count - from)];
    }
    if (start === 0 && end >= count) return [0, count];
    return [from, Math.min(Math.max(end - start, 0), count - from)];
  }

  /** Shift and width of a bit-field range, with the reference's bounds checks. */
  private bitRange(r: Range, pos: Position): [number, number] {
    const bad = (x: Int) => boundsError("Bit-field", 64, x).at(pos);
    const idx = (x: Int, allowEnd: boolean) => {
      const n = Number(x);
      if (n < 0 || n > 64 || (n === 64 && !allowEnd)) throw bad(x);
      return n;
    };
    const max = r.end === 9223372036854775807n;
    const start = idx(r.start, false);
    if (r.inclusive) {
      const end = max ? 63 : idx(r.end, false);
      return end < start ? [0, 0] : [start, end - start + 1];
    }
    const end = max ? 64 : idx(r.end, true);
    return end <= start ? [0, 0] : [start, end - start];
  }

  /** @internal `c[i] = v`; returns the container (a new one for value types). */
  indexSet(c: Value, i: Value, v: Value, pos: Position, at: Position = pos): Value {
    if (Array.isArray(c)) {
      if (typeof i === "number" || typeof i === "bigint") {
        const n = Number(i);
        const len = c.length;
        const k = n < 0 ? len + n : n;
        if (k < 0 || k >= len) {
          throw boundsError("Array", len, i).at(at);
        }
        c[k] = v;
        return c;
      }
      throw typeMismatch("i64", indexTypeName(i)).at(at);
    }
    if (c instanceof Map) {
      if (typeof i === "string") {
        c.set(i, v);
        return c;
      }
      if (i instanceof Char) {
        c.set(i.value, v);
        return c;
      }
      throw typeMismatch("string", typeName(i)).at(at);
    }
    if (typeof c === "string") {
      const chars = [...c];
      if (typeof i === "number" || typeof i === "bigint") {
        const n = Number(i);
        const k = n < 0 ? chars.length + n : n;
        if (k < 0 || k >= chars.length) {
          throw boundsError("String", chars.length, i).at(at);
        }
        if (!(v instanceof Char)) throw typeMismatch("char", typeName(v)).at(pos);
        chars[k] = v.value;
        return chars.join("");
      }
      if (i instanceof Range) {
        const [from, count] = this.stringSlice(i, chars.length, pos);
        const text = typeof v === "string" ? v : v instanceof Char ? v.value : display(this.ctx, v);
        return chars.slice(0, from).join("") + text + chars.slice(from + count).join("");
      }
      throw typeMismatch("i64", indexTypeName(i)).at(at);
    }
    if (c instanceof Blob) {
      if (typeof i === "number") {
        const len = c.bytes.length;
        const k = i < 0 ? len + i : i;
        if (k < 0 || k >= len) throw boundsError("Array", len, i).at(at);
        if (typeof v !== "number") throw typeMismatch("i64", typeName(v)).at(pos);
        c.bytes[k] = v & 0xff;
        return c;
      }
    }
    if (typeof c === "number" || typeof c === "bigint") {
      const big = int.toBig(c);
      if (typeof i === "number") {
        const bit = i < 0 ? 64 + i : i;
        if (bit < 0 || bit >= 64) throw boundsError("Bit-field", 64, i).at(at);
        if (typeof v !== "boolean") throw typeMismatch("bool", typeName(v)).at(pos);
        const m = 1n << BigInt(bit);
        return int.wrapI64(v ? big | m : big & ~m);
      }
      if (i instanceof Range) {
        const [shift, width] = this.bitRange(i, pos);
        if (typeof v !== "number" && typeof v !== "bigint") {
          throw typeMismatch("i64", typeName(v)).at(pos);
        }
        if (width === 0) return c;
        const mask = ((1n << BigInt(width)) - 1n) << BigInt(shift);
        const val = (int.toBig(v) << BigInt(shift)) & mask;
        return int.wrapI64((big & ~mask) | val);
      }
      if (this.lib.resolve("index$set", [c, i, v]) === undefined) {
        throw typeMismatch("i64", indexTypeName(i)).at(at);
      }
    }
    const f = this.lib.resolve("index$set", [c, i, v]);
    if (f !== undefined) {
      const args = [c, i, v];
      try {
        f.fn(nativeCtx(this.ctx, "index$set", pos), args);
      } catch (e) {
        throw atPos(e, pos);
      }
      return args[0];
    }
    throw indexingError(c, i, pos);
  }

  /** @internal `o.name`. */
  propGet(o: Value, name: string, pos: Position): Value {
    if (o instanceof Map) {
      const v = o.get(name);
      if (v === undefined && !o.has(name) && this.options.failOnInvalidMapProperty) {
        throw rtErr("ErrorPropertyNotFound", `Property not found: ${name}`, pos, name);
      }
      return v;
    }
    const getter = `get$${name}`;
    const f = this.lib.resolve(getter, [o]);
    if (f !== undefined) {
      try {
        return f.fn(nativeCtx(this.ctx, getter, pos), [o]);
      } catch (e) {
        throw atPos(e, pos);
      }
    }
    const script = this.ctx.program?.lookup(getter, 0);
    if (script !== undefined) return callScript(this.ctx, script, [], o, undefined, null, pos);
    const idx = this.lib.resolve("index$get", [o, name]);
    if (idx !== undefined) {
      try {
        return idx.fn(nativeCtx(this.ctx, "index$get", pos), [o, name]);
      } catch (e) {
        throw atPos(e, pos);
      }
    }
    throw dotError(
      `Unknown property '${name}' - a getter is not registered for type '${typeName(o)}'`,
      pos,
    );
  }

  /** @internal `o.name = v`; returns the object (a new one for value types). */
  propSet(o: Value, name: string, v: Value, pos: Position): Value {
    if (o instanceof Map) {
      o.set(name, v);
      return o;
    }
    const setter = `set$${name}`;
    const args = [o, v];
    const f = this.lib.resolve(setter, args);
    if (f !== undefined) {
      try {
        f.fn(nativeCtx(this.ctx, setter, pos), args);
      } catch (e) {
        throw atPos(e, pos);
      }
      return args[0];
    }
    const idx = this.lib.resolve("index$set", [o, name, v]);
    if (idx !== undefined) {
      const a = [o, name, v];
      try {
        idx.fn(nativeCtx(this.ctx, "index$set", pos), a);
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
}

/** The character at a code-point index (negative counts from the end), without splitting. */
function charAt(s: string, index: number): string | undefined {
  if (index >= 0) {
    let k = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const wide = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length;
      if (k === index) return wide ? s.slice(i, i + 2) : s[i];
      if (wide) i++;
      k++;
    }
    return undefined;
  }
  const chars = [...s];
  return chars[chars.length + index];
}

/** A value whose `type_of` differs from its own type name: one of the iterators. */
function isOpaqueIterator(v: Value): boolean {
  return typeof v === "object" && v !== null && typeOf(v) !== typeName(v);
}

/** An index's type as the reference names it in a mismatch (ranges by their Rust type). */
function indexTypeName(i: Value): string {
  if (i instanceof Range)
    return `core::ops::range::${i.inclusive ? "RangeInclusive" : "Range"}<i64>`;
  return typeName(i);
}

/** ErrorIndexingType: no indexer for this container and index type. */
function indexingError(c: Value, i: Value, pos: Position): RhaiRuntimeError {
  const what = `${typeName(c)} [${typeName(i)}]`;
  return new RhaiRuntimeError("ErrorIndexingType", what, pos, undefined, undefined, { type: what });
}

/** ErrorDotExpr: the reference repeats its message as the `property` field. */
function dotError(message: string, pos: Position): RhaiRuntimeError {
  return new RhaiRuntimeError("ErrorDotExpr", message, pos, undefined, undefined, {
    property: message,
  });
}

export { Scope };

/**
 * Compiles a parsed tree. The compiler recurses over the tree; with the expression-depth
 * limits off (0), a tree the parser built iteratively (a 100,000-term `1 + 1 + ...`) can be
 * deeper than the JS stack allows: that is the parser's `ExprTooDeep`, reported late.
 */
function compileTree(engine: Engine, script: Script, parent?: Program): Program {
  try {
    return new Compiler(engine, script, parent).compile();
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

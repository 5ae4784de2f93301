// The engine: the public API. Options and limits, the function library, hooks, modules,
// compiling scripts and running them. What running code needs of it is the evaluation
// context it owns (eval/context.ts); the compiler and the slow paths see only that.

import type { Script } from "./ast.js";
import { compileTree } from "./compiler/index.js";
import type { Position } from "./errors.js";
import { debugText, display, EngineContext, rtErr, runFunction, runProgram } from "./eval/index.js";
import { Library } from "./library.js";
import type { EngineLimits, Package } from "./native.js";
import { standardPackages } from "./packages/index.js";
import { type ParseOptions, parseExpression, parseScript } from "./parser/index.js";
import { Module, type ModuleResolver, type Program, Scope } from "./runtime/index.js";
import type { Value } from "./value.js";

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

export class Engine {
  readonly lib = new Library();
  readonly limits: EngineLimits = { ...DEFAULT_LIMITS };
  readonly options: EngineOptions = { ...DEFAULT_OPTIONS };
  readonly disabledSymbols = new Set<string>();
  /** What the compiled code and the slow paths run with. */
  private readonly ctx: EngineContext = new EngineContext(
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
      runProgram(this.ctx, program, scope, true);
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
        program = compileTree(this.ctx, ast.script);
        this.foreignPrograms.set(ast, program);
      }
      return program;
    }
    if (ast.program === undefined) ast.program = compileTree(this.ctx, ast.script);
    return ast.program;
  }

  /** Runs a script (text or compiled) and returns its value. */
  eval(script: string | AST, scope?: Scope): Value {
    const ast = typeof script === "string" ? this.compile(script, scope) : script;
    return runProgram(this.ctx, this.programOf(ast), scope);
  }

  /** Runs a script for its effects. */
  run(script: string | AST, scope?: Scope): void {
    this.eval(script, scope);
  }

  /** Evaluates a single expression. */
  evalExpression(src: string, scope?: Scope): Value {
    return runProgram(this.ctx, this.programOf(this.compileExpression(src, scope)), scope);
  }

  /** Calls a script function of a compiled script by name. */
  callFn(ast: AST, name: string, args: Value[]): Value {
    const program = this.programOf(ast);
    const fn = program.lookup(name, args.length);
    if (fn === undefined) {
      throw rtErr("ErrorFunctionNotFound", name, { line: 0, column: 0 });
    }
    return runFunction(this.ctx, program, fn, args);
  }

  /** `eval` text compiled as a child of the running program (variables are not strict). */
  private compileEval(src: string, parent: Program): Program {
    return compileTree(
      this.ctx,
      parseScript(src, { ...this.parseOptions(), strictVariables: false }),
      parent,
    );
  }

  /** `to_string` of a value; host types may register their own `to_string`. */
  display(v: Value): string {
    return display(this.ctx, v);
  }

  /** `to_debug` of a value; host types may register their own `to_debug`. */
  debugText(v: Value): string {
    return debugText(this.ctx, v);
  }
}

export { Scope };

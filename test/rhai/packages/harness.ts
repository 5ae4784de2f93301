// A small stand-in for the engine, enough to call package functions directly: it collects
// what packages register, resolves a call by name and argument types, and lets tests define
// "script" functions as JS closures (with `this`) for callback-taking functions.

import { RhaiRuntimeError } from "../../../src/rhai/errors.js";
import type {
  EngineLimits,
  FunctionLibrary,
  NativeCallContext,
  NativeFunction,
  Package,
} from "../../../src/rhai/native.js";
import { standardPackages } from "../../../src/rhai/packages/index.js";
import { Float, FnPtr, typeName, type Value } from "../../../src/rhai/value.js";

function toNumber(v: Value): number {
  return v instanceof Float ? v.value : Number(v);
}

export type ScriptFn = (self: { value: Value } | undefined, ...args: Value[]) => Value;

export const DEFAULT_LIMITS: EngineLimits = {
  maxOperations: 0,
  maxCallLevels: 64,
  maxExprDepth: 0,
  maxFunctionExprDepth: 0,
  maxStringSize: 0,
  maxArraySize: 0,
  maxMapSize: 0,
  maxVariables: 0,
  maxFunctions: 0,
  maxModules: 0,
};

export class TestLibrary implements FunctionLibrary {
  readonly functions = new Map<string, NativeFunction[]>();
  readonly iterators = new Map<string, (v: Value) => Iterable<Value>>();

  add(fn: NativeFunction): void {
    const list = this.functions.get(fn.name) ?? [];
    const same = list.findIndex((f) => f.params.join() === fn.params.join());
    if (same >= 0) list[same] = fn;
    else list.push(fn);
    this.functions.set(fn.name, list);
  }
  fn(name: string, params: readonly string[], fn: NativeFunction["fn"], options = {}): void {
    this.add({ name, params, fn, ...options });
  }
  iterator(type: string, iterate: (v: Value) => Iterable<Value>): void {
    this.iterators.set(type, iterate);
  }

  /** The best match: exact types win over "any". */
  resolve(name: string, args: Value[]): NativeFunction | undefined {
    let best: NativeFunction | undefined;
    let bestScore = -1;
    for (const f of this.functions.get(name) ?? []) {
      if (f.params.length !== args.length) continue;
      let score = 0;
      let ok = true;
      f.params.forEach((p, i) => {
        if (p === "any") return;
        if (p === typeName(args[i])) score++;
        else ok = false;
      });
      if (ok && score > bestScore) {
        best = f;
        bestScore = score;
      }
    }
    return best;
  }
}

export class TestEngine {
  readonly lib = new TestLibrary();
  readonly scripts = new Map<string, { arity: number; fn: ScriptFn }>();
  limits: EngineLimits = { ...DEFAULT_LIMITS };
  /** Whether the stand-in tells packages the arity of script functions (fnPtrArity). */
  knowsArity = false;
  readonly printed: string[] = [];

  constructor(packages: readonly Package[] = standardPackages) {
    for (const p of packages) p(this.lib);
  }

  /** Defines a script function `name` of `arity` parameters (closures get `this`). */
  define(name: string, arity: number, fn: ScriptFn): FnPtr {
    this.scripts.set(`${name}/${arity}`, { arity, fn });
    return new FnPtr(name);
  }

  readonly ctx: NativeCallContext = {
    fnName: "",
    position: { line: 0, column: 0 },
    callFnPtr: (fp, args) => this.callPtr(fp, undefined, args),
    callFnPtrWithThis: (fp, thisRef, args) => this.callPtr(fp, thisRef, args),
    callFn: (name, args) => this.call(name, ...args),
    fnPtrArity: (fp) => {
      if (!this.knowsArity) return undefined;
      for (const [key, script] of this.scripts) {
        if (key.startsWith(`${fp.name}/`)) return script.arity - fp.curried.length;
      }
      return undefined;
    },
    limits: this.limits,
    print: (text) => this.printed.push(text),
    debug: (text) => this.printed.push(text),
    tick: () => {},
  };

  private callPtr(fp: FnPtr, self: { value: Value } | undefined, args: Value[]): Value {
    const all = [...fp.curried, ...args];
    const script = this.scripts.get(`${fp.name}/${all.length}`);
    if (script) return script.fn(self, ...all);
    return this.call(fp.name, ...all);
  }

  /** Calls a registered function; `args` is mutated as the engine's write-back would see it. */
  call(name: string, ...args: Value[]): Value {
    if (name === "==" && args.length === 2) {
      // The engine's built-in `==`: numbers of either kind by value, same types by identity.
      const [a, b] = args;
      const numeric = (v: Value) =>
        typeof v === "number" || typeof v === "bigint" || v instanceof Float;
      if (numeric(a) && numeric(b)) return toNumber(a) === toNumber(b);
      if (typeName(a) === typeName(b) && !this.lib.resolve(name, args)) return a === b;
    }
    const f = this.lib.resolve(name, args);
    if (!f) {
      throw new RhaiRuntimeError(
        "ErrorFunctionNotFound",
        `${name} (${args.map(typeName).join(", ")})`,
      );
    }
    return f.fn({ ...this.ctx, fnName: name }, args);
  }

  /** Calls a function that changes its first argument; returns [result, new first argument]. */
  mutate(name: string, ...args: Value[]): [Value, Value] {
    const f = this.lib.resolve(name, args);
    if (!f) throw new Error(`no ${name} for ${args.map(typeName).join(", ")}`);
    if (!f.mutatesFirst)
      throw new Error(`${name} is not registered as mutating its first argument`);
    const r = f.fn({ ...this.ctx, fnName: name }, args);
    return [r, args[0]];
  }

  /** Walks a value as `for` would. */
  iterate(v: Value): Value[] {
    const it = this.lib.iterators.get(typeName(v));
    if (!it) throw new Error(`no iterator for ${typeName(v)}`);
    return [...it(v)];
  }
}

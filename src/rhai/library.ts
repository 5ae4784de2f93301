// The function library: natives registered by packages and hosts, resolved by name, arity
// and argument types. Resolution is cached per call site by the compiler; this module
// only answers "which function fits these arguments".

import type { FunctionLibrary, NativeFn, NativeFunction, ParamType } from "./native.js";
import { typeName, type Value } from "./value.js";

export class Library implements FunctionLibrary {
  private readonly byName = new Map<string, NativeFunction[]>();
  private readonly iterators = new Map<ParamType, (value: Value) => Iterable<Value>>();
  /** Bumped on every change, so call-site caches know to resolve again. */
  version = 0;

  add(fn: NativeFunction): void {
    const list = this.byName.get(fn.name);
    this.version++;
    if (list === undefined) {
      this.byName.set(fn.name, [fn]);
      return;
    }
    const same = list.findIndex(
      (f) => f.params.length === fn.params.length && f.params.every((p, i) => p === fn.params[i]),
    );
    if (same >= 0) list[same] = fn;
    else list.push(fn);
  }

  fn(
    name: string,
    params: readonly ParamType[],
    fn: NativeFn,
    options: Omit<NativeFunction, "name" | "params" | "fn"> = {},
  ): void {
    this.add({ ...options, name, params, fn });
  }

  iterator(type: ParamType, iterate: (value: Value) => Iterable<Value>): void {
    this.iterators.set(type, iterate);
    this.version++;
  }

  iteratorFor(type: string): ((value: Value) => Iterable<Value>) | undefined {
    return this.iterators.get(type);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Whether some function of this name takes `arity` arguments. */
  hasArity(name: string, arity: number): boolean {
    return this.byName.get(name)?.some((f) => f.params.length === arity) ?? false;
  }

  /** The best function for these argument types: the most exact matches wins. */
  resolveTypes(name: string, types: readonly string[]): NativeFunction | undefined {
    const list = this.byName.get(name);
    if (list === undefined) return undefined;
    let best: NativeFunction | undefined;
    let bestScore = -1;
    for (const f of list) {
      if (f.params.length !== types.length) continue;
      let score = 0;
      let ok = true;
      for (let i = 0; i < types.length; i++) {
        const p = f.params[i];
        if (p === types[i]) score++;
        else if (p !== "any") {
          ok = false;
          break;
        }
      }
      if (ok && score > bestScore) {
        best = f;
        bestScore = score;
      }
    }
    return best;
  }

  resolve(name: string, args: readonly Value[]): NativeFunction | undefined {
    return this.resolveTypes(
      name,
      args.map((a) => typeName(a)),
    );
  }

  /** All functions, for listing. */
  all(): NativeFunction[] {
    return [...this.byName.values()].flat();
  }
}

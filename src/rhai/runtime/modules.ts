// Modules: what `import "path" as name;` brings in, and where it comes from.
//
// A module holds exported variables, functions (script functions, or natives in its own
// library) and sub-modules. A script becomes a module by running it: its `export`ed
// variables and its non-private functions are the module's members. A resolver turns an
// import path into a module; the engine has none by default (imports then fail with
// ErrorModuleNotFound), and the `rhai` command uses a file resolver next to the script.

import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { Library } from "../library.js";
import type { Value } from "../value.js";
import type { CompiledFn } from "./program.js";

export class Module {
  /** Exported variables (constants to the importer). */
  readonly vars = new Map<string, Value>();
  /** Native functions of the module, called as `name::fn(...)`. */
  readonly lib = new Library();
  /** Sub-modules, reached as `name::sub::member`. */
  readonly modules = new Map<string, Module>();
  /** @internal Script functions by `name/arity`. */
  readonly scriptFns = new Map<string, CompiledFn>();

  constructor(readonly id = "") {}

  /** Sets an exported variable (for modules a host builds). */
  setVar(name: string, value: Value): this {
    this.vars.set(name, value);
    return this;
  }

  /** Adds a sub-module. */
  setModule(name: string, module: Module): this {
    this.modules.set(name, module);
    return this;
  }

  /** Whether a function of this name and arity exists (script or native). */
  hasFn(name: string, arity: number): boolean {
    return this.scriptFns.has(`${name}/${arity}`) || this.lib.hasArity(name, arity);
  }
}

/** Turns an import path into a module. */
export interface ModuleResolver {
  /** Returns the module, or undefined when the path is unknown (ErrorModuleNotFound). */
  resolve(path: string, load: (source: string, id: string) => Module): Module | undefined;
}

/**
 * Resolves `import "name"` to the script file `name.rhai` under a base directory. Each file
 * is loaded once per resolver and its module reused.
 */
export class FileModuleResolver implements ModuleResolver {
  private readonly cache = new Map<string, Module>();

  constructor(
    private readonly baseDir: string,
    private readonly extension = "rhai",
  ) {}

  resolve(path: string, load: (source: string, id: string) => Module): Module | undefined {
    const file = `${isAbsolute(path) ? path : join(this.baseDir, path)}${
      this.extension && !path.endsWith(`.${this.extension}`) ? `.${this.extension}` : ""
    }`;
    const cached = this.cache.get(file);
    if (cached !== undefined) return cached;
    let source: string;
    try {
      source = readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
    const module = load(source, file);
    this.cache.set(file, module);
    return module;
  }
}

/** Modules a host provides by name, without files. */
export class StaticModuleResolver implements ModuleResolver {
  private readonly modules = new Map<string, Module>();

  add(path: string, module: Module): this {
    this.modules.set(path, module);
    return this;
  }

  resolve(path: string): Module | undefined {
    return this.modules.get(path);
  }
}

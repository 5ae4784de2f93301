// Modules at run time: `import "path" as alias` through the resolver (loading counts toward
// the module limit; a failing module is ErrorInModule), and `alias::member` and
// `alias::fn(...)` looked up in the imports, innermost first, then the static modules.

import { type Position, RhaiParseError, RhaiRuntimeError } from "../errors.js";
import { type Module, NO_THIS } from "../runtime/index.js";
import type { Value } from "../value.js";
import { callScript, nativeCtx } from "./calls.js";
import type { EvalContext } from "./context.js";
import { atPos, notFound, rtErr } from "./errors.js";

/** `import "path"`. */
export function importModule(ctx: EvalContext, path: string, pos: Position): Module {
  const rt = ctx.rt;
  if (ctx.limits.maxModules > 0 && rt.modulesLoaded >= ctx.limits.maxModules) {
    throw rtErr("ErrorTooManyModules", "Too many modules imported", pos);
  }
  const resolver = ctx.moduleResolver;
  let module: Module | undefined;
  try {
    module = resolver?.resolve(path, (source, id) => ctx.loadModule(source, id));
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

function findModule(ctx: EvalContext, path: readonly string[], pos: Position): Module {
  const [first, ...rest] = path as [string, ...string[]];
  let module: Module | undefined;
  const imports = ctx.rt.imports;
  for (let i = imports.length - 1; i >= 0; i--) {
    const entry = imports[i];
    if (entry !== undefined && entry.alias === first) {
      module = entry.module;
      break;
    }
  }
  module ??= ctx.staticModules.get(first);
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

/** `module::name` as a value. */
export function moduleVar(
  ctx: EvalContext,
  path: readonly string[],
  name: string,
  pos: Position,
): Value {
  const module = findModule(ctx, path, pos);
  if (!module.vars.has(name)) {
    const full = `${path.join("::")}::${name}`;
    throw rtErr("ErrorVariableNotFound", `Variable not found: ${full}`, pos, full);
  }
  return module.vars.get(name);
}

/** `module::fn(args)`. */
export function callModuleFn(
  ctx: EvalContext,
  path: readonly string[],
  name: string,
  args: Value[],
  pos: Position,
): Value {
  const module = findModule(ctx, path, pos);
  const script = module.scriptFns.get(`${name}/${args.length}`);
  if (script !== undefined) return callScript(ctx, script, args, NO_THIS, undefined, null, pos);
  const native = module.lib.resolve(name, args);
  if (native !== undefined) {
    try {
      return native.fn(nativeCtx(ctx, name, pos), args);
    } catch (e) {
      throw atPos(e, pos);
    }
  }
  throw notFound(`${path.join("::")}::${name}`, args, pos);
}

// Calls: script functions bound at compile time, natives through a call-site cache (the
// first argument by reference when it is a variable), module functions, the functions built
// into the language (`print`, `type_of`, `eval`, `Fn`, `call`...), and method calls.

import type { Node, NodeOf } from "../ast.js";
import {
  atPos,
  CallSite,
  callFnPtr,
  callMethod,
  callModuleFn,
  callNativeMethod,
  callScript,
  callScript1,
  debugText,
  display,
  evalInScope,
  fnSignatureOf,
  makeFnPtr,
  notFound,
  rtErr,
} from "../eval/index.js";
import { toDebug } from "../format.js";
import {
  type Cell,
  ClosureTarget,
  type DynScope,
  type Eval,
  EvalScope,
  FrameView,
  LocalScope,
  NO_THIS,
} from "../runtime/index.js";
import { FnPtr, typeOf, type Value } from "../value.js";
import { ref } from "./chains.js";
import { type Compiling, mismatch } from "./context.js";

function argList(c: Compiling, nodes: readonly Node[]): Eval[] {
  return nodes.map((a) => c.stored(a));
}

export function call(c: Compiling, n: NodeOf<"Call">): Eval {
  const name = n.name;
  const pos = n.position;
  const ctx = c.ctx;
  const argc = n.args.length;
  if (n.namespace !== undefined) {
    const ns = n.namespace;
    const args = argList(c, n.args);
    if (ns === "global") {
      const program = c.program;
      return (f) => {
        const fn = program.lookup(name, argc);
        const argv = args.map((a) => a(f));
        if (fn === undefined) throw rtErr("ErrorFunctionNotFound", fnSignatureOf(name, argv), pos);
        return callScript(ctx, fn, argv, NO_THIS, undefined, null, pos);
      };
    }
    const path = ns.split("::");
    return (f) => {
      const argv = args.map((a) => a(f));
      return callModuleFn(ctx, path, name, argv, pos);
    };
  }
  const builtin = intrinsic(c, n);
  if (builtin !== undefined) return builtin;

  const script = c.program.lookup(name, argc);
  if (script !== undefined) {
    const args = argList(c, n.args);
    const view = n.capture ? c.fs.view() : undefined;
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
  const firstRef = first !== undefined && first.type === "Var" ? ref(c, first) : undefined;
  const args = n.args.map((a, i) =>
    i === 0 && firstRef !== undefined ? firstRef.get : c.stored(a),
  );
  const program = c.program;
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
function intrinsic(c: Compiling, n: NodeOf<"Call">): Eval | undefined {
  const name = n.name;
  const argc = n.args.length;
  const pos = n.position;
  const ctx = c.ctx;
  switch (name) {
    case "type_of":
      if (argc === 1) {
        const a = c.expr(n.args[0] as Node);
        return (f) => typeOf(a(f));
      }
      return undefined;
    case "print":
    case "debug": {
      if (argc > 1) return undefined;
      const a = argc === 1 ? c.expr(n.args[0] as Node) : () => "";
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
      const a = c.expr(n.args[0] as Node);
      const names = new Set(c.fs.visible.map((d) => d.name));
      return (f) => {
        const v = a(f);
        if (typeof v !== "string") throw mismatch("string", v, pos);
        return names.has(v) || (f[1] as DynScope | null)?.find(v) !== undefined;
      };
    }
    case "is_def_fn": {
      if (argc !== 2 && argc !== 3) return undefined;
      const args = n.args.map((x) => c.expr(x));
      const program = c.program;
      return (f) => {
        const argv = args.map((x) => x(f));
        const fname = argv[argc - 2];
        const arity = argv[argc - 1];
        if (typeof fname !== "string") throw mismatch("string", fname, pos);
        if (typeof arity !== "number") throw mismatch("i64", arity, pos);
        return program.lookup(fname, arity) !== undefined;
      };
    }
    case "Fn": {
      if (argc !== 1) return undefined;
      const a = c.expr(n.args[0] as Node);
      const program = c.program;
      return (f) => {
        const v = a(f);
        if (typeof v !== "string") throw mismatch("string", v, pos);
        return makeFnPtr(v, program, pos);
      };
    }
    case "call": {
      if (argc < 1) return undefined;
      const args = argList(c, n.args);
      const view = n.capture ? c.fs.view() : undefined;
      return (f) => {
        const argv = args.map((x) => x(f));
        const fp = argv[0];
        if (!(fp instanceof FnPtr)) throw mismatch("Fn", fp, pos);
        const dyn = view !== undefined ? new FrameView(f, view, f[1] as DynScope | null) : null;
        return callFnPtr(ctx, fp, argv.slice(1), NO_THIS, pos, dyn);
      };
    }
    case "curry": {
      if (argc < 1) return undefined;
      const args = argList(c, n.args);
      return (f) => {
        const argv = args.map((x) => x(f));
        const fp = argv[0];
        if (!(fp instanceof FnPtr)) throw mismatch("Fn", fp, pos);
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
      const a = c.expr(a0);
      return (f) => {
        a(f);
        return false;
      };
    }
    case "eval": {
      if (argc !== 1) return undefined;
      const a = c.expr(n.args[0] as Node);
      const view = c.fs.view();
      const program = c.program;
      return (f) => {
        const src = a(f);
        if (typeof src !== "string") throw mismatch("string", src, pos);
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

export function method(c: Compiling, n: NodeOf<"Method">): Eval {
  const name = n.name;
  const pos = n.position;
  const ctx = c.ctx;
  const argc = n.args.length;
  const lvalue =
    n.target.type === "Var" ||
    n.target.type === "This" ||
    n.target.type === "Index" ||
    n.target.type === "Prop";
  const target = lvalue ? ref(c, n.target) : undefined;
  const get = target ? target.get : c.expr(n.target);
  const args = argList(c, n.args);
  const site = new CallSite(ctx, name, pos);
  const program = c.program;
  const safe = n.safe;
  const tv = n.target.type === "Var" ? n.target : undefined;
  if (name === "is_shared" && argc === 0 && tv?.decl !== undefined) {
    const captured = tv.decl.captured;
    return () => captured;
  }
  // Calling a closure with `this` bound to a variable the closure captured is a data race.
  const raceSlot = name === "call" && tv?.decl?.captured ? c.fs.slotOf(tv.decl) : undefined;
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

/** Methods callMethod handles before any native: `fp.call()`, `x.call(fp)`, `type_of`... */
const SPECIAL_METHODS = new Set(["call", "curry", "is_anonymous", "type_of", "is_shared"]);

// Tiny scripts without a worker. Handing a job to a worker thread and back costs two thread
// wake-ups, far more than evaluating `1 + 1` (bench/RESULTS.md, session 2). A script that
// provably cannot run long, grow large or touch anything outside itself is evaluated here,
// on the calling thread, instead:
//
// - its source is short, and it has no loops, no function definitions, no calls (so no print,
//   no host function, no `eval`), no closures, no try/catch, no throw, no imports;
// - it runs under operation and size caps far below the worker's, on top of the runner's
//   own limits, so a value cannot grow past a few KiB however the few operations combine;
// - the job's world (ids, signatories, env_vars) is small, since the script can copy it.
//
// Only a success is answered here. A script that fails in any way (its own error, a cap) is
// given to a worker, which runs it from the start and reports exactly what it always did:
// a script that calls nothing has no side effect to repeat, so nobody can tell it ran twice.
// The answer is the same as the worker's because the engine is the same, with the same
// limits or tighter ones (limits only ever add failures), and the host modules can change
// nothing such a script does: refuse the inline path when one registers a function the
// engine calls implicitly (an operator, a getter, an indexer, `to_string`...).

import { type AST, Engine, type EngineLimits, type Node, toDisplay } from "../rhai/index.js";
import type { ScriptJob } from "./protocol.js";
import { jobScope, worldChars } from "./world.js";

/** Longer sources go to a worker (this also bounds the parser's work here). */
export const INLINE_MAX_SOURCE = 512;
/** A job whose world is larger goes to a worker: a script could copy it a few hundred times. */
export const INLINE_MAX_WORLD_CHARS = 4096;

/**
 * Caps of an inline run. With at most a few hundred operations in the source and every value
 * held under these sizes, a run allocates a few MB at worst and takes well under a
 * millisecond; anything that would need more fails here and runs in a worker instead.
 */
const INLINE_CAPS: Partial<EngineLimits> = {
  maxOperations: 10_000,
  maxStringSize: 16 * 1024,
  maxArraySize: 1024,
  maxMapSize: 1024,
  maxVariables: 256,
};

/** Sources seen recently, compiled (or `null`: not for the inline path). */
const CACHE_SIZE = 64;

/** Names the engine calls without the script naming them (see engine.ts). */
const IMPLICIT_NAMES = new Set(["to_string", "to_debug", "contains"]);

/** `type_of` of every value an inline script can hold (it cannot get a host object). */
const SCRIPT_VALUE_TYPES = new Set([
  "()",
  "bool",
  "i64",
  "f64",
  "char",
  "string",
  "array",
  "map",
  "blob",
  "Fn",
  "range",
  "range=",
  "timestamp",
]);

/** What the inline runner needs to know of a host function. */
export interface HostSignature {
  readonly name: string;
  readonly params: readonly string[];
}

/**
 * Whether a host function could change what an inline script does: one the engine calls
 * implicitly (operators, getters, setters, indexers, to_string...) that accepts values such
 * a script holds. A getter for a host type (Osiris' `get$title(Note)`) cannot be reached.
 */
function changesInlineScripts(f: HostSignature): boolean {
  const implicit = !/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name) || IMPLICIT_NAMES.has(f.name);
  return implicit && f.params.every((p) => p === "any" || SCRIPT_VALUE_TYPES.has(p));
}

export class InlineRunner {
  private readonly engine = new Engine();
  private readonly cache = new Map<string, AST | null>();

  private constructor(limits: EngineLimits) {
    Object.assign(this.engine.limits, limits);
    for (const [name, cap] of Object.entries(INLINE_CAPS) as [keyof EngineLimits, number][]) {
      const own = this.engine.limits[name];
      this.engine.limits[name] = own === 0 ? cap : Math.min(own, cap);
    }
    // No inline script can print (print is a call); if one ever did, it must not reach the
    // runner's stdout, and failing sends the job to a worker, which logs it properly.
    const refuse = (): never => {
      throw new Error("inline scripts do not log");
    };
    this.engine.onPrint(refuse).onDebug(refuse);
  }

  /**
   * An inline runner for workers with these engine limits and host functions, or undefined
   * when a host function could make an inline run differ from a worker's.
   */
  static create(
    limits: EngineLimits,
    hostFunctions: Iterable<HostSignature>,
  ): InlineRunner | undefined {
    for (const f of hostFunctions) if (changesInlineScripts(f)) return undefined;
    return new InlineRunner(limits);
  }

  /** The job's output if it ran here, or undefined: a worker must run it. */
  tryRun(job: ScriptJob): string | undefined {
    if (job.source.length > INLINE_MAX_SOURCE) return undefined;
    const ast = this.compiled(job);
    if (ast === null || worldChars(job) > INLINE_MAX_WORLD_CHARS) return undefined;
    try {
      return toDisplay(this.engine.eval(ast, jobScope(job)));
    } catch {
      return undefined;
    }
  }

  private compiled(job: ScriptJob): AST | null {
    const source = job.source;
    let ast = this.cache.get(source);
    if (ast !== undefined) {
      // Least recently used goes first: move this one to the end.
      this.cache.delete(source);
      this.cache.set(source, ast);
      return ast;
    }
    try {
      const parsed = this.engine.compile(source, jobScope(job));
      ast = isInlineScript(parsed) ? parsed : null;
    } catch {
      ast = null; // a parse error is the worker's to report, with its position
    }
    this.cache.set(source, ast);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    return ast;
  }
}

/** No function definitions, and only nodes that neither loop, call nor leave the script. */
export function isInlineScript(ast: AST): boolean {
  const script = ast.script;
  return (
    script.functions.length === 0 && script.usesEval !== true && script.body.every(isInlineNode)
  );
}

function isInlineNode(n: Node | undefined): boolean {
  if (n === undefined) return true;
  switch (n.type) {
    case "Const":
    case "Var":
    case "Noop":
      return true;
    case "Interp":
      return n.parts.every(isInlineNode);
    case "Array":
      return n.items.every(isInlineNode);
    case "MapLit":
      return n.entries.every((e) => isInlineNode(e[1]));
    case "Unary":
      return isInlineNode(n.arg);
    case "Binary":
    case "And":
    case "Or":
    case "Coalesce":
      return isInlineNode(n.left) && isInlineNode(n.right);
    case "Index":
      return isInlineNode(n.target) && isInlineNode(n.index);
    case "Prop":
      return isInlineNode(n.target);
    case "Block":
      return n.body.every(isInlineNode);
    case "If":
      return isInlineNode(n.cond) && isInlineNode(n.then) && isInlineNode(n.else);
    case "Switch":
      return (
        isInlineNode(n.subject) &&
        [...n.table.values()].every((cases) =>
          cases.every((c) => isInlineNode(c.condition) && isInlineNode(c.body)),
        ) &&
        n.ranges.every((r) => isInlineNode(r.case.condition) && isInlineNode(r.case.body)) &&
        isInlineNode(n.default)
      );
    case "Let":
      return isInlineNode(n.value);
    case "Assign":
      return isInlineNode(n.target) && isInlineNode(n.value);
    case "Return":
      return isInlineNode(n.value);
    default:
      // Calls, methods, closures, loops, jumps, try, throw, this, global::, imports, exports.
      return false;
  }
}

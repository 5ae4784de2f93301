// The sandbox worker entry (compiled to dist/sandbox/worker.js): one Rhai engine per worker,
// with the standard packages, the pool's limits and every host module's functions, reused
// for every job the worker runs.

import { type AST, Engine, type Scope } from "../rhai/index.js";
import { startSandboxWorker } from "./worker-runtime.js";
import { jobScope } from "./world.js";

/** Compiled scripts kept per worker: runners often see the same script again. */
const AST_CACHE_SIZE = 16;
/**
 * Longer sources are not kept: a compiled script takes about 120 times its source in heap
 * (35 KB of functions took 4 MB), so this bounds the cache near 16 MB of the worker's heap.
 */
const AST_CACHE_MAX_SOURCE = 8 * 1024;

/** A small least-recently-used map of compiled scripts by source text. */
class AstCache {
  private readonly entries = new Map<string, AST>();

  get(engine: Engine, source: string, scope: Scope): AST {
    let ast = this.entries.get(source);
    if (ast !== undefined) {
      this.entries.delete(source);
      this.entries.set(source, ast);
      return ast;
    }
    ast = engine.compile(source, scope);
    if (source.length <= AST_CACHE_MAX_SOURCE) {
      this.entries.set(source, ast);
      if (this.entries.size > AST_CACHE_SIZE) {
        const oldest = this.entries.keys().next().value as string;
        this.entries.delete(oldest);
      }
    }
    return ast;
  }
}

await startSandboxWorker((init, log) => {
  const engine = new Engine();
  Object.assign(engine.limits, init.limits);
  engine.onPrint((text) => log(text));
  engine.onDebug((text) => log(text));
  const cache = new AstCache();
  return {
    register: (fn) => engine.lib.add(fn),
    run: (job) => {
      const scope = jobScope(job);
      return engine.eval(cache.get(engine, job.source, scope), scope);
    },
  };
});

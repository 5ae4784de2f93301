// Public surface of the Rhai engine. Nothing here imports from the rest of the project.
//
// Usage:
//   const engine = new Engine();                  // standard packages; Engine.raw() has none
//   engine.lib.fn("greet", ["string"], (_ctx, [n]) => `hi ${n}`);   // register natives
//   engine.limits.maxOperations = 1_000_000;      // limits as the reference names them
//   engine.onPrint((t) => log(t)).onDebug((t, pos) => log(t));
//   engine.onProgress((ops) => !cancelled);       // or engine.setAbortSignal(signal)
//   const ast = engine.compile(src);              // parse once (RhaiParseError on bad input)
//   const scope = new Scope().pushConstant("JOB_ID", id);
//   const value = engine.eval(ast, scope);        // run many times (RhaiRuntimeError)
//   engine.setModuleResolver(new FileModuleResolver(dir));   // `import "name" as m;`
//   engine.registerModule("util", module);        // `util::fn()` without an import
export type { Node } from "./ast.js";
export { AST, DEFAULT_LIMITS, Engine, type EngineOptions } from "./engine.js";
export * from "./errors.js";
export * from "./format.js";
export * as int from "./int.js";
export * from "./native.js";
export {
  FileModuleResolver,
  Module,
  type ModuleResolver,
  Scope,
  StaticModuleResolver,
} from "./runtime/index.js";
export * from "./value.js";

// The slow paths of running code, as free functions over an explicit evaluation context
// (context.ts). The compiled closures do the common cases inline and call these for the
// rest; the engine builds the context and uses them to run programs.

export { CallSite } from "./call-site.js";
export {
  callFnPtr,
  callMethod,
  callNative,
  callNativeMethod,
  callScript,
  callScript1,
  makeFnPtr,
} from "./calls.js";
export { EngineContext, type EvalContext } from "./context.js";
export { checkDataSize, checkGrown, checkStringSize } from "./data-size.js";
export { debugText, display } from "./display.js";
export {
  atPos,
  errorValue,
  fnSignatureOf,
  isCatchable,
  notFound,
  rtErr,
} from "./errors.js";
export { indexGet, indexSet } from "./indexing.js";
export { callModuleFn, importModule, moduleVar } from "./modules.js";
export { binaryOp, contains, opAssign } from "./operators.js";
export { propGet, propSet } from "./properties.js";
export { evalInScope, runFunction, runProgram } from "./run.js";

// The run-time model shared by the compiler, the slow paths and the engine: frames and
// signals, dynamic scopes, the run state, compiled programs and modules. It depends only on
// the leaf contracts (values, errors, the tree, the library), never on who runs it.

export {
  BREAK,
  Cell,
  CONTINUE,
  type Eval,
  FIRST_SLOT,
  type Frame,
  isSignal,
  JUMP,
  JUMP_BREAK,
  JUMP_CONTINUE,
  JUMP_RETURN,
  NO_THIS,
  RETURN,
  type Ref,
} from "./frame.js";
export {
  FileModuleResolver,
  Module,
  type ModuleResolver,
  StaticModuleResolver,
} from "./modules.js";
export { ClosureTarget, type CompiledFn, Program } from "./program.js";
export { RunState } from "./run-state.js";
export { type DynScope, EvalScope, FrameView, LocalScope, Scope } from "./scopes.js";

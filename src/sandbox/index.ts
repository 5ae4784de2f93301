// Public surface of the script sandbox: worker pool, host bridge, limits.

export { BridgeValueError, decodeValue, encodeValue, type WireValue } from "./codec.js";
export {
  DEFAULT_ENGINE_LIMITS,
  DEFAULT_HEAP_MB,
  DEFAULT_LOG_LIMITS,
  engineLimits,
  type LogLimits,
} from "./limits.js";
export { HostModuleError } from "./modules.js";
export type { RunOptions } from "./pool.js";
export type { HostModuleSpec, ScriptJob } from "./protocol.js";
export {
  createSandbox,
  defaultWorkerUrl,
  type Sandbox,
  type SandboxOptions,
  scriptJobOf,
} from "./sandbox.js";

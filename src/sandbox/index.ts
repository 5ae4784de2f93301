// Public surface of the script sandbox: worker pool, host bridge, limits.

export { BridgeValueError, decodeValue, encodeValue } from "./codec.js";
export { DEFAULT_ENGINE_LIMITS } from "./limits.js";
export type { HostModuleSpec, ScriptJob } from "./protocol.js";
export { createSandbox, type Sandbox, scriptJobOf } from "./sandbox.js";

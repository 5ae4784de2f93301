// Redis keys and operations (docs/protocol.md): the only layer that knows key strings.
export * from "./connection.js";
export * from "./end-signing.js";
export * from "./events-stream.js";
export * from "./flows.js";
export * from "./instances.js";
export * from "./job-caps.js";
export * from "./jobs-index.js";
export * from "./keys.js";
export * from "./lifecycle.js";
export * from "./queue-stats.js";
export * from "./recovery.js";
export * from "./scan.js";
export * from "./schedules.js";
export { isNoScript } from "./scripts-runner.js";
export * from "./store.js";
export * from "./submit-many.js";
export * from "./supervisor-store.js";

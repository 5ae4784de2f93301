// The runner loop and everything around it: the executor contract, events, logs, the state
// directory.
export type * from "./events.js";
export type * from "./executor.js";
export * from "./logger.js";
export * from "./retention-check.js";
export * from "./run-ledger.js";
export * from "./runner.js";
export * from "./state-dir.js";

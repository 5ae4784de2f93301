// The runner loop and everything around it: logs, the shared command-line front.
export * from "./cli.js";
export * from "./cli-options.js";
export type * from "./events.js";
export type * from "./executor.js";
export * from "./logger.js";
export * from "./retention-check.js";
export * from "./runner.js";
export * from "./state-dir.js";
export * from "./version.js";

// The supervisor's side: library behind the `horus` command.
export * from "./client.js";
export * from "./result-check.js";
export * from "./supervisor-client.js";

// Public surface of the Rhai engine. Nothing here imports from the rest of the project.
export * from "./errors.js";
export * from "./format.js";
export * as int from "./int.js";
export * from "./native.js";
export * from "./value.js";

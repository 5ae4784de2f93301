export * from "./failure.js";
export * from "./types.js";

export * from "./executor.js";
export * from "./options.js";

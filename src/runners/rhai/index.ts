export * from "./executor.js";

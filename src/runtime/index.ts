export type * from "./executor.js";

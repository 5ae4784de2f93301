// The host kit: what SAL, Osiris and the hero actions build their script functions with.
// It imports only src/rhai and src/util (src/job is allowed too), so the sandbox and every
// host package above it can share it.
export * from "./args.js";
export * from "./capture.js";
export * from "./child-process.js";
export type * from "./contract.js";
export * from "./define.js";
export * from "./plain.js";
export * from "./session.js";

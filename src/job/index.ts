// Jobs: the type, validation, the canonical form, keys and signatures. The bottom layer:
// imports nothing else from the project but src/util.
export * from "./backoff.js";
export * from "./batch.js";
export * from "./canonical.js";
export * from "./create.js";
export * from "./crypto.js";
export * from "./envelope.js";
export * from "./failure.js";
export * from "./flow.js";
export * from "./merkle.js";
export { libsecp256k1, useLibsecp256k1 } from "./native-verify.js";
export * from "./policy.js";
export * from "./result-signature.js";
export * from "./schedule.js";
export * from "./schema.js";
export * from "./types.js";

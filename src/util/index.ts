// Small helpers every layer may use (except src/rhai, which imports nothing of the project).
export { coerceError } from "./errors.js";

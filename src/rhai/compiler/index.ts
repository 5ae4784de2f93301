// The compiler's public surface: a parsed tree to a program of closures.

export { compileTree } from "./compiler.js";

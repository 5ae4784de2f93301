// The parser's public surface: source text to the syntax tree of `ast.ts`.

export type { ParseOptions } from "./options.js";
export { parseExpression, parseScript } from "./parse.js";
export { switchKey } from "./switch.js";

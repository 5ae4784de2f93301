// Entry points: source text to a syntax tree, whole scripts or single expressions. A stack
// overflow while parsing is the reference's ExprTooDeep.

import type { Script } from "../ast.js";
import { isStackExhausted } from "../js-errors.js";
import { DEFAULT_PARSE_OPTIONS, type ParseOptions } from "./options.js";
import { lex, perr } from "./support.js";
import { Parser } from "./switch.js";

/** Parses a whole script. */
export function parseScript(src: string, options: ParseOptions = DEFAULT_PARSE_OPTIONS): Script {
  try {
    return new Parser(src, lex(src, options), options).script();
  } catch (e) {
    if (isStackExhausted(e)) {
      throw perr("ExprTooDeep", "Expression exceeds maximum complexity", { line: 1, column: 1 });
    }
    throw e;
  }
}

/** Parses a source that must be a single expression (no statements). */
export function parseExpression(
  src: string,
  options: ParseOptions = DEFAULT_PARSE_OPTIONS,
): Script {
  try {
    return new Parser(src, lex(src, options), options).expressionOnly();
  } catch (e) {
    if (isStackExhausted(e)) {
      throw perr("ExprTooDeep", "Expression exceeds maximum complexity", { line: 1, column: 1 });
    }
    throw e;
  }
}

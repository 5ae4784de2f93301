// The lexer's public surface: source text to tokens, and the tables the parser asks about
// tokens (precedences, reserved symbols, the language's own functions).

export { type LexOptions, positionOf, tokenize } from "./scanner.js";
export {
  BINARY_PRECEDENCE,
  KEYWORD_FUNCTIONS,
  KEYWORDS,
  RESERVED_SYMBOLS,
  RESERVED_WORDS,
  type Token,
  type TokenKind,
} from "./tables.js";

// The lexer's public surface: source text to tokens, and the tables the parser asks about
// tokens (precedences, reserved symbols, the language's own functions).

export { tokenize } from "./scanner.js";
export {
  BINARY_PRECEDENCE,
  KEYWORD_FUNCTIONS,
  RESERVED_SYMBOLS,
  type Token,
} from "./tables.js";

// The lexer's tables: token kinds, the operator table with binary precedences, the symbols
// and words Rhai reserves, keywords, and the symbol lists the scanner matches by first
// character. Data only; the scanner (scanner.ts) reads them.

import type { Int } from "../value.js";

export type TokenKind =
  | "int"
  | "float"
  | "string"
  | "char"
  | "interp"
  | "ident"
  | "keyword"
  | "symbol"
  | "reserved"
  | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** The identifier, keyword, symbol text, or the decoded string/char. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** Integer literal value; `overflow` marks 9223372036854775808 (only valid negated). */
  readonly int?: Int;
  readonly overflow?: boolean;
  readonly float?: number;
  /** Interpolated string: literal pieces and embedded expression token lists, in order. */
  readonly parts?: readonly (string | Token[])[];
}

/** Binary operators and their precedence (higher binds tighter); `**` binds to the right. */
export const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  "||": 30,
  "|": 30,
  "^": 30,
  "&&": 60,
  "&": 60,
  "==": 90,
  "!=": 90,
  in: 110,
  "!in": 110,
  "<": 130,
  "<=": 130,
  ">": 130,
  ">=": 130,
  "??": 135,
  "..": 140,
  "..=": 140,
  "+": 150,
  "-": 150,
  "*": 180,
  "/": 180,
  "%": 180,
  "**": 190,
  "<<": 210,
  ">>": 210,
};

/** Every symbol the lexer knows, longest first so that maximal munch works. */
export const SYMBOLS: readonly string[] = [
  "::<",
  "...",
  "..=",
  "<<=",
  ">>=",
  "**=",
  "===",
  "!==",
  "?.",
  "?[",
  "??",
  "..",
  "::",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "<<",
  ">>",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "->",
  "<-",
  ":=",
  ":;",
  "++",
  "--",
  "(*",
  "*)",
  "#{",
  "#!",
  "|>",
  "<|",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "&",
  "|",
  "!",
  "=",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ";",
  ":",
  ".",
  "?",
  "#",
  "@",
  "$",
  "~",
];

/**
 * Symbols the reference reserves without a meaning: a token of their own, so that the
 * parser reports `Reserved` where an expression starts and `UnknownOperator` after one
 * (`x++`, `a ? b : c`), as the reference does.
 */
export const RESERVED_SYMBOLS: ReadonlySet<string> = new Set([
  "++",
  "--",
  "...",
  "#",
  "#!",
  "@",
  "$",
  "~",
  "|>",
  "<|",
  "?",
]);

/** Improper symbols: using one is a lex error with a hint. */
export const IMPROPER_SYMBOLS: Readonly<Record<string, string>> = {
  "===": "'===' is not a valid operator. This is not JavaScript! Should it be '=='?",
  "!==": "'!==' is not a valid operator. This is not JavaScript! Should it be '!='?",
  "->": "'->' is not a valid symbol. This is not C or C++!",
  "<-": "'<-' is not a valid symbol. This is not Go! Should it be '<='?",
  ":=": "':=' is not a valid assignment operator. This is not Go or Pascal! Should it be simply '='?",
  ":;": "':;' is not a valid symbol. Should it be '::'?",
  "::<": "'::<>' is not a valid symbol. This is not Rust! Should it be '::'?",
  "(*": "'(* .. *)' is not a valid comment format. This is not Pascal! Should it be '/* .. */'?",
  "*)": "'(* .. *)' is not a valid comment format. This is not Pascal! Should it be '/* .. */'?",
};

/** Keywords of the language proper. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "true",
  "false",
  "let",
  "const",
  "if",
  "else",
  "switch",
  "do",
  "while",
  "until",
  "loop",
  "for",
  "in",
  "continue",
  "break",
  "return",
  "throw",
  "try",
  "catch",
  "import",
  "export",
  "as",
  "fn",
  "private",
  "global",
]);

/** Words reserved for future use: an error wherever they appear. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  "public",
  "protected",
  "super",
  "new",
  "use",
  "module",
  "package",
  "var",
  "static",
  "shared",
  "with",
  "is",
  "goto",
  "exit",
  "match",
  "case",
  "default",
  "void",
  "null",
  "nil",
  "spawn",
  "thread",
  "go",
  "sync",
  "async",
  "await",
  "yield",
]);

/** Names that are functions built into the language: callable, but not definable as variables. */
export const KEYWORD_FUNCTIONS: ReadonlySet<string> = new Set([
  "print",
  "debug",
  "type_of",
  "eval",
  "Fn",
  "call",
  "curry",
  "is_def_var",
  "is_def_fn",
  "is_shared",
  "this",
]);

export interface SymbolEntry {
  readonly text: string;
  /** Set for the symbols Rhai reserves: the hint its lex error gives. */
  readonly hint: string | undefined;
  /** Whether it is in RESERVED_SYMBOLS, looked up once here rather than per token. */
  readonly reserved: boolean;
}

export const NO_SYMBOLS: readonly SymbolEntry[] = [];

/** Symbols grouped by their first character, longest first. */
export const SYMBOLS_BY_FIRST: ReadonlyMap<string, readonly SymbolEntry[]> = (() => {
  const m = new Map<string, SymbolEntry[]>();
  for (const text of SYMBOLS) {
    const first = text[0] as string;
    const list = m.get(first) ?? [];
    list.push({ text, hint: IMPROPER_SYMBOLS[text], reserved: RESERVED_SYMBOLS.has(text) });
    m.set(first, list);
  }
  return m;
})();

/** The same lists by character code for ASCII: an array index rather than a string-keyed lookup. */
export const SYMBOLS_BY_CODE: readonly (readonly SymbolEntry[] | undefined)[] = Array.from(
  { length: 128 },
  (_, code) => SYMBOLS_BY_FIRST.get(String.fromCharCode(code)),
);

// The Rhai lexer: source text to a flat list of tokens.
//
// Tokens are plain data. Operators come from one table (tables.ts, `SYMBOLS`) that also
// carries their binary precedence; keywords and reserved words live there too. Back-tick
// strings with `${...}` interpolation are lexed recursively: the token holds the literal
// pieces and, for each interpolation, the tokens of the embedded expression.

import { RhaiParseError } from "../errors.js";
import { parseIntLiteral } from "../int.js";
import type { Int } from "../value.js";
import {
  KEYWORD_FUNCTIONS,
  KEYWORDS,
  NO_SYMBOLS,
  RESERVED_WORDS,
  SYMBOLS_BY_CODE,
  SYMBOLS_BY_FIRST,
  type SymbolEntry,
  type Token,
  type TokenKind,
} from "./tables.js";

/** Every token has the same shape (all fields present), which keeps the parser's property reads fast. */
/** A token; every token has all fields, in one order, so they share one hidden class. */
function mk(
  kind: TokenKind,
  text: string,
  line: number,
  column: number,
  int?: Int,
  float?: number,
  parts?: readonly (string | Token[])[],
  overflow = false,
): Token {
  return { kind, text, line, column, int, overflow, float, parts };
}

function lexError(lexErr: string, detail: string, line: number, column: number): RhaiParseError {
  return new RhaiParseError("BadInput", detail, { line, column }, lexErr, [detail]);
}

function isIdCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function hasLetter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const k = s.charCodeAt(i);
    if ((k >= 97 && k <= 122) || (k >= 65 && k <= 90)) return true;
  }
  return false;
}

function isIdStart(c: string): boolean {
  const k = c.charCodeAt(0);
  return (k >= 97 && k <= 122) || (k >= 65 && k <= 90) || k === 95;
}

function isIdChar(c: string): boolean {
  return isIdCode(c.charCodeAt(0));
}

function isDigitOrUnderscore(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 95;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

export interface LexOptions {
  /** Symbols and keywords the host disabled: using one is `Reserved`. */
  readonly disabled?: ReadonlySet<string>;
  /**
   * How deep `${...}` may nest inside back-tick strings (0: the built-in cap). Each level
   * lexes recursively, so without a bound a hostile script could exhaust the JS stack; the
   * parser would reject such nesting as `ExprTooDeep` anyway (every level is an expression).
   */
  readonly maxInterpolationDepth?: number;
}

/** The cap on interpolation nesting when the host set no expression-depth limit. */
const MAX_INTERPOLATION_DEPTH = 1_000;

/** Lexes a whole source into tokens ending with an `eof` token. */
export function tokenize(src: string, options: LexOptions = {}): Token[] {
  const lexer = new Lexer(src, 0, 1, 1, options, 0);
  const tokens = lexer.run(false);
  return tokens;
}

class Lexer {
  constructor(
    private readonly src: string,
    private pos: number,
    private line: number,
    private col: number,
    private readonly options: LexOptions,
    /** How many `${` this lexer is inside. */
    private readonly nesting: number,
  ) {}

  /** Where lexing stopped (for an interpolation's closing brace). */
  state(): { pos: number; line: number; col: number } {
    return { pos: this.pos, line: this.line, col: this.col };
  }

  private peek(offset = 0): string | undefined {
    const c = this.src[this.pos + offset];
    return c;
  }

  /** Advances one UTF-16 unit, keeping line/column (columns count code points). */
  private advance(): string {
    const c = this.src[this.pos++] as string;
    if (c === "\n") {
      this.line++;
      this.col = 1;
    } else {
      const code = c.charCodeAt(0);
      // A high surrogate and its low surrogate count as one column.
      if (!(code >= 0xd800 && code <= 0xdbff)) this.col++;
    }
    return c;
  }

  /**
   * Lexes tokens. With `untilBrace`, stops at the `}` that closes an interpolation (not
   * consumed into the list) and returns the tokens before it.
   */
  run(untilBrace: boolean): Token[] {
    const tokens: Token[] = [];
    let depth = 0;
    for (;;) {
      this.skipTrivia();
      if (this.pos >= this.src.length) {
        if (untilBrace) {
          throw lexError(
            "UnterminatedString",
            "Open string is not terminated",
            this.line,
            this.col,
          );
        }
        tokens.push(mk("eof", "", this.line, this.col));
        return tokens;
      }
      const c = this.peek() as string;
      if (untilBrace) {
        if (c === "{") depth++;
        else if (c === "}") {
          if (depth === 0) {
            tokens.push(mk("eof", "", this.line, this.col));
            this.advance();
            return tokens;
          }
          depth--;
        }
      }
      const tok = this.next();
      if (untilBrace && tok.kind === "symbol" && tok.text === "#{") depth++;
      tokens.push(tok);
    }
  }

  private skipTrivia(): void {
    const src = this.src;
    for (;;) {
      if (this.pos >= src.length) return;
      const code = src.charCodeAt(this.pos);
      if (code === 32 || code === 9 || code === 13) {
        this.pos++;
        this.col++;
        continue;
      }
      if (code === 10) {
        this.pos++;
        this.line++;
        this.col = 1;
        continue;
      }
      const c = src[this.pos] as string;
      if (code > 127 && (c === "\uFEFF" || /\s/.test(c))) {
        this.advance();
        continue;
      }
      if (code === 47 && src.charCodeAt(this.pos + 1) === 47) {
        // A line comment: jump to the end of the line (columns past it do not matter).
        const end = src.indexOf("\n", this.pos);
        this.pos = end < 0 ? src.length : end;
        continue;
      }
      if (c === "/" && this.peek(1) === "*") {
        const line = this.line;
        const col = this.col;
        this.advance();
        this.advance();
        let depth = 1;
        while (depth > 0) {
          if (this.pos >= this.src.length) {
            throw lexError("UnterminatedString", "Comment is not terminated", line, col);
          }
          if (this.peek() === "/" && this.peek(1) === "*") {
            this.advance();
            this.advance();
            depth++;
          } else if (this.peek() === "*" && this.peek(1) === "/") {
            this.advance();
            this.advance();
            depth--;
          } else this.advance();
        }
        continue;
      }
      if (c === "#" && this.peek(1) === "!" && this.pos === 0) {
        // A shebang line at the very start.
        while (this.pos < this.src.length && this.peek() !== "\n") this.advance();
        continue;
      }
      return;
    }
  }

  private next(): Token {
    const line = this.line;
    const column = this.col;
    const c = this.peek() as string;
    if (isDigit(c)) return this.number(line, column);
    if (c === '"') {
      this.advance();
      return mk("string", this.quoted('"', line, column), line, column);
    }
    if (c === "`") return this.backtick(line, column);
    if (c === "'") return this.charLiteral(line, column);
    if (c === "#" && (this.peek(1) === '"' || this.peek(1) === "#")) {
      const raw = this.rawString(line, column);
      if (raw !== undefined) return raw;
    }
    if (isIdStart(c)) return this.word(line, column);
    const code = c.charCodeAt(0);
    const candidates = (code < 128 ? SYMBOLS_BY_CODE[code] : SYMBOLS_BY_FIRST.get(c)) ?? NO_SYMBOLS;
    for (let k = 0; k < candidates.length; k++) {
      const { text: sym, hint, reserved } = candidates[k] as SymbolEntry;
      // The first character matched already; compare the rest by code (symbols are short).
      let match = true;
      for (let m = 1; m < sym.length; m++) {
        if (this.src.charCodeAt(this.pos + m) !== sym.charCodeAt(m)) {
          match = false;
          break;
        }
      }
      if (match) {
        // Symbols never contain line breaks.
        this.pos += sym.length;
        this.col += sym.length;
        const disabled = this.options.disabled;
        if ((disabled !== undefined && disabled.size > 0 && disabled.has(sym)) || reserved) {
          return mk("reserved", sym, line, column);
        }
        if (hint !== undefined) throw lexError("ImproperSymbol", hint, line, column);
        return mk("symbol", sym, line, column);
      }
    }
    const ch = String.fromCodePoint(c.codePointAt(0) as number);
    throw lexError("UnexpectedInput", `Unexpected '${ch}'`, line, column);
  }

  private word(line: number, column: number): Token {
    // Identifiers are ASCII and never span lines: advance position and column together.
    const start = this.pos;
    const src = this.src;
    let end = start;
    while (end < src.length && isIdCode(src.charCodeAt(end))) end++;
    const text = src.slice(start, end);
    this.col += end - start;
    this.pos = end;
    if (!hasLetter(text) && text !== "_") {
      throw lexError("MalformedIdentifier", text, line, column);
    }
    if (this.options.disabled?.has(text)) {
      // A disabled keyword is reserved; a disabled function-like keyword is improper input.
      if (KEYWORD_FUNCTIONS.has(text)) {
        throw lexError("ImproperSymbol", text, line, column);
      }
      return mk("reserved", text, line, column);
    }
    if (RESERVED_WORDS.has(text)) return mk("reserved", text, line, column);
    if (KEYWORDS.has(text)) return mk("keyword", text, line, column);
    return mk("ident", text, line, column);
  }

  private number(line: number, column: number): Token {
    const start = this.pos;
    let radix: 10 | 16 | 8 | 2 = 10;
    if (this.peek() === "0" && /[xXoObB]/.test(this.peek(1) ?? "")) {
      const p = (this.peek(1) as string).toLowerCase();
      radix = p === "x" ? 16 : p === "o" ? 8 : 2;
      this.advance();
      this.advance();
      let digits = "";
      const valid = radix === 16 ? /[0-9a-fA-F_]/ : radix === 8 ? /[0-7_]/ : /[01_]/;
      while (this.peek() !== undefined && valid.test(this.peek() as string)) {
        digits += this.advance();
      }
      if (this.peek() !== undefined && isIdChar(this.peek() as string)) {
        while (this.peek() !== undefined && isIdChar(this.peek() as string)) this.advance();
        throw lexError("MalformedNumber", this.src.slice(start, this.pos), line, column);
      }
      const clean = digits.replace(/_/g, "");
      const value = clean === "" ? null : parseIntLiteral(clean, radix);
      if (value === null) {
        throw lexError("MalformedNumber", this.src.slice(start, this.pos), line, column);
      }
      return mk("int", this.src.slice(start, this.pos), line, column, value);
    }
    // Numbers never span lines: scan by index, then move position and column together.
    const src = this.src;
    let i = this.pos;
    while (isDigitOrUnderscore(src.charCodeAt(i))) i++;
    let isFloat = false;
    let text: string;
    let suffix = "";
    if (src.charCodeAt(i) === 46) {
      const after = src[i + 1];
      if (isDigit(after)) {
        isFloat = true;
        i += 2;
        while (isDigitOrUnderscore(src.charCodeAt(i))) i++;
      } else if (after !== "." && after !== "_" && !(after !== undefined && isIdStart(after))) {
        // `1.` followed by a symbol or space is the float 1.0.
        isFloat = true;
        i++;
        suffix = "0";
      }
    }
    const e = src[i];
    const sign = src[i + 1] === "+" || src[i + 1] === "-";
    if (
      suffix === "" &&
      (e === "e" || e === "E") &&
      (isDigit(src[i + 1]) || (sign && isDigit(src[i + 2])))
    ) {
      isFloat = true;
      i += sign ? 2 : 1;
      while (isDigitOrUnderscore(src.charCodeAt(i))) i++;
    }
    text = src.slice(this.pos, i) + suffix;
    this.col += i - this.pos;
    this.pos = i;
    if (this.peek() !== undefined && isIdChar(this.peek() as string) && this.peek() !== "_") {
      // Digits running into letters (`123abc`) are a malformed number.
      const c = this.peek() as string;
      if (!(isFloat || c === "e" || c === "E")) {
        // allow `1.abs()` style only through the '.' path; `12a` is malformed
      }
      if (isIdChar(c)) {
        while (this.peek() !== undefined && isIdChar(this.peek() as string)) this.advance();
        throw lexError("MalformedNumber", this.src.slice(start, this.pos), line, column);
      }
    }
    const clean = text.includes("_") ? text.replace(/_/g, "") : text;
    if (isFloat) {
      const f = Number(clean);
      if (Number.isNaN(f)) throw lexError("MalformedNumber", text, line, column);
      return mk("float", text, line, column, undefined, f);
    }
    // Up to 15 digits is always a safe JS integer: no BigInt round trip.
    const value = clean.length <= 15 ? Number(clean) : parseIntLiteral(clean, 10);
    if (value === null) {
      if (BigInt(clean) === 9223372036854775808n) {
        return mk("int", text, line, column, 0, undefined, undefined, true);
      }
      throw lexError("MalformedNumber", text, line, column);
    }
    return mk("int", text, line, column, value);
  }

  /** Reads an escape sequence after a backslash; returns the decoded text. */
  private escape(quote: string, line: number, column: number): string {
    const c = this.peek();
    if (c === undefined)
      throw lexError("UnterminatedString", "Open string is not terminated", line, column);
    const escLine = this.line;
    const escCol = this.col - 1;
    this.advance();
    switch (c) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "0":
        return "\0";
      case "\\":
        return "\\";
      case '"':
        return '"';
      case "'":
        return "'";
      case "x":
      case "u":
      case "U": {
        const len = c === "x" ? 2 : c === "u" ? 4 : 8;
        let hex = "";
        for (let i = 0; i < len; i++) {
          const h = this.peek();
          if (h === undefined || !/[0-9a-fA-F]/.test(h)) {
            throw lexError("MalformedEscapeSequence", `\\${c}${hex}`, escLine, escCol);
          }
          hex += this.advance();
        }
        const code = Number.parseInt(hex, 16);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          throw lexError("MalformedEscapeSequence", `\\${c}${hex}`, escLine, escCol);
        }
        return String.fromCodePoint(code);
      }
      default:
        if (c === quote) return c;
        throw lexError("MalformedEscapeSequence", `\\${c}`, escLine, escCol);
    }
  }

  /** A `"..."` string (opening quote consumed), or a char body for `'`. */
  private quoted(quote: string, line: number, column: number): string {
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        throw lexError("UnterminatedString", "Open string is not terminated", line, column);
      }
      if (c === quote) {
        this.advance();
        // A doubled quote inside a string stands for the quote itself.
        if (quote === '"' && this.peek() === '"') {
          this.advance();
          out += '"';
          continue;
        }
        return out;
      }
      if (c === "\\") {
        this.advance();
        const n = this.peek();
        if (n === "\n" || (n === "\r" && this.peek(1) === "\n")) {
          // Line continuation: skip the line break and the next line's indentation, up to
          // the column of the opening quote (as the reference does).
          if (n === "\r") this.advance();
          this.advance();
          while ((this.peek() === " " || this.peek() === "\t") && this.col <= column)
            this.advance();
          continue;
        }
        out += this.escape(quote, line, column);
        continue;
      }
      if (c === "\n") {
        throw lexError("UnterminatedString", "Open string is not terminated", line, column);
      }
      // A run of plain characters in one slice: everything up to the next quote, backslash,
      // line break or surrogate (which counts as one column for two units).
      const src = this.src;
      const quoteCode = quote.charCodeAt(0);
      let j = this.pos;
      for (; j < src.length; j++) {
        const k = src.charCodeAt(j);
        if (k === quoteCode || k === 92 || k === 10 || (k >= 0xd800 && k <= 0xdfff)) break;
      }
      if (j > this.pos) {
        out += src.slice(this.pos, j);
        this.col += j - this.pos;
        this.pos = j;
      } else out += this.advance();
    }
  }

  private charLiteral(line: number, column: number): Token {
    this.advance();
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "\n") {
        throw lexError("MalformedChar", out, line, column);
      }
      if (c === "'") {
        this.advance();
        break;
      }
      if (c === "\\") {
        this.advance();
        out += this.escape("'", line, column);
        continue;
      }
      out += this.advance();
    }
    if ([...out].length !== 1) throw lexError("MalformedChar", out, line, column);
    return mk("char", out, line, column);
  }

  /** `#"..."#`, `##"..."##`: no escapes, may span lines. */
  private rawString(line: number, column: number): Token | undefined {
    let hashes = 0;
    while (this.peek(hashes) === "#") hashes++;
    if (this.peek(hashes) !== '"') return undefined;
    for (let i = 0; i <= hashes; i++) this.advance();
    const close = `"${"#".repeat(hashes)}`;
    let out = "";
    for (;;) {
      if (this.pos >= this.src.length) {
        throw lexError("UnterminatedString", "Open string is not terminated", line, column);
      }
      if (this.src.startsWith(close, this.pos)) {
        for (let i = 0; i < close.length; i++) this.advance();
        return mk("string", out, line, column);
      }
      out += this.advance();
    }
  }

  /** A back-tick string: multi-line, no escapes except a doubled back-tick, `${}` inside. */
  private backtick(line: number, column: number): Token {
    this.advance();
    // A line break right after the opening back-tick is not part of the string.
    if (this.peek() === "\r" && this.peek(1) === "\n") {
      this.advance();
      this.advance();
    } else if (this.peek() === "\n") this.advance();
    const parts: (string | Token[])[] = [];
    let buf = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        throw lexError("UnterminatedString", "Open string is not terminated", line, column);
      }
      if (c === "`") {
        this.advance();
        if (this.peek() === "`") {
          this.advance();
          buf += "`";
          continue;
        }
        break;
      }
      if (c === "$" && this.peek(1) === "{") {
        const max = this.options.maxInterpolationDepth || MAX_INTERPOLATION_DEPTH;
        if (this.nesting >= max) {
          throw new RhaiParseError("ExprTooDeep", "Expression exceeds maximum complexity", {
            line: this.line,
            column: this.col,
          });
        }
        this.advance();
        this.advance();
        parts.push(buf);
        buf = "";
        const inner = new Lexer(
          this.src,
          this.pos,
          this.line,
          this.col,
          this.options,
          this.nesting + 1,
        );
        const tokens = inner.run(true);
        const st = inner.state();
        this.pos = st.pos;
        this.line = st.line;
        this.col = st.col;
        parts.push(tokens);
        continue;
      }
      buf += this.advance();
    }
    if (parts.length === 0) return mk("string", buf, line, column);
    parts.push(buf);
    return mk("interp", "", line, column, undefined, undefined, parts);
  }
}

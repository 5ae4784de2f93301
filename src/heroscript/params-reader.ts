// Reads the parameter text of an action, line by line, into `Params`.
//
// Grammar (one line at a time; state carries over lines for lists and multi-line values):
//   item      := '//' comment-to-end-of-line | key ':' value | quoted | word
//   key       := [A-Za-z0-9_,./]+            (case-insensitive)
//   value     := '[' items? ']' | scalar (',' ws* scalar)* | multi-line opener
//   scalar    := quoted | bare               bare: up to whitespace or ','
//   quoted    := "'" ... "'" | '"' ... '"'   (a backslash before the quote escapes it)
// A value that ends with ',' continues on the next line. A line ending in `key:'` (or `:"`,
// `:'''`, `:"""`) opens a multi-line value; a line holding only that quote closes it, and the
// lines between are dedented, each ending in a newline.
import { HeroscriptSyntaxError } from "./errors.js";
import { type Arg, type Param, Params } from "./params.js";
import { dedentLines } from "./text.js";

const KEY_CHAR = /[A-Za-z0-9_,./]/;
const MULTILINE_QUOTES = ["'''", '"""', "'", '"'] as const;

interface PendingList {
  key: string;
  items: string[];
  line: number;
  column: number;
  /** Where the dangling comma is, for the error when nothing follows it. */
  commaLine: number;
  commaColumn: number;
}

interface OpenBlock {
  key: string;
  quote: string;
  line: number;
  column: number;
  lines: string[];
}

export class ParamsReader {
  readonly #params: Param[] = [];
  readonly #args: Arg[] = [];
  #list: PendingList | undefined;
  #block: OpenBlock | undefined;

  constructor(readonly source?: string) {}

  /** True while a multi-line value is open: the next lines belong to it. */
  get inMultiline(): boolean {
    return this.#block !== undefined;
  }

  /**
   * Reads one line of parameter text. `column` is the 1-based column of `text[0]` in the
   * script, so errors point at the script and not at this fragment.
   */
  feed(text: string, line: number, column = 1): void {
    if (this.#block) {
      this.#feedBlock(text);
      return;
    }
    new LineScanner(this, text, line, column).scan();
  }

  /** The parameters read; fails if a list or multi-line value is left open. */
  finish(): Params {
    if (this.#block) throw this.unclosedBlockError();
    if (this.#list) {
      const l = this.#list;
      throw this.error("expected a list item after ','", l.commaLine, l.commaColumn);
    }
    return new Params(this.#params, this.#args);
  }

  /** The error for a multi-line value that its action ended before it was closed. */
  unclosedBlockError(): HeroscriptSyntaxError {
    const b = this.#block as OpenBlock;
    return this.error(
      `multi-line value of '${b.key}' is not closed: expected an indented line holding only ${b.quote}`,
      b.line,
      b.column,
    );
  }

  error(message: string, line: number, column: number): HeroscriptSyntaxError {
    return new HeroscriptSyntaxError(message, line, column, this.source);
  }

  // --- used by LineScanner -------------------------------------------------------------

  addParam(p: Param): void {
    this.#params.push(p);
  }

  addArg(a: Arg): void {
    this.#args.push(a);
  }

  openBlock(key: string, quote: string, line: number, column: number): void {
    this.#block = { key, quote, line, column, lines: [] };
  }

  get pendingList(): PendingList | undefined {
    return this.#list;
  }

  set pendingList(l: PendingList | undefined) {
    this.#list = l;
  }

  #feedBlock(text: string): void {
    const b = this.#block as OpenBlock;
    if (text.trim() === b.quote) {
      const value = dedentLines(b.lines)
        .map((l) => `${l}\n`)
        .join("");
      this.#params.push({ key: b.key, value, line: b.line, column: b.column });
      this.#block = undefined;
      return;
    }
    b.lines.push(text);
  }
}

/** Scans one line of parameter text, adding what it finds to its reader. */
class LineScanner {
  #i = 0;

  constructor(
    readonly reader: ParamsReader,
    readonly text: string,
    readonly line: number,
    readonly column: number,
  ) {}

  scan(): void {
    const list = this.reader.pendingList;
    if (list) {
      this.#skipSpaces();
      if (this.#atEnd()) return; // a blank line inside a list: keep waiting for the item
      this.reader.pendingList = undefined;
      this.#readValue(list.key, list.line, list.column, list.items);
    }
    for (;;) {
      this.#skipSpaces();
      if (this.#atEnd()) return;
      if (this.text.startsWith("//", this.#i)) return; // the rest of the line is a comment
      this.#readItem();
    }
  }

  #readItem(): void {
    const start = this.#i;
    const ch = this.text[start] as string;
    if (ch === "'" || ch === '"') {
      const value = this.#readQuoted();
      this.#expectSeparator("after the quoted argument");
      this.reader.addArg({ value, line: this.line, column: this.#col(start) });
      return;
    }
    while (!this.#atEnd() && !/[\s:]/.test(this.text[this.#i] as string)) this.#i++;
    const word = this.text.slice(start, this.#i);
    if (this.text[this.#i] !== ":") {
      this.reader.addArg({ value: word, line: this.line, column: this.#col(start) });
      return;
    }
    if (word === "") throw this.#error("expected a key before ':'", start);
    for (let k = 0; k < word.length; k++) {
      if (!KEY_CHAR.test(word[k] as string)) {
        throw this.#error(
          `invalid character '${word[k]}' in key '${word}': expected letters, digits or _ , . /`,
          start + k,
        );
      }
    }
    this.#i++; // the ':'
    this.#readValue(word.toLowerCase(), this.line, this.#col(start), []);
  }

  /** Reads a value for `key`; `items` holds list items read on earlier lines. */
  #readValue(key: string, line: number, column: number, items: string[]): void {
    const valueStart = this.#i;
    this.#skipSpaces();
    if (items.length === 0) {
      const rest = this.text.slice(this.#i).trimEnd();
      const quote = MULTILINE_QUOTES.find((q) => rest === q);
      if (quote !== undefined) {
        this.reader.openBlock(key, quote, line, column);
        this.#i = this.text.length;
        return;
      }
      // `key: // note` has an empty value; `key://host` is a value that starts with '//'.
      const comment = this.#i > valueStart && this.text.startsWith("//", this.#i);
      if (this.#atEnd() || comment) {
        this.reader.addParam({ key, value: "", line, column });
        return;
      }
      if (this.text[this.#i] === "[") {
        const bracketed = this.#readBracketList();
        this.#expectSeparator("after ']'");
        this.reader.addParam({ key, value: bracketed.join(","), items: bracketed, line, column });
        return;
      }
    }
    let isList = items.length > 0;
    for (;;) {
      items.push(this.#readScalar());
      if (this.text[this.#i] !== ",") break;
      isList = true;
      const comma = this.#i;
      this.#i++;
      this.#skipSpaces();
      if (this.#atEnd()) {
        // The list goes on on the next line.
        this.reader.pendingList = {
          key,
          items,
          line,
          column,
          commaLine: this.line,
          commaColumn: this.#col(comma),
        };
        return;
      }
    }
    this.#expectSeparator("after the value");
    const value = items.join(",");
    this.reader.addParam(
      isList ? { key, value, items, line, column } : { key, value, line, column },
    );
  }

  /** `['a', 'b', c]` on one line. */
  #readBracketList(): string[] {
    const open = this.#i;
    this.#i++;
    const items: string[] = [];
    this.#skipSpaces();
    if (this.text[this.#i] === "]") {
      this.#i++;
      return items;
    }
    for (;;) {
      this.#skipSpaces();
      if (this.#atEnd()) throw this.#error("expected ']' to close the list", open);
      items.push(this.#readScalar(true));
      this.#skipSpaces();
      const ch = this.text[this.#i];
      if (ch === "]") {
        this.#i++;
        return items;
      }
      if (ch !== ",") {
        throw this.#atEnd()
          ? this.#error("expected ']' to close the list", open)
          : this.#error(`expected ',' or ']' in the list, found '${ch}'`, this.#i);
      }
      this.#i++;
    }
  }

  /** A quoted or bare value; bare ends at whitespace or ',' (and ']' inside brackets). */
  #readScalar(inBrackets = false): string {
    const ch = this.text[this.#i];
    if (ch === "'" || ch === '"') return this.#readQuoted();
    const start = this.#i;
    const stop = inBrackets ? /[\s,\]]/ : /[\s,]/;
    while (!this.#atEnd() && !stop.test(this.text[this.#i] as string)) this.#i++;
    if (this.#i === start) throw this.#error("expected a value", start);
    return this.text.slice(start, this.#i);
  }

  #readQuoted(): string {
    const open = this.#i;
    const quote = this.text[open] as string;
    let out = "";
    this.#i++;
    for (;;) {
      if (this.#atEnd()) {
        throw this.#error(
          `expected a closing ${quote} on the same line (a value over several lines starts with key:${quote} at the end of a line and ends with a line holding only ${quote})`,
          open,
        );
      }
      const c = this.text[this.#i] as string;
      if (c === "\\" && this.text[this.#i + 1] === quote) {
        out += quote;
        this.#i += 2;
        continue;
      }
      this.#i++;
      if (c === quote) return out;
      out += c;
    }
  }

  #expectSeparator(what: string): void {
    if (this.#atEnd() || /\s/.test(this.text[this.#i] as string)) return;
    throw this.#error(`expected a space ${what}, found '${this.text[this.#i]}'`, this.#i);
  }

  #skipSpaces(): void {
    while (!this.#atEnd() && /\s/.test(this.text[this.#i] as string)) this.#i++;
  }

  #atEnd(): boolean {
    return this.#i >= this.text.length;
  }

  #col(index: number): number {
    return this.column + index;
  }

  #error(message: string, index: number): HeroscriptSyntaxError {
    return this.reader.error(message, this.line, this.#col(index));
  }
}

/** Parses a whole parameter text (several lines) at once. */
export function parseParams(text: string, source?: string): Params {
  const reader = new ParamsReader(source);
  text.split(/\r?\n/).forEach((line, i) => {
    reader.feed(line, i + 1);
  });
  return reader.finish();
}

// Reads the parameter text of an action, line by line, into `Params`.
//
// Grammar (one line at a time; state carries over lines for lists and multi-line values):
//   item      := '//' comment | '<!--' comment '-->' | key ':' value | quoted | word
//   key       := [A-Za-z0-9_,./]+            (case-insensitive)
//   value     := '[' items? ']' | scalar (ws* ',' ws* scalar)* | multi-line opener
//   scalar    := quoted | bare               bare: up to whitespace or ','
//   quoted    := "'" ... "'" | '"' ... '"'   (a backslash before the quote escapes it)
// A value that ends with ',' continues on the next line. A line ending in `key:'` (or `:"`,
// `:'''`, `:"""`) opens a multi-line value; a line holding only one of those four quotes
// closes it, and the lines between are dedented and joined with newlines.
//
// Values are kept as herolib keeps them: a list is its items joined with ',' (an item
// holding a space in double quotes), `<BR>`, `<<BR>>` and a written `\n` mean a newline,
// and values are trimmed. A comment belongs to a parameter or argument: the comment lines
// right before it, and the comment at the end of the line it starts on.
import { HeroscriptSyntaxError } from "./errors.js";
import { type Arg, type Param, Params, setNestedParser } from "./params.js";
import { dedentLines } from "./text.js";

const KEY_CHAR = /[A-Za-z0-9_,./]/;
const MULTILINE_QUOTES = ["'''", '"""', "'", '"'] as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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
  readonly #params: Mutable<Param>[] = [];
  readonly #args: Mutable<Arg>[] = [];
  #list: PendingList | undefined;
  #block: OpenBlock | undefined;
  /** Comment lines waiting for the next parameter or argument. */
  #pendingComments: string[] = [];
  /** An open `<!--` comment: its lines so far. */
  #html: string[] | undefined;
  /** The first parameter or argument started on the line being read (for its end-of-line comment). */
  #lineFirst: Mutable<Param> | Mutable<Arg> | undefined;

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
    this.#lineFirst = undefined;
    let from = 0;
    if (this.#html) {
      const end = text.indexOf("-->");
      if (end === -1) {
        this.#html.push(text.trim());
        return;
      }
      this.#html.push(text.slice(0, end).trim());
      this.comment(this.#html.join("\n"));
      this.#html = undefined;
      from = end + 3;
    }
    new LineScanner(this, text, line, column, from).scan();
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

  /** A comment read on the current line: for the line's first item, else for the next one. */
  comment(text: string): void {
    const c = normalizeComment(text);
    if (this.#lineFirst !== undefined) {
      this.#lineFirst.comment = joinComment(this.#lineFirst.comment, c);
    } else {
      this.#pendingComments.push(c);
    }
  }

  /** Opens a `<!--` comment that goes on on the next lines. */
  openHtmlComment(first: string): void {
    this.#html = [first.trim()];
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
    const param: Mutable<Param> = { ...p, value: normalizeValue(p.value) };
    this.#attach(param);
    this.#params.push(param);
  }

  addArg(a: Arg): void {
    // An argument given twice is kept once, as upstream keeps them.
    const value = normalizeValue(a.value);
    if (this.#args.some((x) => x.value === value)) return;
    const arg: Mutable<Arg> = { ...a, value };
    this.#attach(arg);
    this.#args.push(arg);
  }

  #attach(item: Mutable<Param> | Mutable<Arg>): void {
    if (this.#pendingComments.length > 0) {
      item.comment = normalizeComment(this.#pendingComments.join("\n"));
      this.#pendingComments = [];
    }
    this.#lineFirst ??= item;
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
    if ((MULTILINE_QUOTES as readonly string[]).includes(text.trim())) {
      // The content is kept as written (no <BR> or \n reading), only trimmed.
      const value = dedentLines(b.lines).join("\n").trim();
      const param: Mutable<Param> = { key: b.key, value, line: b.line, column: b.column };
      this.#attach(param);
      this.#params.push(param);
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
    from = 0,
  ) {
    this.#i = from;
  }

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
      if (this.text.startsWith("//", this.#i)) {
        // The rest of the line is a comment.
        this.reader.comment(this.text.slice(this.#i + 2));
        return;
      }
      if (this.text.startsWith("<!--", this.#i)) {
        const end = this.text.indexOf("-->", this.#i + 4);
        if (end === -1) {
          this.reader.openHtmlComment(this.text.slice(this.#i + 4));
          return;
        }
        this.reader.comment(this.text.slice(this.#i + 4, end));
        this.#i = end + 3;
        continue;
      }
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
        this.reader.addParam({ key, value: joinItems(bracketed), line, column });
        return;
      }
    }
    let isList = items.length > 0;
    for (;;) {
      items.push(this.#readScalar());
      // A space before the comma is fine: `Apple ,Banana` is a list of two.
      let j = this.#i;
      while (j < this.text.length && /[ \t]/.test(this.text[j] as string)) j++;
      if (this.text[j] !== ",") break;
      this.#i = j;
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
    const value = isList ? joinItems(items) : (items[0] as string);
    this.reader.addParam({ key, value, line, column });
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

/** A list's value as upstream writes it: items joined with ',', one holding a space in double quotes. */
function joinItems(items: readonly string[]): string {
  return items.map((item) => (item.includes(" ") ? `"${item}"` : item)).join(",");
}

/** Upstream's reading of a value: `<<BR>>`, `<BR>` and a written `\n` are newlines; trimmed. */
function normalizeValue(value: string): string {
  return value.replaceAll("\\n", "\n").replaceAll("<<BR>>", "\n").replaceAll("<BR>", "\n").trim();
}

/** A comment without surrounding spaces and trailing '-'. */
function normalizeComment(text: string): string {
  return trimTrailingDashes(text.trim());
}

/** Without trailing '-' and the spaces around them (a loop: see trimChars). */
function trimTrailingDashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === "-") end--;
  return text.slice(0, end).trim();
}

function joinComment(before: string | undefined, more: string): string {
  return before === undefined || before === "" ? more : `${before}\n${more}`;
}

/** Parses a whole parameter text (several lines) at once. */
export function parseParams(text: string, source?: string): Params {
  const reader = new ParamsReader(source);
  text.split(/\r?\n/).forEach((line, i) => {
    reader.feed(line, i + 1);
  });
  return reader.finish();
}

setNestedParser((text) => parseParams(text));

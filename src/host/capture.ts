// Bounded keeping of a child's output. A script can print without end (`yes`, a runaway
// loop), and everything here lives in the runner's own process, shared by every job: so
// what is kept is capped, and splitting into lines costs time in proportion to the bytes
// read, whatever the length of the lines (joining a growing partial line with each chunk
// would be quadratic in the line's length).

/** Characters kept of one stream (and of a heroscript run's output). */
export const MAX_CAPTURE_CHARS = 16 * 1024 * 1024;
/**
 * A line longer than this is cut here; the rest of it, up to its newline, is dropped.
 * @alias of MAX_CAPTURE_CHARS today, a name of its own for what it caps.
 */
export const MAX_LINE_CHARS = MAX_CAPTURE_CHARS;

/** What a cut line ends with. */
export const LINE_CUT_MARK = " [line cut]";

/** The note put before kept output whose start was dropped. */
export function outputCutNote(cap: number): string {
  return `[output cut to its last ${cap} characters]`;
}

/**
 * Keeps the last `cap` characters of a stream. Chunks are kept as they came and whole chunks
 * are dropped from the front, so each character is copied a bounded number of times.
 */
export class TailBuffer {
  readonly #chunks: string[] = [];
  #head = 0; // index of the first live chunk
  #length = 0;
  #dropped = false;

  constructor(readonly cap: number = MAX_CAPTURE_CHARS) {}

  /** True once something had to be dropped. */
  get cut(): boolean {
    return this.#dropped;
  }

  push(chunk: string): void {
    if (chunk === "") return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    // Drop whole chunks while what remains still holds at least `cap` characters.
    while (this.#length - (this.#chunks[this.#head] as string).length >= this.cap) {
      this.#length -= (this.#chunks[this.#head] as string).length;
      this.#head++;
      this.#dropped = true;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** The kept text: at most `cap` characters, the last ones written. */
  text(): string {
    const all = this.#chunks.slice(this.#head).join("");
    if (all.length <= this.cap) return all;
    this.#dropped = true;
    return all.slice(all.length - this.cap);
  }
}

/**
 * Feeds complete lines (without their "\n" or "\r\n") to `emit`. A partial line is kept as
 * pieces and joined once, when its newline comes; a line over `maxLine` characters is
 * emitted cut, with LINE_CUT_MARK, and the rest of it is skipped.
 */
export class LineSplitter {
  #pieces: string[] = [];
  #partialLength = 0;
  #skipping = false;

  constructor(
    readonly emit: (line: string) => void,
    readonly maxLine: number = MAX_LINE_CHARS,
  ) {}

  push(chunk: string): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", from);
      if (nl === -1) {
        this.#add(chunk.slice(from));
        return;
      }
      this.#add(chunk.slice(from, nl));
      this.#endLine();
      from = nl + 1;
    }
  }

  /** Emits what is left without a final newline. */
  flush(): void {
    if (this.#partialLength > 0 || this.#skipping) this.#endLine();
  }

  #add(piece: string): void {
    if (piece === "" || this.#skipping) return;
    const room = this.maxLine - this.#partialLength;
    if (piece.length > room) {
      this.#pieces.push(piece.slice(0, room));
      this.#partialLength = this.maxLine;
      this.#skipping = true;
      return;
    }
    this.#pieces.push(piece);
    this.#partialLength += piece.length;
  }

  #endLine(): void {
    let line = this.#pieces.join("");
    if (this.#skipping) line += LINE_CUT_MARK;
    else if (line.endsWith("\r")) line = line.slice(0, -1);
    this.#pieces = [];
    this.#partialLength = 0;
    this.#skipping = false;
    this.emit(line);
  }
}

/**
 * The last lines of a run's output, at most `cap` characters joined with "\n"; when earlier
 * lines had to go, the text starts with a note saying so.
 */
export class TailLines {
  readonly #lines: string[] = [];
  #head = 0;
  #length = 0; // characters of the live lines plus one "\n" after each
  #dropped = false;

  constructor(readonly cap: number = MAX_CAPTURE_CHARS) {}

  push(line: string): void {
    this.#lines.push(line);
    this.#length += line.length + 1;
    while (this.#length - 1 > this.cap && this.#head < this.#lines.length - 1) {
      this.#length -= (this.#lines[this.#head] as string).length + 1;
      this.#head++;
      this.#dropped = true;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines.splice(0, this.#head);
      this.#head = 0;
    }
  }

  text(): string {
    let text = this.#lines.slice(this.#head).join("\n");
    let dropped = this.#dropped;
    if (text.length > this.cap) {
      text = text.slice(text.length - this.cap);
      dropped = true;
    }
    return dropped ? `${outputCutNote(this.cap)}\n${text}` : text;
  }
}

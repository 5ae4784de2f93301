// Reads a heroscript into actions, line by line, as herolib's playbook parser does:
// - an action starts on a line whose trimmed text begins with '!' (but not '!['); the number
//   of '!' is its kind (1 to 4), then `actor.name` or just `name` (actor `core`);
// - its parameters are the rest of that line plus the following lines indented by at least
//   two spaces (a tab counts as four); blank lines do not end it, a line that is not so
//   indented or that starts with '!' does;
// - `//` lines right before an action are its comments; other text is kept aside.
import { HeroscriptSyntaxError } from "./errors.js";
import type { Params } from "./params.js";
import { ParamsReader } from "./params-reader.js";
import { replaceAtParse } from "./placeholders.js";
import { indentWidth, nameFix } from "./text.js";

/** Upstream's names for the kinds of action, by their number of '!'. */
export const ACTION_KINDS = { 1: "dal", 2: "sal", 3: "macro", 4: "wal" } as const;
export type Bangs = keyof typeof ACTION_KINDS;

export interface Action {
  /** How many '!' started it: 2 (`!!`) is the ordinary kind, the one the engine runs. */
  readonly bangs: Bangs;
  /** Lowercase; `core` when the script named only the action. */
  readonly actor: string;
  readonly name: string;
  readonly params: Params;
  /** The `//` comment lines right before the action, without the slashes. */
  readonly comments: readonly string[];
  /** Where the action's first '!' is (1-based). */
  readonly line: number;
  readonly column: number;
}

export interface Heroscript {
  readonly actions: readonly Action[];
  /** Lines that are neither actions nor their comments (prose of a Markdown file, say). */
  readonly otherText: readonly string[];
  /** The file it came from, if any; used in error messages. */
  readonly source?: string;
}

/** `actor.name` of an action. */
export function actionName(a: Pick<Action, "actor" | "name">): string {
  return `${a.actor}.${a.name}`;
}

export interface ParseOptions {
  /** The file it came from, for error messages. */
  source?: string;
  /**
   * Placeholders filled in the text before it is read, as upstream's `playbook.new(replace:)`:
   * a key `k` replaces `@k`, `${k}` and `{k}`; a key starting with '@', '$', '[' or '{' is
   * replaced as written.
   */
  replace?: Readonly<Record<string, string>>;
}

export function parseHeroscript(text_: string, options: ParseOptions = {}): Heroscript {
  const { source } = options;
  const text = options.replace === undefined ? text_ : replaceAtParse(text_, options.replace);
  const actions: Action[] = [];
  const otherText: string[] = [];
  let comments: string[] = [];
  let commentLines: string[] = [];
  let current: { header: Omit<Action, "params">; reader: ParamsReader } | undefined;

  const endAction = (): void => {
    if (current === undefined) return;
    // `id` is the playbook's own numbering upstream; a script's `id:` is dropped there too.
    const params = current.reader.finish().without("id");
    actions.push({ ...current.header, params });
    current = undefined;
  };

  const lines = text.split(/\r?\n/);
  for (let idx = 0; idx < lines.length; idx++) {
    const raw = lines[idx] as string;
    const lineNo = idx + 1;
    const trimmed = raw.trim();

    if (current !== undefined) {
      const { reader } = current;
      const indented = indentWidth(raw) >= 2;
      if (reader.inMultiline) {
        if (trimmed !== "" && !indented) throw reader.unclosedBlockError();
        reader.feed(raw, lineNo);
        continue;
      }
      if (trimmed === "") continue;
      if (indented && !trimmed.startsWith("!")) {
        reader.feed(raw, lineNo);
        continue;
      }
      endAction();
    }

    if (trimmed === "") continue;
    if (trimmed.startsWith("!") && !trimmed.startsWith("![")) {
      const column = raw.length - raw.trimStart().length + 1;
      const { header, rest, restColumn } = parseHeader(trimmed, lineNo, column, source);
      const reader = new ParamsReader(source);
      if (rest !== "") reader.feed(rest, lineNo, restColumn);
      current = { header: { ...header, comments }, reader };
      comments = [];
      commentLines = [];
      continue;
    }
    if (trimmed.startsWith("//")) {
      comments.push(trimmed.slice(2).trim());
      commentLines.push(raw);
      continue;
    }
    // Comments followed by something other than an action were prose after all.
    otherText.push(...commentLines, raw);
    comments = [];
    commentLines = [];
  }
  endAction();
  otherText.push(...commentLines);
  return source === undefined ? { actions, otherText } : { actions, otherText, source };
}

function parseHeader(
  trimmed: string,
  line: number,
  column: number,
  source: string | undefined,
): { header: Omit<Action, "params" | "comments">; rest: string; restColumn: number } {
  const fail = (msg: string, offset: number): never => {
    throw new HeroscriptSyntaxError(msg, line, column + offset, source);
  };
  let bangs = 0;
  while (trimmed[bangs] === "!") bangs++;
  if (bangs > 4) fail(`an action starts with one to four '!', found ${bangs}`, 0);

  const nameEnd = trimmed.search(/\s|$/);
  const written = trimmed.slice(bangs, nameEnd);
  if (written === "") fail(`expected an action name after '${"!".repeat(bangs)}'`, bangs);
  const parts = written.split(".");
  if (parts.length > 2) {
    fail(`expected 'actor.action' or 'action', found ${parts.length} parts in '${written}'`, bangs);
  }
  let offset = bangs;
  // Names are normalised as upstream's name_fix does: `My-Actor` is `my_actor`.
  const fixed: string[] = [];
  for (const part of parts) {
    if (part === "") fail(`expected a name part in '${written}', found an empty one`, offset);
    const f = nameFix(part);
    if (f === "" || f === "_") {
      fail(`invalid action name '${written}': expected letters or digits in '${part}'`, offset);
    }
    fixed.push(f);
    offset += part.length + 1;
  }
  const [actor, name] =
    fixed.length === 1 ? ["core", fixed[0] as string] : [fixed[0] as string, fixed[1] as string];

  const restStart =
    nameEnd + (trimmed.slice(nameEnd).length - trimmed.slice(nameEnd).trimStart().length);
  return {
    header: {
      bangs: bangs as Bangs,
      actor: actor.toLowerCase(),
      name: name.toLowerCase(),
      line,
      column,
    },
    rest: trimmed.slice(restStart),
    restColumn: column + restStart,
  };
}

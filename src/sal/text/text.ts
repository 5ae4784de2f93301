// Text helpers: pure functions, run in the script's worker.

/** Removes the indentation all non-blank lines share; blank lines become empty. */
export function dedent(text: string): string {
  const lines = text.split("\n");
  let common: string | undefined;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const indent = /^[ \t]*/.exec(line)?.[0] ?? "";
    if (common === undefined) common = indent;
    else {
      let i = 0;
      while (i < common.length && i < indent.length && common[i] === indent[i]) i++;
      common = common.slice(0, i);
    }
  }
  const cut = common?.length ?? 0;
  return lines.map((line) => (line.trim() === "" ? "" : line.slice(cut))).join("\n");
}

/** Puts `prefix` before every line (a final line break does not start a new line). */
export function prefixLines(text: string, prefix: string): string {
  const endsWithBreak = text.endsWith("\n");
  const body = endsWithBreak ? text.slice(0, -1) : text;
  return body
    .split("\n")
    .map((line) => prefix + line)
    .join("\n")
    .concat(endsWithBreak ? "\n" : "");
}

/**
 * A name safe for files and identifiers: lower case, ASCII letters, digits and dots kept,
 * every other run of characters turned into one `_` (letters with accents lose them first).
 */
export function nameFix(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "_");
}

/** name_fix applied to the last part of a path only; a path ending in `/` is left alone. */
export function pathFix(path: string): string {
  if (path.endsWith("/")) return path;
  const cut = path.lastIndexOf("/");
  return path.slice(0, cut + 1) + nameFix(path.slice(cut + 1));
}

// Small text helpers shared by the parser and the writer.

/** Leading indentation width, counting a tab as four spaces (as heroscript does). */
export function indentWidth(line: string): number {
  let width = 0;
  for (const ch of line) {
    if (ch === " ") width += 1;
    else if (ch === "\t") width += 4;
    else break;
  }
  return width;
}

/**
 * Removes the indentation all non-blank lines share (tabs counted as four spaces);
 * blank lines become empty.
 */
export function dedentLines(lines: readonly string[]): string[] {
  const expanded = lines.map((l) => expandLeadingTabs(l));
  const widths = expanded.filter((l) => l.trim() !== "").map((l) => indentWidth(l));
  // A loop, not Math.min(...widths): spreading a block of many lines overflows the stack.
  let common = widths.length === 0 ? 0 : Number.POSITIVE_INFINITY;
  for (const w of widths) if (w < common) common = w;
  return expanded.map((l) => (l.trim() === "" ? "" : l.slice(common)));
}

function expandLeadingTabs(line: string): string {
  const m = /^[ \t]*/.exec(line) as RegExpExecArray;
  return " ".repeat(indentWidth(m[0])) + line.slice(m[0].length);
}

/** Levenshtein distance, for suggesting names close to a misspelt one. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * Upstream's `name_fix` (texttools `name_fix_keepext`): lowercase, cut at '#', the last
 * '.ext' kept apart; of the rest, letters and digits stay, '-', ';', ':', '.' and spaces
 * become '_' (never two in a row), every other character is dropped.
 */
export function nameFix(name: string): string {
  let base = name.toLowerCase().trim();
  const hash = base.indexOf("#");
  if (hash !== -1) base = base.slice(0, hash);
  const dot = base.lastIndexOf(".");
  let ext = "";
  if (dot > 0 && !base.slice(dot + 1).includes("/") && base.slice(dot + 1) !== "") {
    ext = base.slice(dot + 1);
    base = base.slice(0, dot);
  }
  let out = "";
  let prev = "";
  for (const c of base) {
    if (c === "_") {
      if (prev !== "_") out += c;
    } else if ((c >= "0" && c <= "9") || (c >= "a" && c <= "z")) {
      out += c;
    } else if ("-;:. ".includes(c)) {
      if (prev !== "_") out += "_";
      // Counted as the '_' it became, so `a--b` is `a_b` (upstream counts the '-' itself and
      // writes `a__b`, which its own name_fix then reads as `a_b`: not stable).
      prev = "_";
      continue;
    } else {
      continue; // dropped, and it does not count as the previous character
    }
    prev = c;
  }
  return ext === "" ? out : `${out}.${ext}`;
}

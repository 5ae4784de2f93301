// Writes actions back as heroscript. What it writes parses back to the same actions (same
// kinds, names, parameters, arguments and comments); a value that heroscript cannot express
// (one with spaces at its ends, say: values are trimmed) is an error rather than a silent change.
// Text outside actions is not written.
import type { Arg, Param } from "./params.js";
import { ParamsReader } from "./params-reader.js";
import type { Action, Heroscript } from "./parser.js";

const INDENT = "    ";
const BARE_VALUE = /^[^\s'",[\]/][^\s,]*$/;
const BARE_ARG = /^[^\s'":/!][^\s:]*$/;

/** The script text of some actions, separated by blank lines. */
export function writeHeroscript(script: Pick<Heroscript, "actions">): string {
  return script.actions.map(writeAction).join("\n");
}

export function writeAction(action: Action): string {
  const out: string[] = action.comments.map((c) => (c === "" ? "//" : `// ${c}`));
  out.push(`${"!".repeat(action.bangs)}${action.actor}.${action.name}`);
  for (const arg of action.params.args) {
    out.push(...commentLines(arg.comment), INDENT + checked([writeArg(arg)], arg.value));
  }
  for (const p of action.params.entries) {
    out.push(...commentLines(p.comment), INDENT + checked(writeParam(p), p));
  }
  return `${out.join("\n")}\n`;
}

/** A comment as `//` lines, indented as parameters are. */
function commentLines(comment: string | undefined): string[] {
  if (comment === undefined || comment === "") return [];
  return comment.split("\n").map((c) => (c === "" ? `${INDENT}//` : `${INDENT}// ${c}`));
}

function writeArg(arg: Arg): string {
  return BARE_ARG.test(arg.value) ? arg.value : quote(arg.value);
}

/** The ways to write a parameter, simplest first; the first that reads back the same wins. */
function writeParam(p: Param): string[] {
  const forms: string[] = [];
  if (!p.value.includes("\n")) {
    if (BARE_VALUE.test(p.value)) forms.push(`${p.key}:${p.value}`);
    forms.push(`${p.key}:${quote(p.value)}`);
  }
  forms.push(`${p.key}:${writeBlock(p.value)}`);
  return forms;
}

function writeBlock(value: string): string {
  const lines = value.split("\n");
  const closer = ["'", '"', "'''", '"""'].find((q) => !lines.some((l) => l.trim() === q)) ?? "'";
  const body = lines.map((l) => (l === "" ? "" : INDENT + INDENT + l));
  return [closer, ...body, INDENT + closer].join("\n");
}

/** Single quotes unless the text holds one and no double quote; escapes what remains. */
function quote(text: string): string {
  const q = text.includes("'") && !text.includes('"') ? '"' : "'";
  return q + text.replaceAll(q, `\\${q}`) + q;
}

/** The first form that reads back to what it was written from; fails when none does. */
function checked(forms: readonly string[], original: Param | string): string {
  for (const form of forms) if (readsBack(form, original)) return form;
  const what = typeof original === "string" ? "argument" : `value of '${original.key}'`;
  throw new Error(`cannot write the ${what} as heroscript without changing it`);
}

function readsBack(written: string, original: Param | string): boolean {
  const reader = new ParamsReader();
  let same = false;
  try {
    written.split("\n").forEach((l, i) => {
      reader.feed(l, i + 1);
    });
    const back = reader.finish();
    if (typeof original === "string") {
      same =
        back.entries.length === 0 && back.args.length === 1 && back.args[0]?.value === original;
    } else {
      const p = back.param(original.key);
      same = back.args.length === 0 && back.entries.length === 1 && p?.value === original.value;
    }
  } catch {
    same = false;
  }
  return same;
}

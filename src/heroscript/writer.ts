// Writes actions back as heroscript. What it writes parses back to the same actions (same
// kinds, names, parameters, arguments and comments); a value that heroscript cannot express
// (a multi-line value without a final newline, say) is an error rather than a silent change.
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
  for (const arg of action.params.args) out.push(INDENT + checked(writeArg(arg), arg.value));
  for (const p of action.params.entries) out.push(INDENT + checked(writeParam(p), p));
  return `${out.join("\n")}\n`;
}

function writeArg(arg: Arg): string {
  return BARE_ARG.test(arg.value) ? arg.value : quote(arg.value);
}

function writeParam(p: Param): string {
  if (p.items) return `${p.key}:[${p.items.map(writeListItem).join(",")}]`;
  if (p.value.includes("\n")) return `${p.key}:${writeBlock(p.value)}`;
  return `${p.key}:${BARE_VALUE.test(p.value) ? p.value : quote(p.value)}`;
}

function writeListItem(item: string): string {
  return /^[^\s'",[\]][^\s,\]]*$/.test(item) ? item : quote(item);
}

function writeBlock(value: string): string {
  const lines = value.replace(/\n$/, "").split("\n");
  const closer = ["'", '"', "'''", '"""'].find((q) => !lines.some((l) => l.trim() === q)) ?? "'";
  const body = lines.map((l) => (l === "" ? "" : INDENT + INDENT + l));
  return [closer, ...body, INDENT + closer].join("\n");
}

/** Single quotes unless the text holds one and no double quote; escapes what remains. */
function quote(text: string): string {
  const q = text.includes("'") && !text.includes('"') ? '"' : "'";
  return q + text.replaceAll(q, `\\${q}`) + q;
}

/** Reads a written line back and fails unless it gives the value it was written from. */
function checked(written: string, original: Param | string): string {
  const reader = new ParamsReader();
  written.split("\n").forEach((l, i) => {
    reader.feed(l, i + 1);
  });
  let same = false;
  try {
    const back = reader.finish();
    if (typeof original === "string") {
      same =
        back.entries.length === 0 && back.args.length === 1 && back.args[0]?.value === original;
    } else {
      const p = back.param(original.key);
      same =
        back.args.length === 0 &&
        back.entries.length === 1 &&
        p?.value === original.value &&
        JSON.stringify(p.items) === JSON.stringify(original.items);
    }
  } catch {
    same = false;
  }
  if (!same) {
    const what = typeof original === "string" ? "argument" : `value of '${original.key}'`;
    throw new Error(`cannot write the ${what} as heroscript without changing it`);
  }
  return written;
}

// Finding files and directories by wildcard under a directory, and commands on the PATH.

import { access, constants, stat } from "node:fs/promises";
import { delimiter, join } from "node:path";
import {
  argNonEmpty,
  argString,
  guard,
  type HostFunction,
  type MainSideContext,
  mainFn,
} from "../../host/index.js";
import type { Value } from "../../rhai/index.js";
import { resolvePath } from "../job-state.js";
import { childEnv } from "../process/spawn.js";
import { type EntryKind, findEntries } from "./walk.js";

async function find(ctx: MainSideContext, fn: string, args: readonly Value[], kind: EntryKind) {
  const dir = resolvePath(ctx, argNonEmpty(fn, args, 0, "directory"));
  const pattern = argNonEmpty(fn, args, 1, "pattern");
  return guard(fn, async () => {
    const s = await stat(dir).catch(() => null);
    if (!s) throw new Error(`directory does not exist: ${dir}`);
    if (!s.isDirectory()) throw new Error(`not a directory: ${dir}`);
    return findEntries(dir, pattern, kind, ctx.signal);
  });
}

async function findOne(ctx: MainSideContext, fn: string, args: readonly Value[], kind: EntryKind) {
  const found = await find(ctx, fn, args, kind);
  const first = found[0];
  if (first === undefined) {
    const what = kind === "file" ? "file" : "directory";
    throw new Error(
      `no ${what} matches "${args[1] as string}" under ${resolvePath(ctx, args[0] as string)}`,
    );
  }
  return first;
}

/** Full path of an executable on the job's PATH, or "" when there is none. */
export async function whichCommand(ctx: MainSideContext, name: string): Promise<string> {
  const candidates = name.includes("/")
    ? [resolvePath(ctx, name)]
    : (childEnv(ctx).PATH ?? "")
        .split(delimiter)
        .filter((d) => d !== "")
        .map((d) => join(d, name));
  for (const path of candidates) {
    try {
      const s = await stat(path);
      if (!s.isFile()) continue;
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not here: try the next PATH entry
    }
  }
  return "";
}

export const findFunctions: HostFunction[] = [
  mainFn({
    name: "find_file",
    params: ["string", "string"],
    returns: "string",
    doc: "First file (sorted) under a directory, at any depth, whose name matches a wildcard pattern; an error if none.",
    example: 'let conf = find_file("/etc", "hosts*");',
    run: (ctx, args) => guard("find_file", () => findOne(ctx, "find_file", args, "file")),
  }),
  mainFn({
    name: "find_files",
    params: ["string", "string"],
    returns: "array",
    doc: "All files under a directory whose name (or, with `/`, relative path; `**` spans directories) matches the pattern, sorted.",
    example: 'for f in find_files("src", "*.rs") { print(f); }',
    run: (ctx, args) => find(ctx, "find_files", args, "file"),
  }),
  mainFn({
    name: "find_dir",
    params: ["string", "string"],
    returns: "string",
    doc: "First directory (sorted) under a directory whose name matches the pattern; an error if none.",
    example: 'let d = find_dir("/opt", "myapp*");',
    run: (ctx, args) => guard("find_dir", () => findOne(ctx, "find_dir", args, "dir")),
  }),
  mainFn({
    name: "find_dirs",
    params: ["string", "string"],
    returns: "array",
    doc: "All directories under a directory whose name matches the pattern, sorted.",
    example: 'let logs = find_dirs("/var", "log*");',
    run: (ctx, args) => find(ctx, "find_dirs", args, "dir"),
  }),
  mainFn({
    name: "which",
    params: ["string"],
    returns: "string",
    doc: "Full path of a command found on the job's PATH, or an empty string.",
    example: 'if which("git") == "" { print("git missing"); }',
    run: (ctx, args) =>
      guard("which", () => whichCommand(ctx, argNonEmpty("which", args, 0, "command"))),
  }),
  mainFn({
    name: "cmd_ensure_exists",
    params: ["string"],
    returns: "string",
    doc: "Checks that every command of a comma- or space-separated list is on the PATH; an error names those missing.",
    example: 'cmd_ensure_exists("git, curl, tar");',
    run: (ctx, args) =>
      guard("cmd_ensure_exists", async () => {
        const names = argString("cmd_ensure_exists", args, 0, "commands")
          .split(/[\s,]+/)
          .filter((n) => n !== "");
        if (names.length === 0) throw new Error("no command given");
        const paths = await Promise.all(names.map((n) => whichCommand(ctx, n)));
        const missing = names.filter((_, i) => paths[i] === "");
        if (missing.length > 0) throw new Error(`command(s) not found: ${missing.join(", ")}`);
        return paths.join(",");
      }),
  }),
];

// Files and directories: existence, size, copy, move, delete, read, write, working dir.
// Every path may be relative (to the job's working directory, see `chdir`) or start with
// `~/` (the job's home). Functions that change something return the absolute path they
// acted on, so scripts can chain or print it.

import { constants, type Stats } from "node:fs";
import {
  appendFile,
  chmod,
  cp,
  lstat,
  mkdir,
  opendir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join, parse } from "node:path";
import {
  argNonEmpty,
  argString,
  guard,
  type HostFunction,
  hostError,
  type MainSideContext,
  mainFn,
} from "../../host/index.js";
import type { Value } from "../../rhai/index.js";
import { jobHome, jobState, resolvePath } from "../job-state.js";
import { compileGlob, hasWildcard } from "./glob.js";

/** Files larger than this are refused by file_read (scripts handle text, not bulk data). */
const MAX_READ = 64 * 1024 * 1024;

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Paths a (possibly wildcard) path stands for: wildcards allowed in the last component. */
async function expand(ctx: MainSideContext, fn: string, path: string): Promise<string[]> {
  const abs = resolvePath(ctx, path);
  const name = basename(abs);
  if (!hasWildcard(name)) return [abs];
  const dir = dirname(abs);
  if (hasWildcard(dir)) throw hostError(fn, `wildcards are only allowed in the last part: ${path}`);
  const glob = compileGlob(name);
  const found: string[] = [];
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(dir);
  } catch {
    return [];
  }
  // Read entry by entry, not with readdir: a huge directory then still lets the job's
  // timeout fire between batches, and the abort stops the loop.
  for await (const entry of handle) {
    ctx.signal.throwIfAborted();
    if (glob.test(entry.name)) found.push(join(dir, entry.name));
  }
  return found.sort();
}

/** Where `src` lands when copied or moved to `dest`, with `cp`'s rule for directories. */
async function target(src: string, dest: string, many: boolean): Promise<string> {
  const destStat = await statOrNull(dest);
  if (destStat?.isDirectory()) return join(dest, basename(src));
  if (many) throw new Error(`several sources need a directory as destination: ${dest}`);
  await mkdir(dirname(dest), { recursive: true });
  return dest;
}

async function copyOrMove(
  ctx: MainSideContext,
  fn: string,
  args: readonly Value[],
  move: boolean,
): Promise<string> {
  const srcArg = argNonEmpty(fn, args, 0, "source");
  const dest = resolvePath(ctx, argNonEmpty(fn, args, 1, "destination"));
  return guard(fn, async () => {
    const sources = await expand(ctx, fn, srcArg);
    if (sources.length === 0) throw new Error(`nothing matches ${srcArg}`);
    if (sources.length > 1) await mkdir(dest, { recursive: true });
    for (const src of sources) {
      const srcStat = await lstat(src).catch(() => null);
      if (!srcStat) throw new Error(`source does not exist: ${src}`);
      const to = await target(src, dest, sources.length > 1);
      if (to === src) throw new Error(`source and destination are the same: ${src}`);
      if (move) {
        try {
          await rename(src, to);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
          await cp(src, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
          await rm(src, { recursive: true, force: true });
        }
      } else {
        await cp(src, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      }
    }
    return dest;
  });
}

/** rsync-like: copies what differs (size or modification time), keeps extra files. */
async function sync(src: string, dest: string): Promise<void> {
  const srcStat = await stat(src);
  if (srcStat.isDirectory()) await mkdir(dest, { recursive: true });
  else await mkdir(dirname(dest), { recursive: true });
  await cp(src, dest, {
    recursive: true,
    force: true,
    preserveTimestamps: true,
    verbatimSymlinks: true,
    filter: async (from, to) => {
      const [a, b] = await Promise.all([lstat(from), statOrNull(to)]);
      if (!b || a.isDirectory()) return true;
      return a.size !== b.size || Math.trunc(a.mtimeMs) !== Math.trunc(b.mtimeMs);
    },
  });
}

async function write(ctx: MainSideContext, fn: string, args: readonly Value[], append: boolean) {
  const path = resolvePath(ctx, argNonEmpty(fn, args, 0, "path"));
  const content = argString(fn, args, 1, "content");
  return guard(fn, async () => {
    await mkdir(dirname(path), { recursive: true });
    if (append) await appendFile(path, content, "utf8");
    else await writeFile(path, content, "utf8");
    return path;
  });
}

export const fileFunctions: HostFunction[] = [
  mainFn({
    name: "exist",
    params: ["string"],
    returns: "bool",
    doc: "Whether a file or directory exists at the path.",
    example: 'if exist("/etc/hosts") { print("found"); }',
    run: (ctx, args) =>
      guard("exist", async () => {
        const arg = argString("exist", args, 0, "path");
        if (arg === "") return false; // nothing is at no path (not the working directory)
        const path = resolvePath(ctx, arg);
        return (await lstat(path).catch(() => null)) !== null;
      }),
  }),
  mainFn({
    name: "file_size",
    params: ["string"],
    returns: "i64",
    doc: "Size of a file in bytes; an error if it is missing or a directory.",
    example: 'let n = file_size("data.csv");',
    run: (ctx, args) =>
      guard("file_size", async () => {
        const path = resolvePath(ctx, argNonEmpty("file_size", args, 0, "path"));
        const s = await statOrNull(path);
        if (!s) throw new Error(`file does not exist: ${path}`);
        if (!s.isFile()) throw new Error(`not a file: ${path}`);
        return s.size;
      }),
  }),
  mainFn({
    name: "copy",
    params: ["string", "string"],
    returns: "string",
    doc: "Copies a file or directory tree (wildcards allowed in the source's last part); into `dest` when it is a directory.",
    example: 'copy("conf/*.toml", "/etc/myapp");',
    run: (ctx, args) => copyOrMove(ctx, "copy", args, false),
  }),
  mainFn({
    name: "copy_bin",
    params: ["string"],
    returns: "string",
    doc: "Installs an executable into ~/hero/bin (created if needed) and marks it executable; returns its new path.",
    example: 'copy_bin("target/release/mytool");',
    run: (ctx, args) =>
      guard("copy_bin", async () => {
        const src = resolvePath(ctx, argNonEmpty("copy_bin", args, 0, "path"));
        const s = await statOrNull(src);
        if (!s?.isFile()) throw new Error(`not a file: ${src}`);
        const binDir = join(jobHome(ctx), "hero", "bin");
        await mkdir(binDir, { recursive: true });
        const dest = join(binDir, basename(src));
        await cp(src, dest, { force: true });
        await chmod(dest, (s.mode | 0o111) & 0o7777);
        return dest;
      }),
  }),
  mainFn({
    name: "delete",
    params: ["string"],
    returns: "string",
    doc: "Deletes a file or directory tree (wildcards allowed in the last part); a missing path is not an error.",
    example: 'delete("/tmp/build");',
    run: (ctx, args) =>
      guard("delete", async () => {
        const arg = argNonEmpty("delete", args, 0, "path");
        for (const path of await expand(ctx, "delete", arg)) {
          if (parse(path).root === path) throw new Error(`refusing to delete the root directory`);
          await rm(path, { recursive: true, force: true });
        }
        return resolvePath(ctx, arg);
      }),
  }),
  mainFn({
    name: "mkdir",
    params: ["string"],
    returns: "string",
    doc: "Creates a directory and its missing parents; an existing directory is fine.",
    example: 'mkdir("/tmp/work/logs");',
    run: (ctx, args) =>
      guard("mkdir", async () => {
        const path = resolvePath(ctx, argNonEmpty("mkdir", args, 0, "path"));
        const s = await statOrNull(path);
        if (s && !s.isDirectory()) throw new Error(`a file is in the way: ${path}`);
        await mkdir(path, { recursive: true });
        return path;
      }),
  }),
  mainFn({
    name: "mv",
    params: ["string", "string"],
    returns: "string",
    doc: "Moves or renames a file or directory (wildcards allowed in the source's last part); into `dest` when it is a directory.",
    example: 'mv("out.log", "archive/");',
    run: (ctx, args) => copyOrMove(ctx, "mv", args, true),
  }),
  mainFn({
    name: "rsync",
    params: ["string", "string"],
    returns: "string",
    doc: "Makes `dest` hold the contents of `src`, copying only files whose size or time differ; extra files in `dest` stay.",
    example: 'rsync("site/", "/var/www/site");',
    run: (ctx, args) =>
      guard("rsync", async () => {
        const src = resolvePath(ctx, argNonEmpty("rsync", args, 0, "source"));
        const dest = resolvePath(ctx, argNonEmpty("rsync", args, 1, "destination"));
        if (!(await statOrNull(src))) throw new Error(`source does not exist: ${src}`);
        await sync(src, dest);
        return dest;
      }),
  }),
  mainFn({
    name: "chdir",
    params: ["string"],
    returns: "string",
    doc: "Changes the job's working directory (for relative paths and commands); the runner's own stays put.",
    example: 'chdir("/tmp/work"); run_command("ls");',
    run: (ctx, args) =>
      guard("chdir", async () => {
        const path = resolvePath(ctx, argNonEmpty("chdir", args, 0, "path"));
        const s = await statOrNull(path);
        if (!s) throw new Error(`directory does not exist: ${path}`);
        if (!s.isDirectory()) throw new Error(`not a directory: ${path}`);
        jobState(ctx).cwd = path;
        return path;
      }),
  }),
  mainFn({
    name: "file_read",
    params: ["string"],
    returns: "string",
    doc: "Reads a whole text file (UTF-8).",
    example: 'let text = file_read("/etc/hostname");',
    run: (ctx, args) =>
      guard("file_read", async () => {
        const path = resolvePath(ctx, argNonEmpty("file_read", args, 0, "path"));
        const s = await statOrNull(path);
        if (!s) throw new Error(`file does not exist: ${path}`);
        if (s.isDirectory()) throw new Error(`is a directory, not a file: ${path}`);
        if (s.size > MAX_READ)
          throw new Error(`file is too large to read (${s.size} bytes): ${path}`);
        return await readFile(path, "utf8");
      }),
  }),
  mainFn({
    name: "file_write",
    params: ["string", "string"],
    returns: "string",
    doc: "Writes text to a file, replacing it; missing parent directories are created.",
    example: 'file_write("out/hello.txt", "hello\\n");',
    run: (ctx, args) => write(ctx, "file_write", args, false),
  }),
  mainFn({
    name: "file_write_append",
    params: ["string", "string"],
    returns: "string",
    doc: "Appends text to a file, creating it (and its parents) if needed.",
    example: 'file_write_append("out/log.txt", "one more line\\n");',
    run: (ctx, args) => write(ctx, "file_write_append", args, true),
  }),
  mainFn({
    name: "chmod_exec",
    params: ["string"],
    returns: "string",
    doc: "Makes a file executable (adds the x bits).",
    example: 'chmod_exec("bin/tool");',
    run: (ctx, args) =>
      guard("chmod_exec", async () => {
        const path = resolvePath(ctx, argNonEmpty("chmod_exec", args, 0, "path"));
        const s = await statOrNull(path);
        if (!s) throw new Error(`file does not exist: ${path}`);
        await chmod(
          path,
          (s.mode | constants.S_IXUSR | constants.S_IXGRP | constants.S_IXOTH) & 0o7777,
        );
        return path;
      }),
  }),
];

// Downloading over HTTP(S) into a file, or into a directory with archives unpacked. A
// download is bounded by a timeout and by the job (it stops when the job ends), and a file
// smaller than the caller's minimum is treated as a failure (an error page, a cut transfer).

import { createWriteStream } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import {
  argInt,
  argNonEmpty,
  guard,
  type HostFunction,
  type MainSideContext,
  mainFn,
  overloads,
} from "../../host/index.js";
import type { Value } from "../../rhai/index.js";
import { jobHome, jobState, resolvePath } from "../job-state.js";
import { runProcess } from "../process/spawn.js";

const DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000;

const ARCHIVES: readonly [RegExp, string[]][] = [
  [/\.(tar\.gz|tgz)$/i, ["tar", "-xzf"]],
  [/\.(tar\.xz|txz)$/i, ["tar", "-xJf"]],
  [/\.(tar\.bz2|tbz2)$/i, ["tar", "-xjf"]],
  [/\.tar$/i, ["tar", "-xf"]],
  [/\.zip$/i, ["unzip", "-oq"]],
];

function parseUrl(fn: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`not a valid URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${fn} only fetches http(s) URLs, not ${url.protocol}`);
  }
  return url;
}

/** Fetches `url` into the file `dest` (through a temporary name), checking its size. */
async function fetchTo(ctx: MainSideContext, url: URL, dest: string, minKb: number) {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]);
  const res = await fetch(url, { signal, redirect: "follow" });
  if (!res.ok || !res.body) throw new Error(`${url.href} answered HTTP ${res.status}`);
  await mkdir(dirname(dest), { recursive: true });
  const partial = `${dest}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(partial), {
      signal,
    });
    const { size } = await stat(partial);
    if (size < minKb * 1024) {
      throw new Error(`downloaded ${size} bytes from ${url.href}, expected at least ${minKb} KB`);
    }
    await rename(partial, dest);
  } finally {
    await rm(partial, { force: true });
  }
}

function minSize(fn: string, args: readonly Value[], index = 2): number {
  if (args.length <= index) return 0;
  const kb = argInt(fn, args, index, "min_size_kb");
  if (kb < 0) throw new Error(`min_size_kb must not be negative: ${kb}`);
  return kb;
}

/** Executable regular files under `dir` (links are not followed), for download_install. */
async function executables(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const found: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    if (((await stat(path)).mode & 0o111) !== 0) found.push(path);
  }
  return found.sort();
}

/** Downloads `url` and installs it: a .deb with dpkg, else its executables into ~/hero/bin. */
async function downloadInstall(ctx: MainSideContext, raw: string, minKb: number): Promise<Value> {
  const url = parseUrl("download_install", raw);
  const name = basename(decodeURIComponent(url.pathname)) || "download";
  const tmp = await mkdtemp(join(tmpdir(), "sal-install-"));
  try {
    const file = join(tmp, name);
    await fetchTo(ctx, url, file, minKb);
    if (/\.deb$/i.test(name)) {
      const r = await runProcess(ctx, { command: "dpkg", args: ["-i", file], cwd: tmp });
      if (r.code !== 0)
        throw new Error(
          `dpkg -i ${name} failed: ${r.stderr.trim().split("\n").slice(-3).join("; ")}`,
        );
      return [name];
    }
    const archive = ARCHIVES.find(([re]) => re.test(name));
    const unpacked = join(tmp, "unpacked");
    await mkdir(unpacked);
    if (archive) {
      const [tool, ...flags] = archive[1] as [string, ...string[]];
      const extractArgs =
        tool === "unzip" ? [...flags, file, "-d", unpacked] : [...flags, file, "-C", unpacked];
      const r = await runProcess(ctx, { command: tool, args: extractArgs, cwd: tmp });
      if (r.code !== 0) throw new Error(`${tool} could not unpack ${name}: ${r.stderr.trim()}`);
    } else {
      // A bare file is taken to be the program itself.
      await rename(file, join(unpacked, name));
      await chmod(join(unpacked, name), 0o755);
    }
    const programs = await executables(unpacked);
    if (programs.length === 0) throw new Error(`${name} holds no executable file to install`);
    const binDir = join(jobHome(ctx), "hero", "bin");
    await mkdir(binDir, { recursive: true });
    const installed: Value[] = [];
    for (const program of programs) {
      const dest = join(binDir, basename(program));
      await copyFile(program, dest);
      await chmod(dest, 0o755);
      installed.push(dest);
    }
    ctx.log(`download_install: installed ${installed.join(", ")}`);
    return installed;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export const downloadFunctions: HostFunction[] = [
  ...overloads(
    mainFn({
      name: "download",
      params: ["string", "string", "i64"],
      returns: "string",
      doc: "Downloads a URL into a directory; archives (.tar.gz, .tgz, .tar.xz, .tar.bz2, .tar, .zip) are unpacked there. Returns the directory, or the file's path.",
      example: 'download("https://example.org/tool.tar.gz", "/opt/tool", 100);',
      run: (ctx, args) =>
        guard("download", async () => {
          const url = parseUrl("download", argNonEmpty("download", args, 0, "url"));
          const dest = resolvePath(ctx, argNonEmpty("download", args, 1, "destination"));
          const min = minSize("download", args);
          const name = basename(decodeURIComponent(url.pathname)) || "download";
          const archive = ARCHIVES.find(([re]) => re.test(name));
          await mkdir(dest, { recursive: true });
          if (!archive) {
            const file = join(dest, name);
            await fetchTo(ctx, url, file, min);
            return file;
          }
          const tmp = await mkdtemp(join(dest, ".download-"));
          try {
            const file = join(tmp, name);
            await fetchTo(ctx, url, file, min);
            const [tool, ...flags] = archive[1] as [string, ...string[]];
            const extractArgs =
              tool === "unzip" ? [...flags, file, "-d", dest] : [...flags, file, "-C", dest];
            const r = await runProcess(ctx, { command: tool, args: extractArgs, cwd: dest });
            if (r.code !== 0)
              throw new Error(`${tool} could not unpack ${name}: ${r.stderr.trim()}`);
          } finally {
            await rm(tmp, { recursive: true, force: true });
          }
          return dest;
        }),
    }),
    ["string", "string"],
  ),
  ...overloads(
    mainFn({
      name: "download_file",
      params: ["string", "string", "i64"],
      returns: "string",
      doc: "Downloads a URL into exactly the file `dest` (never unpacked); fails if it is smaller than min_size_kb.",
      example: 'download_file("https://example.org/a.json", "data/a.json", 1);',
      run: (ctx, args) =>
        guard("download_file", async () => {
          const url = parseUrl("download_file", argNonEmpty("download_file", args, 0, "url"));
          const dest = resolvePath(ctx, argNonEmpty("download_file", args, 1, "destination"));
          await fetchTo(ctx, url, dest, minSize("download_file", args));
          return dest;
        }),
    }),
    ["string", "string"],
  ),
  ...overloads(
    mainFn({
      name: "download_install",
      params: ["string", "i64"],
      returns: "array",
      doc: "Downloads a URL and installs it: a .deb with dpkg -i (needs root); an archive's executable files, or a bare file (made executable), into ~/hero/bin. Fails if the download is smaller than min_size_kb. Returns what it installed.",
      example: 'download_install("https://example.org/tool-linux-amd64.tar.gz", 500);',
      run: (ctx, args) =>
        guard("download_install", () => {
          jobState(ctx); // so the job's cleanup is registered before anything starts
          return downloadInstall(
            ctx,
            argNonEmpty("download_install", args, 0, "url"),
            minSize("download_install", args, 1),
          );
        }),
    }),
    ["string"],
  ),
];

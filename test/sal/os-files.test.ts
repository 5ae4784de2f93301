import { mkdir, readFile, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { RhaiRuntimeError } from "../../src/rhai/index.js";
import { osModule } from "../../src/sal/index.js";
import { callMain, mainContext, rejection, type TestMainContext, tempDir } from "./helpers.js";

let dir: string;
let remove: () => Promise<void>;
let ctx: TestMainContext;
const os = (name: string, ...args: Parameters<typeof callMain>[3][]) =>
  callMain(osModule, ctx, name, ...args);

beforeEach(async () => {
  ({ dir, remove } = await tempDir());
  ctx = mainContext({ options: { workDir: dir }, envVars: { HOME: join(dir, "home") } });
});
afterEach(async () => {
  await ctx.end();
  await remove();
});

describe("files", () => {
  test("write, append, read, size and exist, relative to the job's directory", async () => {
    expect(await os("file_write", "a/b/hello.txt", "hello\n")).toBe(join(dir, "a/b/hello.txt"));
    await os("file_write_append", "a/b/hello.txt", "again\n");
    expect(await os("file_read", "a/b/hello.txt")).toBe("hello\nagain\n");
    expect(await os("file_size", join(dir, "a/b/hello.txt"))).toBe(12);
    expect(await os("exist", "a/b")).toBe(true);
    expect(await os("exist", "a/nope")).toBe(false);
    expect(await os("exist", "")).toBe(false);
  });

  test("reading a missing file or a directory says which", async () => {
    const missing = await rejection(os("file_read", "nope.txt"));
    expect(missing).toBeInstanceOf(RhaiRuntimeError);
    expect(missing.message).toBe(`file_read: file does not exist: ${join(dir, "nope.txt")}`);
    await os("mkdir", "d");
    expect((await rejection(os("file_read", "d"))).message).toContain("is a directory");
    expect((await rejection(os("file_size", "d"))).message).toContain("not a file");
  });

  test("mkdir makes parents, accepts an existing dir, refuses a file in the way", async () => {
    await os("mkdir", "x/y/z");
    await os("mkdir", "x/y/z");
    expect((await stat(join(dir, "x/y/z"))).isDirectory()).toBe(true);
    await os("file_write", "f", "");
    expect((await rejection(os("mkdir", "f"))).message).toContain("a file is in the way");
  });

  test("chdir moves the job, not the runner, and is checked", async () => {
    await os("mkdir", "sub");
    const runnerCwd = process.cwd();
    expect(await os("chdir", "sub")).toBe(join(dir, "sub"));
    await os("file_write", "here.txt", "x");
    expect(await readFile(join(dir, "sub/here.txt"), "utf8")).toBe("x");
    expect(process.cwd()).toBe(runnerCwd);
    expect((await rejection(os("chdir", "missing"))).message).toContain("directory does not exist");
  });

  test("~ is the job's home", async () => {
    await os("file_write", "~/notes.txt", "n");
    expect(await readFile(join(dir, "home/notes.txt"), "utf8")).toBe("n");
  });

  test("copy: file to file, into a directory, a tree, and wildcards", async () => {
    await os("file_write", "src/one.txt", "1");
    await os("file_write", "src/two.txt", "2");
    await os("file_write", "src/skip.md", "s");
    await os("file_write", "src/deep/three.txt", "3");
    await os("copy", "src/one.txt", "copy1.txt");
    expect(await readFile(join(dir, "copy1.txt"), "utf8")).toBe("1");
    await os("mkdir", "into");
    await os("copy", "src/one.txt", "into");
    expect(await readFile(join(dir, "into/one.txt"), "utf8")).toBe("1");
    await os("copy", "src", "tree");
    expect(await readFile(join(dir, "tree/deep/three.txt"), "utf8")).toBe("3");
    await os("copy", "src/*.txt", "txt");
    expect(await os("find_files", "txt", "*")).toEqual([
      join(dir, "txt/one.txt"),
      join(dir, "txt/two.txt"),
    ]);
    expect((await rejection(os("copy", "src/*.none", "x"))).message).toBe(
      "copy: nothing matches src/*.none",
    );
    expect((await rejection(os("copy", "missing", "x"))).message).toContain(
      "source does not exist",
    );
  });

  test("mv renames and moves into directories", async () => {
    await os("file_write", "a.txt", "a");
    await os("mv", "a.txt", "b.txt");
    expect(await os("exist", "a.txt")).toBe(false);
    await os("mkdir", "box");
    await os("mv", "b.txt", "box");
    expect(await os("file_read", "box/b.txt")).toBe("a");
  });

  test("delete removes trees and wildcards; a missing path is fine; / is refused", async () => {
    await os("file_write", "t/a.log", "");
    await os("file_write", "t/b.log", "");
    await os("file_write", "t/keep.txt", "");
    await os("delete", "t/*.log");
    expect(await os("find_files", "t", "*")).toEqual([join(dir, "t/keep.txt")]);
    await os("delete", "t");
    expect(await os("exist", "t")).toBe(false);
    await os("delete", "t");
    expect((await rejection(os("delete", "/"))).message).toContain("refusing to delete the root");
  });

  test("rsync copies what changed and keeps extra files", async () => {
    await os("file_write", "s/a.txt", "new");
    await os("file_write", "s/sub/b.txt", "b");
    await os("file_write", "d/a.txt", "old");
    await os("file_write", "d/extra.txt", "e");
    const past = new Date("2019-06-01T00:00:00Z");
    await utimes(join(dir, "d/a.txt"), past, past); // same size as "new": only the time differs
    await os("rsync", "s", "d");
    expect(await os("file_read", "d/a.txt")).toBe("new");
    expect(await os("file_read", "d/sub/b.txt")).toBe("b");
    expect(await os("file_read", "d/extra.txt")).toBe("e");
    // Same size and time: left alone (rsync's quick check).
    const t = new Date("2020-01-01T00:00:00Z");
    await writeFile(join(dir, "d/a.txt"), "NEW");
    await utimes(join(dir, "d/a.txt"), t, t);
    await utimes(join(dir, "s/a.txt"), t, t);
    await os("rsync", "s", "d");
    expect(await os("file_read", "d/a.txt")).toBe("NEW");
  });

  test("chmod_exec and copy_bin make executables", async () => {
    await os("file_write", "tool.sh", "#!/bin/sh\necho hi\n");
    await os("chmod_exec", "tool.sh");
    expect((await stat(join(dir, "tool.sh"))).mode & 0o111).toBe(0o111);
    const installed = await os("copy_bin", "tool.sh");
    expect(installed).toBe(join(dir, "home/hero/bin/tool.sh"));
    expect((await stat(installed as string)).mode & 0o100).toBe(0o100);
  });
});

describe("find", () => {
  beforeEach(async () => {
    for (const f of ["a/x.rs", "a/b/y.rs", "a/b/c/z.rs", "a/readme.md", "a/b/logs/q.txt"]) {
      await os("file_write", f, "");
    }
    await mkdir(join(dir, "a/logs2"));
    await symlink(join(dir, "a"), join(dir, "a/b/loop")); // never followed
  });

  test("find_files by name at any depth, sorted", async () => {
    expect(await os("find_files", "a", "*.rs")).toEqual([
      join(dir, "a/b/c/z.rs"),
      join(dir, "a/b/y.rs"),
      join(dir, "a/x.rs"),
    ]);
  });

  test("a pattern with / matches the relative path; ** spans directories", async () => {
    expect(await os("find_files", "a", "b/*.rs")).toEqual([join(dir, "a/b/y.rs")]);
    expect(await os("find_files", "a", "**/c/*.rs")).toEqual([join(dir, "a/b/c/z.rs")]);
  });

  test("find_file gives the first match, or an error naming the pattern", async () => {
    expect(await os("find_file", "a", "?.rs")).toBe(join(dir, "a/b/c/z.rs"));
    const e = await rejection(os("find_file", "a", "*.go"));
    expect(e.message).toBe(`find_file: no file matches "*.go" under ${join(dir, "a")}`);
  });

  test("find_dir and find_dirs", async () => {
    expect(await os("find_dirs", "a", "logs*")).toEqual([
      join(dir, "a/b/logs"),
      join(dir, "a/logs2"),
    ]);
    expect(await os("find_dir", "a", "c")).toBe(join(dir, "a/b/c"));
    expect((await rejection(os("find_dir", "a", "nope"))).message).toContain(
      "no directory matches",
    );
  });

  test("searching a missing directory is an error", async () => {
    expect((await rejection(os("find_files", "nowhere", "*"))).message).toContain(
      "directory does not exist",
    );
  });
});

describe("commands on the PATH", () => {
  test("which finds executables on the job's PATH, or gives an empty string", async () => {
    expect(await os("which", "sh")).toMatch(/\/sh$/);
    expect(await os("which", "surely-no-such-command-x")).toBe("");
    const restricted = mainContext({ envVars: { PATH: "/nonexistent" } });
    expect(await callMain(osModule, restricted, "which", "sh")).toBe("");
    await restricted.end();
  });

  test("cmd_ensure_exists names what is missing", async () => {
    expect(await os("cmd_ensure_exists", "sh, ls")).toMatch(/\/sh,.*\/ls$/);
    const e = await rejection(os("cmd_ensure_exists", "sh nope-cmd-1,nope-cmd-2"));
    expect(e.message).toBe("cmd_ensure_exists: command(s) not found: nope-cmd-1, nope-cmd-2");
  });
});

describe("platform and packages", () => {
  test("platform checks agree with Node", async () => {
    const { callWorker, workerContext } = await import("./helpers.js");
    const w = workerContext();
    expect(callWorker(osModule, w, "platform_is_linux")).toBe(process.platform === "linux");
    expect(callWorker(osModule, w, "platform_is_x86")).toBe(process.arch === "x64");
    expect(callWorker(osModule, w, "platform_is_arm")).toBe(process.arch === "arm64");
    expect(callWorker(osModule, w, "platform_is_osx")).toBe(false);
  });

  test.runIf(process.platform === "linux")(
    "package_list and package_is_installed read dpkg",
    async () => {
      const list = (await os("package_list")) as string[];
      expect(list).toContain("bash");
      expect(await os("package_is_installed", "bash")).toBe(true);
      expect(await os("package_is_installed", "surely-not-a-package")).toBe(false);
      const e = await rejection(os("package_is_installed", "bad name; rm -rf /"));
      expect(e.message).toContain("not a valid package name");
    },
  );
});

// `herodo` as an operator runs it: a real process on real script files.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { distBin, processAlive, runToEnd, start } from "../helpers/processes.js";
import { tempDir } from "./helpers.js";

let dir: string;
let remove: () => Promise<void>;

beforeEach(async () => {
  ({ dir, remove } = await tempDir());
});
afterEach(async () => {
  await remove();
});

const herodo = (args: string[], env: Record<string, string> = {}) =>
  runToEnd(process.execPath, [distBin("herodo"), ...args], { env, timeoutMs: 60_000 });

async function files(entries: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(entries)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

describe("herodo", () => {
  test("a directory runs its .rhai files by path, recursively, and stops at the first failure", async () => {
    await files({
      "10-first.rhai": '#!/usr/bin/env herodo\nprint("first");\n',
      "20-dir/a.rhai": 'print("nested a");\n',
      "20-dir/b.rhai": 'let r = run_command("echo from a command"); print("nested b");\n',
      "30-fails.rhai": 'print("third");\nlet x = 40;\nx.no_such_method();\n',
      "40-never.rhai": 'print("never");\nfile_write("ran.txt", "yes");\n',
      "notes.txt": "not a script",
    });
    const r = await herodo([dir, "--work-dir", dir]);
    expect(r.stdout.split("\n")).toEqual([
      "first",
      "nested a",
      "from a command",
      "nested b",
      "third",
      "",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `herodo: ${join(dir, "30-fails.rhai")}: Function not found: no_such_method (i64) (line 3, position 3)\n`,
    );
    await expect(readFile(join(dir, "ran.txt"))).rejects.toThrow("ENOENT");
  });

  test("every script passing exits 0; SAL functions act in the work dir", async () => {
    await files({
      "a.rhai": 'file_write("out.txt", "hello");\n',
      "b.rhai": 'print(file_read("out.txt") + " again");\n',
    });
    const r = await herodo([dir, "--work-dir", dir]);
    expect(r).toEqual({ code: 0, stdout: "hello again\n", stderr: "" });
  });

  test("--env gives the scripts ENV and their commands' environment", async () => {
    await files({
      "env.rhai":
        'print(ENV.GREETING + " " + ENV.WHO);\nlet out = run_silent("echo $GREETING-$WHO").stdout;\nout.trim();\nprint(out);\nprint(JOB_ID.starts_with("herodo-"));\n',
    });
    const r = await herodo([join(dir, "env.rhai"), "--env", "GREETING=hi", "--env", "WHO=a=b"]);
    expect(r).toEqual({ code: 0, stdout: "hi a=b\nhi-a=b\ntrue\n", stderr: "" });
  });

  test("--timeout ends a script that runs too long, and the commands it started", async () => {
    await files({
      "slow.rhai": 'let r = run_command("echo $$ > pid.txt; exec sleep 300");\n',
      "loop.rhai": "loop {}\n",
    });
    const slow = await herodo([join(dir, "slow.rhai"), "--timeout", "2", "--work-dir", dir]);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain("the job ran past its timeout of 2 s");
    const pid = Number((await readFile(join(dir, "pid.txt"), "utf8")).trim());
    expect(pid).toBeGreaterThan(0);
    expect(processAlive(pid)).toBe(false);
    const loop = await herodo([join(dir, "loop.rhai"), "--timeout", "1"]);
    expect(loop.code).toBe(1);
    expect(loop.stderr).toContain("timeout");
  });

  test("Ctrl-C stops the running script and its commands", async () => {
    await files({
      "wait.rhai": 'print("started");\nrun_command("echo $$ > pid.txt; exec sleep 300");\n',
    });
    const p = start(process.execPath, [
      distBin("herodo"),
      join(dir, "wait.rhai"),
      "--work-dir",
      dir,
    ]);
    await p.waitFor("started");
    let pid = 0;
    while (pid === 0) {
      pid = Number(await readFile(join(dir, "pid.txt"), "utf8").catch(() => "0"));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await p.stop("SIGINT")).code).toBe(130);
    expect(processAlive(pid)).toBe(false);
  });

  test("usage mistakes exit 2 with the reason; a missing path or empty directory exits 1", async () => {
    const noArg = await herodo([]);
    expect([noArg.code, noArg.stderr]).toEqual([2, "error: missing required argument 'path'\n"]);
    const badEnv = await herodo([dir, "--env", "NOEQUALS"]);
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('expected NAME=VALUE, got "NOEQUALS"');
    const badTimeout = await herodo([dir, "--timeout", "0"]);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain("--timeout");
    const missing = await herodo([join(dir, "nope")]);
    expect([missing.code, missing.stderr]).toEqual([
      1,
      `herodo: no such file or directory: ${join(dir, "nope")}\n`,
    ]);
    const empty = await herodo([dir]);
    expect([empty.code, empty.stderr]).toEqual([1, `herodo: no .rhai files under ${dir}\n`]);
  });
});

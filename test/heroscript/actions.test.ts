// The file and process actions against the real file system and real child processes.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  builtinActions,
  PlayAbortedError,
  PlaybookEngine,
  type PlayOptions,
} from "../../src/heroscript/index.js";
import { alive, waitUntil } from "./helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "heroscript-actions-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const engine = new PlaybookEngine(builtinActions());
const play = (script: string, options: PlayOptions = {}) =>
  engine.run(script, { baseDir: dir, ...options });

describe("file actions", () => {
  test("write (creating folders), append, read, copy, move, delete, mkdir", async () => {
    const result = await play(
      [
        "!!file.write path:out/a.txt newline:true content:'",
        "    first",
        "  '",
        "!!file.write path:out/a.txt content:second append:true",
        "!!file.read path:out/a.txt",
        "!!file.copy source:out dest:copy",
        "!!file.move source:copy/a.txt dest:moved/b.txt",
        "!!file.mkdir path:empty/deep",
        "!!file.delete path:out",
        "!!file.delete path:not-there",
      ].join("\n"),
    );
    expect(result.output).toBe("first\nsecond");
    expect(await readFile(join(dir, "moved", "b.txt"), "utf8")).toBe("first\nsecond");
    expect(existsSync(join(dir, "out"))).toBe(false);
    expect(existsSync(join(dir, "copy", "a.txt"))).toBe(false);
    expect(existsSync(join(dir, "empty", "deep"))).toBe(true);
  });

  test("reading a missing file fails with the action and line", async () => {
    await expect(play("!!play.echo x\n!!file.read path:nope.txt")).rejects.toThrow(
      /^line 2: !!file\.read: ENOENT: no such file or directory/,
    );
  });
});

describe("process.run", () => {
  test("prints the command's output; the child sees the session env and PATH, not the runner's own", async () => {
    process.env.HEROSCRIPT_TEST_SECRET = "runner-only";
    try {
      const result = await play(
        "!!session.env_set key:FROM_SCRIPT val:s\n!!process.run cmd:'echo \"$FROM_JOB $FROM_SCRIPT [$HEROSCRIPT_TEST_SECRET]\"; ls -d / '",
        { env: { FROM_JOB: "j" } },
      );
      expect(result.output).toBe("j s []\n/");
    } finally {
      delete process.env.HEROSCRIPT_TEST_SECRET;
    }
  });

  test("cwd resolves against the script's folder", async () => {
    await writeFile(join(dir, "marker"), "");
    expect((await play("!!process.run cmd:'ls' cwd:.")).output).toBe("marker");
  });

  test("a failing command fails the action with its exit code and stderr", async () => {
    const logs: string[] = [];
    await expect(
      play("!!process.run cmd:'echo oops >&2; exit 3'", { log: (l) => logs.push(l) }),
    ).rejects.toThrow("line 1: !!process.run: command exited with code 3: oops");
    expect(logs).toContain("stderr: oops");
  });

  test("ignore_error goes on after a failure", async () => {
    const result = await play("!!process.run cmd:'exit 1' ignore_error:true\n!!play.echo next");
    expect(result.output).toBe("next");
  });

  test("its timeout kills the command and its children", async () => {
    const pidFile = join(dir, "child.pid");
    const started = Date.now();
    await expect(
      play(`!!process.run cmd:'sleep 30 & echo $! > ${pidFile}; wait' timeout:300ms`),
    ).rejects.toThrow("line 1: !!process.run: command killed after its timeout of 300 ms");
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = Number(await readFile(pidFile, "utf8"));
    expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
  });

  test("aborting the run kills the process group at once", async () => {
    const pidFile = join(dir, "child.pid");
    const controller = new AbortController();
    const run = play(`!!process.run cmd:'sleep 30 & echo $! > ${pidFile}; wait'`, {
      signal: controller.signal,
    });
    expect(await waitUntil(() => existsSync(pidFile), 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const pid = Number(await readFile(pidFile, "utf8"));
    expect(alive(pid)).toBe(true);
    controller.abort("cancelled");
    await expect(run).rejects.toBeInstanceOf(PlayAbortedError);
    expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
  });

  test("what a command left running dies when the job ends, after the play", async () => {
    const job = new AbortController();
    const result = await play("!!process.run cmd:'sleep 30 >/dev/null 2>&1 & echo $!'", {
      signal: job.signal,
    });
    const pid = Number(result.output);
    expect(alive(pid)).toBe(true);
    // The runner aborts a job's signal when the job ends, however it ends ("finished").
    job.abort("finished");
    expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
  });

  test("the child gets the runner's HOME when the session sets none, as SAL commands do", async () => {
    const result = await play("!!process.run cmd:'echo $HOME'");
    expect(result.output).toBe(process.env.HOME ?? "");
    const own = await play("!!process.run cmd:'echo $HOME'", { env: { HOME: "/job/home" } });
    expect(own.output).toBe("/job/home");
  });
});

import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { groupsLeftBehind, LINE_CUT_MARK, MAX_LINE_CHARS } from "../../src/host/index.js";
import { RhaiRuntimeError, type Value } from "../../src/rhai/index.js";
import { type CommandBuilder, processModule } from "../../src/sal/index.js";
import {
  callMain,
  callWorker,
  mainContext,
  rejection,
  type TestMainContext,
  tempDir,
  workerContext,
} from "./helpers.js";

let ctx: TestMainContext;
let dir: string;
let remove: () => Promise<void>;
const proc = (name: string, ...args: Value[]) => callMain(processModule, ctx, name, ...args);
const m = (o: Record<string, Value>) => new Map(Object.entries(o));

/** Alive and not a zombie (a container's init may leave zombies unreaped). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function waitDead(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await sleep(50);
  }
  return false;
}

beforeEach(async () => {
  ({ dir, remove } = await tempDir());
  ctx = mainContext({ options: { workDir: dir }, envVars: { GREETING: "hello from the job" } });
});
afterEach(async () => {
  await ctx.end();
  await remove();
});

describe("run_command and friends", () => {
  test("echo: a result map with stdout, stderr, success, code; output goes to the log", async () => {
    const r = (await proc("run_command", "echo hi; echo oops >&2")) as Map<string, Value>;
    expect(r).toEqual(m({ stdout: "hi\n", stderr: "oops\n", success: true, code: 0 }));
    expect(ctx.lines).toEqual(["hi", "oops"]);
  });

  test("run_silent keeps the output out of the log", async () => {
    const r = (await proc("run_silent", "echo quiet")) as Map<string, Value>;
    expect(r.get("stdout")).toBe("quiet\n");
    expect(ctx.lines).toEqual([]);
  });

  test("a failing command is a catchable error with its code and stderr", async () => {
    const e = await rejection(proc("run_command", "echo bad thing >&2; exit 3"));
    expect(e).toBeInstanceOf(RhaiRuntimeError);
    expect(e.message).toBe(
      "run_command: command failed with exit code 3: echo bad thing >&2; exit 3\nbad thing",
    );
  });

  test("run_with_options: die false gives the failure as a result; unknown options are errors", async () => {
    const r = (await proc(
      "run_with_options",
      "ls /definitely/not/here",
      m({ die: false, silent: true }),
    )) as Map<string, Value>;
    expect(r.get("success")).toBe(false);
    expect(r.get("code")).toBe(2);
    expect(r.get("stderr")).toContain("No such file or directory");
    const e = await rejection(proc("run_with_options", "true", m({ dei: false })));
    expect(e.message).toContain('run_with_options: unknown option "dei"');
  });

  test("commands get the job's env vars, PATH and HOME, and none of the runner's secrets", async () => {
    process.env.SAL_TEST_RUNNER_SECRET = "s3cret";
    try {
      const r = (await proc(
        "run_silent",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not JS
        'echo "$GREETING|${SAL_TEST_RUNNER_SECRET:-unset}|$PATH"',
      )) as Map<string, Value>;
      expect(r.get("stdout")).toBe(`hello from the job|unset|${process.env.PATH}\n`);
    } finally {
      delete process.env.SAL_TEST_RUNNER_SECRET;
    }
  });

  test("options cwd, env, log", async () => {
    await callMain(processModule, ctx, "run_silent", "mkdir -p sub");
    const r = (await proc(
      "run_with_options",
      'pwd; echo "$EXTRA"',
      m({ cwd: "sub", env: m({ EXTRA: "x1" }), log: true, silent: true }),
    )) as Map<string, Value>;
    expect(r.get("stdout")).toBe(`${dir}/sub\nx1\n`);
    expect(ctx.lines).toEqual(['$ pwd; echo "$EXTRA"']);
    const e = await rejection(proc("run_with_options", "true", m({ cwd: "nope" })));
    expect(e.message).toBe(`run_with_options: working directory does not exist: ${dir}/nope`);
  });

  test("a timeout kills the command and its children", async () => {
    const started = Date.now();
    const r = (await proc(
      "run_with_options",
      "sleep 30 & echo $!; wait",
      m({ timeout: 1, die: false, silent: true }),
    )) as Map<string, Value>;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.get("success")).toBe(false);
    expect(r.get("stderr")).toContain("timed out after 1s and was killed");
    const grandchild = Number((r.get("stdout") as string).trim());
    expect(await waitDead(grandchild)).toBe(true);
    const e = await rejection(proc("run_with_options", "sleep 30", m({ timeout: 0.5 })));
    expect(e.message).toBe(
      "run_with_options: command timed out after 0.5s and was killed: sleep 30",
    );
  });

  test("a command that outlives the job is killed with it", async () => {
    const running = proc("run_silent", "echo $$ > pid; exec sleep 30");
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      await sleep(50);
      pid = Number(readFileSync(`${dir}/pid`, { encoding: "utf8", flag: "a+" }).trim()) || 0;
    }
    expect(alive(pid)).toBe(true);
    await ctx.end();
    const e = await rejection(running);
    expect(e.message).toBe(
      "run_silent: the job ended while the command was running; it was killed",
    );
    expect(await waitDead(pid)).toBe(true);
  });

  test("background processes a command leaves behind die when the job ends", async () => {
    const r = (await proc("run_silent", "sleep 30 >/dev/null 2>&1 & echo $!")) as Map<
      string,
      Value
    >;
    const pid = Number((r.get("stdout") as string).trim());
    expect(alive(pid)).toBe(true);
    await ctx.end();
    expect(await waitDead(pid)).toBe(true);
  });

  test("only groups with processes left are remembered for the job's end", async () => {
    await proc("run_silent", "true");
    expect([...groupsLeftBehind(ctx.signal)]).toEqual([]);
    await proc("run_silent", "sleep 30 >/dev/null 2>&1 &");
    expect(groupsLeftBehind(ctx.signal).size).toBe(1);
  });

  test("a timeout kills at once: the command gets no SIGTERM to linger on", async () => {
    const r = (await proc(
      "run_with_options",
      "trap 'echo got-term' TERM; sleep 30 & wait; wait",
      m({ timeout: 0.3, die: false, silent: true }),
    )) as Map<string, Value>;
    expect(r.get("stdout")).toBe("");
    expect(r.get("code")).toBe(137); // 128 + SIGKILL
  });

  test("an output line far over the cap reaches the log cut, never kept whole", async () => {
    const cap = MAX_LINE_CHARS;
    await proc("run_command", `head -c ${cap + 4096} /dev/zero | tr '\\0' a; echo; echo next`);
    expect(ctx.lines).toHaveLength(2);
    expect(ctx.lines[0]).toHaveLength(cap + LINE_CUT_MARK.length);
    expect(ctx.lines[0]?.endsWith(LINE_CUT_MARK)).toBe(true);
    expect(ctx.lines[1]).toBe("next");
  });

  test("an empty command is an error", async () => {
    expect((await rejection(proc("run_command", "  "))).message).toBe(
      "run_command: the command is empty",
    );
  });
});

describe("the run(cmd) builder", () => {
  test("option methods return new builders; execute asks run_with_options on the main side", async () => {
    const w = workerContext(() => "answer");
    const base = callWorker(processModule, w, "run", "echo $X; pwd") as unknown as CommandBuilder;
    const built = [
      ["cwd", dir],
      ["env", m({ X: "from-map" })],
      ["env", "Y", "y"],
      ["timeout", 5],
      ["ignore_error"],
      ["silent"],
      ["log"],
    ].reduce<Value>(
      (b, [name, ...rest]) => callWorker(processModule, w, name as string, b, ...(rest as Value[])),
      base as unknown as Value,
    );
    expect(base.options.size).toBe(0); // the original builder is unchanged
    expect(String(built)).toBe('CommandBuilder("echo $X; pwd")');
    expect(callWorker(processModule, w, "execute", built)).toBe("answer");
    expect(w.calls).toHaveLength(1);
    const [call] = w.calls as [{ name: string; args: Value[] }];
    expect(call.name).toBe("process.run_with_options");
    // The same call, served for real by the main side.
    const r = (await callMain(processModule, ctx, "run_with_options", ...call.args)) as Map<
      string,
      Value
    >;
    expect(r).toEqual(m({ stdout: `from-map\n${dir}\n`, stderr: "", success: true, code: 0 }));
    expect(ctx.lines).toEqual(["$ echo $X; pwd"]);
  });

  test("bad builder input fails where the script wrote it", () => {
    const w = workerContext();
    const b = callWorker(processModule, w, "run", "ls");
    expect(() => callWorker(processModule, w, "timeout", b, -1)).toThrow(
      "timeout: timeout must be a positive number of seconds, got -1",
    );
    expect(() => callWorker(processModule, w, "env", b, "1BAD", "x")).toThrow(
      'env: not a valid environment variable name: "1BAD"',
    );
    expect(() => callWorker(processModule, w, "run", "")).toThrow("run: command must not be empty");
  });
});

describe("processes", () => {
  test("process_list, process_get and kill by pid and by pattern", async () => {
    const marker = `sal-marker-${process.pid}-${Date.now()}`;
    const r = (await proc("run_silent", `exec -a ${marker} sleep 30 & echo $!`)) as Map<
      string,
      Value
    >;
    const pid = Number((r.get("stdout") as string).trim());
    const listed = (await proc("process_list", marker)) as Map<string, Value>[];
    expect(listed.map((p) => p.get("pid"))).toEqual([pid]);
    const one = (await proc("process_get", marker)) as Map<string, Value>;
    expect(one.get("name")).toBe("sleep");
    expect(one.get("command")).toBe(`${marker} 30`);
    expect(typeof one.get("memory")).toBe("number");
    expect(await proc("kill", marker)).toBe(`killed 1 process(es) matching "${marker}"`);
    expect(await waitDead(pid)).toBe(true);
    expect(await proc("kill", marker)).toBe(`no process matches "${marker}"`);
    expect((await rejection(proc("process_get", marker))).message).toBe(
      `process_get: no process matches "${marker}"`,
    );
    expect((await rejection(proc("kill", process.pid))).message).toContain(
      "refusing to kill the runner",
    );
  });

  test("process_get refuses an ambiguous pattern", async () => {
    const e = await rejection(proc("process_get", ""));
    expect(e.message).toContain("must not be empty");
    const many = await rejection(proc("process_get", "s"));
    expect(many.message).toMatch(/processes match "s" \(pids .*\): be more specific/);
  });
});

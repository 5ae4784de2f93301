// The hero executor called directly, with a real ExecutionContext built here: the built-in
// engine path and the `--hero-bin` path (a fake `hero` written by the test).
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createJob, JobFailure } from "../../src/job/index.js";
import { createHeroExecutor } from "../../src/runners/hero/index.js";
import type { ExecutionContext } from "../../src/runtime/index.js";
import { alive, waitUntil, writeFakeHero } from "./helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hero-executor-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface TestContext extends ExecutionContext {
  readonly lines: string[];
  readonly controller: AbortController;
}

function context(payload: string, envVars: Record<string, string> = {}): TestContext {
  const lines: string[] = [];
  const controller = new AbortController();
  const job = createJob({
    payload,
    runner: "hero-test",
    env_vars: envVars,
    caller_id: "alice",
    context_id: "ctx1",
  });
  const noop = () => {};
  return {
    job,
    attempt: 1,
    signal: controller.signal,
    controller,
    lines,
    log: (line) => lines.push(line),
    envVars,
    signatories: ["02aa", "03bb"],
    logger: { info: noop, warn: noop, error: noop, debug: noop },
  };
}

describe("built-in engine", () => {
  test("the output is what the actions printed; each line also goes to the job log", async () => {
    const ctx = context(
      "!!play.echo content:'job {JOB_ID} for {CALLER_ID} in {CONTEXT_ID} signed by {SIGNATORIES}'\n" +
        "!!file.write path:out.txt content:@GREETING\n!!process.run cmd:'cat out.txt'",
      { GREETING: "hi" },
    );
    const out = await createHeroExecutor({ baseDir: dir }).execute(ctx);
    expect(out).toBe(`job ${ctx.job.id} for alice in ctx1 signed by 02aa,03bb\nhi`);
    expect(ctx.lines).toContain("hi");
    expect(await readFile(join(dir, "out.txt"), "utf8")).toBe("hi");
  });

  test("the script sees which attempt it is", async () => {
    const ctx = { ...context("!!play.echo content:'attempt {ATTEMPT}'"), attempt: 2 };
    expect(await createHeroExecutor({ baseDir: dir }).execute(ctx)).toBe("attempt 2");
  });

  test("a failing action fails the job as a script error with its line", async () => {
    const run = createHeroExecutor({ baseDir: dir }).execute(
      context("!!play.echo ok\n\n!!play.ecko x"),
    );
    await expect(run).rejects.toBeInstanceOf(JobFailure);
    await expect(run).rejects.toMatchObject({
      errorKind: "script",
      message: "line 3: !!play.ecko: unknown action (close names: play.echo)",
    });
  });

  test("an abort stops the script and kills what it started", async () => {
    const pidFile = join(dir, "pid");
    const ctx = context(`!!process.run cmd:'sleep 30 & echo $! > ${pidFile}; wait'`);
    const run = createHeroExecutor({ baseDir: dir }).execute(ctx);
    expect(await waitUntil(() => existsSync(pidFile), 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const pid = Number(await readFile(pidFile, "utf8"));
    ctx.controller.abort("timeout");
    await expect(run).rejects.toMatchObject({ errorKind: "timeout" });
    expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
  });
});

describe("--hero-bin", () => {
  test("runs `PATH run -s <payload>` with the job's env vars (not the runner's); stdout is the output", async () => {
    const heroBin = await writeFakeHero(dir);
    process.env.HEROSCRIPT_TEST_SECRET = "runner-only";
    try {
      const ctx = context("!!play.echo hi", { GREETING: "hello" });
      const out = await createHeroExecutor({ heroBin }).execute(ctx);
      expect(out).toBe(`ran: !!play.echo hi\nenv: hello job=${ctx.job.id} []`);
      expect(ctx.lines).toEqual(["ran: !!play.echo hi", `env: hello job=${ctx.job.id} []`]);
    } finally {
      delete process.env.HEROSCRIPT_TEST_SECRET;
    }
  });

  test("a non-zero exit fails the job with the exit code and stderr", async () => {
    const heroBin = await writeFakeHero(dir);
    await expect(createHeroExecutor({ heroBin }).execute(context("FAIL"))).rejects.toMatchObject({
      errorKind: "script",
      message: `${heroBin} exited with code 5: bad script at line 1`,
    });
  });

  test("an abort (the job's timeout) kills the binary's whole process group", async () => {
    const heroBin = await writeFakeHero(dir);
    const pidFile = join(dir, "pid");
    const ctx = context("SLEEP", { PID_FILE: pidFile });
    const run = createHeroExecutor({ heroBin }).execute(ctx);
    expect(await waitUntil(() => existsSync(pidFile), 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const pid = Number(await readFile(pidFile, "utf8"));
    expect(alive(pid)).toBe(true);
    const stopped = Date.now();
    ctx.controller.abort("timeout");
    await expect(run).rejects.toMatchObject({ errorKind: "timeout" });
    expect(Date.now() - stopped).toBeLessThan(2000);
    expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
  });

  test("start() refuses a binary that is missing or not executable", async () => {
    const missing = join(dir, "no-such-hero");
    await expect(createHeroExecutor({ heroBin: missing }).start?.()).rejects.toThrow(
      `hero binary ${missing} is not an executable file`,
    );
    const heroBin = await writeFakeHero(dir);
    await expect(createHeroExecutor({ heroBin }).start?.()).resolves.toBeUndefined();
  });

  test("a binary that disappears after start is a clear error", async () => {
    await expect(
      createHeroExecutor({ heroBin: join(dir, "no-such-hero") }).execute(context("x")),
    ).rejects.toThrow(`cannot start '${join(dir, "no-such-hero")}'`);
  });
});

// The one set of rules every job's child runs under (SAL commands, ssh, heroscript's
// process.run, a hero binary): the environment, the process group's end, the output cap.
import { afterEach, describe, expect, test } from "vitest";
import {
  ChildStartError,
  childEnvironment,
  groupsLeftBehind,
  runChild,
} from "../../src/host/index.js";
import { processAlive } from "../helpers/processes.js";
import { until } from "../helpers/until.js";

const sh = (cmd: string, more: Partial<Parameters<typeof runChild>[0]> = {}) =>
  runChild({ file: "/bin/sh", args: ["-c", cmd], env: childEnvironment({}), ...more });

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already, as it should be
    }
  }
});

async function pidOf(out: { stdout: string }): Promise<number> {
  const pid = Number(out.stdout.trim().split("\n")[0]);
  started.push(pid);
  return pid;
}

describe("childEnvironment", () => {
  test("the job's variables plus the runner's PATH and HOME, none of the runner's secrets", async () => {
    process.env.HOST_KIT_TEST_SECRET = "runner-only";
    try {
      const env = childEnvironment({ JOB_VAR: "j" }, { EXTRA: "e" });
      expect(env).toEqual({
        ...(process.env.PATH === undefined ? {} : { PATH: process.env.PATH }),
        ...(process.env.HOME === undefined ? {} : { HOME: process.env.HOME }),
        JOB_VAR: "j",
        EXTRA: "e",
      });
      const out = await runChild({
        file: "/bin/sh",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not JS
        args: ["-c", 'echo "${HOST_KIT_TEST_SECRET:-unset}|$JOB_VAR"'],
        env,
      });
      expect(out.stdout).toBe("unset|j\n");
    } finally {
      delete process.env.HOST_KIT_TEST_SECRET;
    }
  });

  test("a job's own PATH and HOME win over the runner's", () => {
    const env = childEnvironment({ PATH: "/job/bin", HOME: "/job/home" });
    expect(env.PATH).toBe("/job/bin");
    expect(env.HOME).toBe("/job/home");
  });
});

describe("the process group", () => {
  test("a timeout SIGKILLs the whole group at once: no SIGTERM a child could trap and linger on", async () => {
    const out = await sh("trap 'echo got-term' TERM; sleep 30 & echo $!; wait; wait", {
      timeoutMs: 300,
    });
    expect(out.killed).toBe("timeout");
    expect(out.signal).toBe("SIGKILL");
    expect(out.stdout).not.toContain("got-term");
    const grandchild = await pidOf(out);
    await until(() => !processAlive(grandchild), { timeout: 5000, what: "the grandchild's end" });
  });

  test("what a command left running dies when the job's signal aborts, after the command ended", async () => {
    const job = new AbortController();
    const out = await sh("sleep 30 >/dev/null 2>&1 & echo $!", { signal: job.signal });
    expect(out.code).toBe(0);
    const pid = await pidOf(out);
    expect(processAlive(pid)).toBe(true);
    expect(groupsLeftBehind(job.signal).size).toBe(1);
    job.abort("finished");
    await until(() => !processAlive(pid), { timeout: 5000, what: "the background process's end" });
    expect(groupsLeftBehind(job.signal).size).toBe(0);
  });

  test("a group nobody is left in is forgotten", async () => {
    const job = new AbortController();
    await sh("true", { signal: job.signal });
    expect(groupsLeftBehind(job.signal).size).toBe(0);
  });

  test("aborting kills the group at once; an aborted signal starts nothing", async () => {
    const job = new AbortController();
    const running = sh("echo $$; exec sleep 30", {
      signal: job.signal,
      onStdoutLine: () => job.abort("cancelled"),
    });
    const out = await running;
    expect(out.killed).toBe("aborted");
    expect(out.signal).toBe("SIGKILL");
    expect(await sh("echo never", { signal: job.signal })).toMatchObject({
      killed: "aborted",
      stdout: "",
    });
  });

  test("a program that cannot start is a ChildStartError with the system's code", async () => {
    const e = await runChild({ file: "/no/such/program", args: [], env: {} }).catch((x) => x);
    expect(e).toBeInstanceOf(ChildStartError);
    expect((e as ChildStartError).cause.code).toBe("ENOENT");
    expect((e as Error).message).toMatch(/^cannot start '\/no\/such\/program': /);
  });
});

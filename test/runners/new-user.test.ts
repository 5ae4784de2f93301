// What a new user ran into with a real runner_sal (issue "What a new user trips over") and
// the per-job cost caps: start times, the log keeping its newest lines, a string built in a
// loop, and the log and result caps with their options.
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKeyPair } from "../../src/job/index.js";
import { distBin, runToEnd, start } from "../helpers/processes.js";
import { testRedis } from "../helpers/redis.js";
import { outputOf, type RunnerWorld, runnerWorld } from "./helpers.js";

let redis: Redis;
let w: RunnerWorld;
let capped: RunnerWorld;

beforeAll(async () => {
  redis = testRedis();
  [w, capped] = await Promise.all([
    runnerWorld("runner_sal", redis),
    runnerWorld("runner_sal", redis, {
      runnerId: "capped",
      args: ["--max-result-bytes", "100", "--max-log-bytes", "2048"],
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([w?.close(), capped?.close()]);
  await redis.quit();
});

describe("runner_sal as a new user meets it", () => {
  test("started_at is never earlier than created_at, after the runner waited a while", async () => {
    // The runner has been blocked on its empty queue for a while when the job is made.
    await new Promise((r) => setTimeout(r, 1500));
    const record = await w.run("40 + 2");
    expect(outputOf(record)).toBe("42");
    const created = Date.parse(record.created_at as string);
    const started = Date.parse(record.started_at as string);
    expect(started).toBeGreaterThanOrEqual(created);
    expect(Date.parse(record.finished_at as string)).toBeGreaterThanOrEqual(started);
  });

  test("a job that prints 12,000 lines keeps the newest 10,000", async () => {
    const record = await w.run('for i in 0..12000 { print(i) } "done"');
    expect(outputOf(record)).toBe("done");
    const tail = await w.client.logTail(record.id, 0);
    expect(tail.lines).toHaveLength(10_000);
    expect(tail.lines[0]).toBe("2000");
    expect(tail.lines.at(-1)).toBe("11999");
    // A reader from the first line is told exactly how many lines are gone.
    expect(tail.dropped).toBe(2000);
    expect(tail.next).toBe(12_000);
  }, 60_000);

  test("600k appends of 10 bytes finish", async () => {
    const record = await w.run(
      'let out = ""; for i in 0..600000 { out += "abcdefghij"; } out.len()',
      { timeout: 60 },
    );
    expect(outputOf(record)).toBe("6000000");
  }, 90_000);
});

describe("docs/operations.md: Redis unreachable at start", () => {
  test("the runner does not exit: it says so and keeps retrying", async () => {
    const page = readFileSync(new URL("../../docs/operations.md", import.meta.url), "utf8");
    expect(page).toContain("A runner does not exit when Redis does not answer");
    expect(page).not.toContain("Redis\nunreachable at start, a crash");
    const proc = start(process.execPath, [
      distBin("runner_sal"),
      "r1",
      "--redis-url",
      "redis://127.0.0.1:1",
      "--trusted-keys",
      generateKeyPair().public_key,
    ]);
    try {
      await proc.waitFor("redis unreachable; retrying with backoff");
      // Several retry periods (at most 2 s each) later it is still there, not started.
      const exited = await Promise.race([
        proc.exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
      ]);
      expect(exited, proc.output()).toBe(false);
      expect(proc.output()).not.toContain("runner started");
    } finally {
      await proc.stop("SIGKILL");
    }
  }, 30_000);
});

describe("per-job caps", () => {
  test("an output over --max-result-bytes ends the job as an error saying so", async () => {
    const ok = await capped.run('let s = ""; s.pad(100, "y"); s');
    expect(outputOf(ok)).toHaveLength(100);
    const record = await capped.run('let s = ""; s.pad(101, "y"); s');
    expect(record).toMatchObject({
      status: "error",
      error_kind: "resources",
      error: "the job's output is 101 bytes; this runner keeps at most 100 (--max-result-bytes)",
    });
  });

  test("the log keeps its newest lines within --max-log-bytes", async () => {
    // 100 lines of 100 bytes ("line N" and dots): 2048 bytes hold the newest 20.
    const record = await capped.run(
      'for i in 0..100 { let s = "line " + i.to_string(); s.pad(100, "."); print(s) } ""',
    );
    expect(record.status).toBe("finished");
    const tail = await capped.client.logTail(record.id, 0);
    expect(tail.lines).toHaveLength(20);
    expect(tail.lines.at(-1)?.startsWith("line 99")).toBe(true);
    expect(tail.dropped).toBe(80);
    expect(tail.next).toBe(100);
  });

  test("bad cap values are usage errors naming the flag", async () => {
    const key = generateKeyPair().public_key;
    for (const [flag, value] of [
      ["--max-log-bytes", "100"],
      ["--max-log-bytes", "4MiB"],
      ["--max-result-bytes", "0"],
      ["--max-result-bytes", "1e3"],
    ] as const) {
      const r = await runToEnd(process.execPath, [
        distBin("runner_sal"),
        "r1",
        "--trusted-keys",
        key,
        flag,
        value,
      ]);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stderr).toContain(`runner_sal: ${flag}: expected a whole number of bytes from`);
    }
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} in plain strings is Rhai interpolation
// runner_sal as a real process with tiny scripts, which the sandbox answers without a worker
// (src/sandbox/inline.ts): the same records as through a worker, failures included, and
// scripts that print still logging through a worker.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testRedis } from "../helpers/redis.js";
import { outputOf, type RunnerWorld, runnerWorld } from "./helpers.js";

let redis: Redis;
let w: RunnerWorld;

beforeAll(async () => {
  redis = testRedis();
  w = await runnerWorld("runner_sal", redis, { args: ["--concurrency", "2"] });
});
afterAll(async () => {
  await w.close();
  await redis.quit();
});

describe("runner_sal: tiny scripts", () => {
  test("answer with the job's world", async () => {
    expect(outputOf(await w.run("40 + 2"))).toBe("42");
    const record = await w.run('`${JOB_ID} ${ENV.GREETING ?? "none"}!`', {
      env_vars: { GREETING: "hey" },
    });
    expect(outputOf(record)).toBe(`${record.id} hey!`);
  });

  test("fail as a worker fails them: kind script, message and position", async () => {
    const record = await w.run("let a = 1;\nlet b = a / 0;");
    expect(record).toMatchObject({ status: "error", error_kind: "script" });
    expect(record.error).toMatch(/zero/i);
    expect(record.error).toMatch(/line 2/);
  });

  test("a script that prints goes to a worker and its lines reach the job's log", async () => {
    const record = await w.run('print("from the script"); 1 + 1');
    expect(outputOf(record)).toBe("2");
    expect(await w.client.logs(record.id)).toContain("from the script");
  });
});

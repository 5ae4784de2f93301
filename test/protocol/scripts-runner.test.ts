// Script calls made in one tick go out as one pipeline; each still gets its own answer, and
// scripts Redis has forgotten (SCRIPT FLUSH, a restart) are loaded again. Runs on a Redis of
// its own, since it flushes the script cache.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ScriptDef } from "../../src/protocol/scripts.js";
import { runScript, runScriptBatched } from "../../src/protocol/scripts-runner.js";
import { OwnRedis } from "../helpers/redis-server.js";

const INCR: ScriptDef = {
  name: "testIncr",
  keys: 1,
  lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
};
const FAIL_ON_NEGATIVE: ScriptDef = {
  name: "testFail",
  keys: 1,
  lua: "if tonumber(ARGV[1]) < 0 then return redis.error_reply('negative: ' .. ARGV[1]) end return ARGV[1]",
};

let server: OwnRedis;
let redis: Redis;

beforeAll(async () => {
  server = await OwnRedis.start();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await server.destroy();
});

describe("script calls", () => {
  test("calls of one tick share a pipeline and each gets its own reply, in order", async () => {
    await redis.script("FLUSH");
    const replies = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => runScriptBatched(redis, INCR, ["counter"], [n])),
    );
    expect(replies).toEqual([1, 3, 6, 10, 15]);
    // The flushed cache made every EVALSHA answer NOSCRIPT; each call was retried on its own.
    // Now that the script is loaded, a second round goes through the pipeline alone.
    const again = await Promise.all(
      [1, 1].map((n) => runScriptBatched(redis, INCR, ["counter"], [n])),
    );
    expect(again).toEqual([16, 17]);
  });

  test("an error answers only its own call", async () => {
    const results = await Promise.allSettled([
      runScriptBatched(redis, FAIL_ON_NEGATIVE, ["k"], [1]),
      runScriptBatched(redis, FAIL_ON_NEGATIVE, ["k"], [-2]),
      runScriptBatched(redis, FAIL_ON_NEGATIVE, ["k"], [3]),
    ]);
    expect(results[0]).toEqual({ status: "fulfilled", value: "1" });
    expect(results[1]?.status).toBe("rejected");
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain("negative: -2");
    expect(results[2]).toEqual({ status: "fulfilled", value: "3" });
  });

  test("a single call after a flush loads the script again", async () => {
    await redis.script("FLUSH");
    expect(await runScript(redis, INCR, ["single"], [5])).toBe(5);
    expect(await runScriptBatched(redis, INCR, ["single"], [5])).toBe(10);
  });

  test("a wrong key count is refused before anything is sent", () => {
    expect(() => runScriptBatched(redis, INCR, [], [1])).toThrow("testIncr takes 1 keys, got 0");
  });
});

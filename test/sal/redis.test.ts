import { type AddressInfo, createServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "vitest";
import { Float, RhaiRuntimeError, type Value } from "../../src/rhai/index.js";
import { redisModule } from "../../src/sal/index.js";
import { callMain, mainContext, rejection, type TestMainContext } from "./helpers.js";

const direct = new Redis("redis://127.0.0.1:6379", { lazyConnect: true });
const shared = new Map<string, unknown>(); // one runner's state, across the tests' jobs
let ctx: TestMainContext;
let prefix: string;
const redis = (name: string, ...args: Value[]) => callMain(redisModule, ctx, name, ...args);

beforeEach(() => {
  prefix = `sal-test:${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2)}:`;
  ctx = mainContext({}, shared);
});
afterEach(async () => {
  await ctx.end();
  for (const db of [0, 5]) {
    await direct.select(db);
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length > 0) await direct.del(...keys);
  }
  await direct.select(0);
});
afterAll(async () => {
  await redisModule.close?.(shared);
  expect(shared.size).toBe(0);
  direct.disconnect();
});

describe("redis", () => {
  test("ping", async () => {
    expect(await redis("redis_ping")).toBe("PONG");
  });

  test("strings: set, get, del; numbers are stored as text; missing is ()", async () => {
    expect(await redis("redis_set", `${prefix}s`, "v1")).toBe(true);
    expect(await redis("redis_get", `${prefix}s`)).toBe("v1");
    expect(await direct.get(`${prefix}s`)).toBe("v1");
    await redis("redis_set", `${prefix}n`, 42);
    await redis("redis_set", `${prefix}f`, new Float(1.5));
    expect(await redis("redis_get", `${prefix}n`)).toBe("42");
    expect(await redis("redis_get", `${prefix}f`)).toBe("1.5");
    expect(await redis("redis_del", `${prefix}s`)).toBe(true);
    expect(await redis("redis_del", `${prefix}s`)).toBe(false);
    expect(await redis("redis_get", `${prefix}s`)).toBeUndefined();
  });

  test("hashes: hset, hget, hgetall, hdel", async () => {
    const key = `${prefix}h`;
    await redis("redis_hset", key, "name", "Ann");
    await redis("redis_hset", key, "age", 41);
    expect(await redis("redis_hget", key, "name")).toBe("Ann");
    expect(await redis("redis_hgetall", key)).toEqual(
      new Map([
        ["name", "Ann"],
        ["age", "41"],
      ]),
    );
    expect(await redis("redis_hdel", key, "age")).toBe(true);
    expect(await redis("redis_hdel", key, "age")).toBe(false);
    expect(await redis("redis_hget", key, "age")).toBeUndefined();
    expect(await redis("redis_hgetall", `${prefix}none`)).toEqual(new Map());
  });

  test("lists: rpush, lpush, llen, lrange", async () => {
    const key = `${prefix}l`;
    expect(await redis("redis_rpush", key, "b")).toBe(1);
    expect(await redis("redis_rpush", key, "c")).toBe(2);
    expect(await redis("redis_lpush", key, "a")).toBe(3);
    expect(await redis("redis_llen", key)).toBe(3);
    expect(await redis("redis_lrange", key, 0, -1)).toEqual(["a", "b", "c"]);
    expect(await redis("redis_lrange", key, -2, -1)).toEqual(["b", "c"]);
  });

  test("bad values and keys are errors", async () => {
    const e = await rejection(redis("redis_set", `${prefix}x`, [1, 2]));
    expect(e).toBeInstanceOf(RhaiRuntimeError);
    expect(e.message).toBe("redis_set: can store a string, number or bool, not array");
    expect((await rejection(redis("redis_get", ""))).message).toBe(
      "redis_get: the key must not be empty",
    );
  });

  test("a wrong type is Redis's own error, named", async () => {
    await redis("redis_set", `${prefix}str`, "x");
    const e = await rejection(redis("redis_llen", `${prefix}str`));
    expect(e.message).toMatch(/^redis_llen: Redis at redis:\/\/127\.0\.0\.1:6379: WRONGTYPE/);
  });

  test("the job's REDIS_URL chooses the server and database; the connection is reused", async () => {
    const job = mainContext({ envVars: { REDIS_URL: "redis://127.0.0.1:6379/5" } }, shared);
    await callMain(redisModule, job, "redis_set", `${prefix}db5`, "five");
    await direct.select(5);
    expect(await direct.get(`${prefix}db5`)).toBe("five");
    await direct.select(0);
    expect(await direct.get(`${prefix}db5`)).toBeNull();
    await job.end();
    const clients = [...shared.keys()].filter((k) => k.startsWith("redis-client:"));
    await redis("redis_ping");
    expect([...shared.keys()].filter((k) => k.startsWith("redis-client:"))).toEqual(clients);
  });

  test("an unreachable server is a quick, clear error (password hidden)", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as AddressInfo;
    await new Promise((r) => s.close(r));
    const own = new Map<string, unknown>();
    const job = mainContext({ envVars: { REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` } }, own);
    const started = Date.now();
    const e = await rejection(callMain(redisModule, job, "redis_get", "k"));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(e.message).toBe(
      `redis_get: Redis at redis://:***@127.0.0.1:${port}: cannot connect: ECONNREFUSED`,
    );
    expect(e.message).not.toContain("hunter2");
    await job.end();
    await redisModule.close?.(own);
  });
});

// Script calls made in one tick go out in one write (or in another connection's, carried);
// each still gets its own answer, and scripts Redis has forgotten (SCRIPT FLUSH, a restart)
// are loaded again. Runs on a Redis of
// its own, since it flushes the script cache.
import { type Command, Redis, type RedisOptions } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sendTogether, textCommand } from "../../src/protocol/one-write.js";
import type { ScriptDef } from "../../src/protocol/scripts.js";
import {
  carryBatchedCalls,
  runScript,
  runScriptBatched,
} from "../../src/protocol/scripts-runner.js";
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

/** INCR's `many` form: one INCRBY per item, an item's error (a non-number) answered alone. */
const INCR_MANY: ScriptDef = {
  name: "testIncrMany",
  keys: 1,
  keysPerItem: true,
  lua: `local out = {}
for i = 1, #KEYS do
  local ok, v = pcall(redis.call, 'INCRBY', KEYS[i], ARGV[i])
  out[i] = ok and v or {err = type(v) == 'table' and v.err or tostring(v)}
end
return out`,
};
const INCR_MERGED: ScriptDef = { ...INCR, name: "testIncrMerged", many: INCR_MANY };

/** Script calls as Redis received them on `redis`: the script's SHA and key count. */
function recordScriptCalls(redis: Redis): string[][] {
  const seen: string[][] = [];
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Command, ...rest: unknown[]) => {
    if (command.name === "evalsha" || command.name === "eval")
      seen.push(command.args.map(String).slice(0, 2));
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof redis.sendCommand;
  return seen;
}

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
  test("calls of one tick share a write and each gets its own reply, in order", async () => {
    await redis.script("FLUSH");
    const replies = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => runScriptBatched(redis, INCR, ["counter"], [n])),
    );
    expect(replies).toEqual([1, 3, 6, 10, 15]);
    // The flushed cache made every EVALSHA answer NOSCRIPT; each call was retried on its own.
    // Now that the script is loaded, a second round goes through in the one write alone.
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

describe("calls of a script with a `many` form", () => {
  test("one tick's calls go as one call of it, each answered with its own reply", async () => {
    const conn = new Redis(server.url);
    try {
      await runScript(conn, INCR_MANY, ["m:a"], [0]);
      const seen = recordScriptCalls(conn);
      const replies = await Promise.all([
        runScriptBatched(conn, INCR_MERGED, ["m:a"], [1]),
        runScriptBatched(conn, INCR, ["m:plain"], [1]),
        runScriptBatched(conn, INCR_MERGED, ["m:b"], [10]),
        runScriptBatched(conn, INCR_MERGED, ["m:a"], [100]),
      ]);
      expect(replies).toEqual([1, 1, 10, 101]);
      // The merged call stands where its first call was, with every item's keys.
      expect(seen.map((c) => c[1])).toEqual(["3", "1"]);
    } finally {
      conn.disconnect();
    }
  });

  test("an item's own error answers only that call", async () => {
    await redis.set("m:text", "not a number");
    const results = await Promise.allSettled([
      runScriptBatched(redis, INCR_MERGED, ["m:c"], [1]),
      runScriptBatched(redis, INCR_MERGED, ["m:text"], [1]),
      runScriptBatched(redis, INCR_MERGED, ["m:c"], [2]),
    ]);
    expect(results[0]).toEqual({ status: "fulfilled", value: 1 });
    expect(results[1]?.status).toBe("rejected");
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain("not an integer");
    expect(results[2]).toEqual({ status: "fulfilled", value: 3 });
  });

  test("after a script flush each call runs again alone, once", async () => {
    await redis.script("FLUSH");
    const replies = await Promise.all(
      [5, 6].map((n) => runScriptBatched(redis, INCR_MERGED, ["m:flushed"], [n])),
    );
    expect(replies).toEqual([5, 11]);
    expect(await redis.get("m:flushed")).toBe("11");
  });

  test("arguments given as a function are read when the tick's calls are sent", async () => {
    const args: number[] = [1];
    const call = runScriptBatched(redis, INCR, ["m:lazy"], () => args);
    args[0] = 42;
    expect(await call).toBe(42);
  });
});

describe("calls carried by another connection's write", () => {
  /** One write on `carrier` that carries this tick's calls of `from`, then `more`. */
  function carry(from: Redis, carrier: Redis, ...more: Command[]) {
    return sendTogether(carrier, [...carryBatchedCalls(from), ...more]);
  }

  /** Runs `body` with the connection whose calls are carried and the carrier; closes both. */
  async function withPair(
    body: (from: Redis, carrier: Redis) => Promise<void>,
    carrierOptions: RedisOptions = {},
  ): Promise<void> {
    const from = new Redis(server.url);
    const carrier = new Redis(server.url, carrierOptions);
    try {
      await body(from, carrier);
    } finally {
      from.disconnect();
      carrier.disconnect();
    }
  }

  test("go out ahead of a blocking command and settle before it answers, once each", () =>
    withPair(async (from, carrier) => {
      await runScript(from, INCR, ["warm"], [1]);
      // `from` is busy in a blocking command: nothing sent on it could run before it ends.
      const busy = from.blpop("carry:busy", 0);
      const calls = [1, 2].map((n) => runScriptBatched(from, INCR, ["carry:counter"], [n]));
      const blocked = carry(from, carrier, textCommand("blpop", "carry:wake", 0));
      expect(await Promise.all(calls)).toEqual([1, 3]);
      await redis.rpush("carry:wake", "x");
      await blocked;
      // Had the flush the calls scheduled on `from` sent them too, they would run once its
      // BLPOP ends and before its next command answers: each ran once.
      await redis.rpush("carry:busy", "x");
      await busy;
      await from.ping();
      expect(await redis.get("carry:counter")).toBe("3");
    }));

  test("a call whose script was forgotten runs again on its own connection", () =>
    withPair(async (from, carrier) => {
      await redis.script("FLUSH");
      const call = runScriptBatched(from, INCR, ["carry:flushed"], [7]);
      await carry(from, carrier, textCommand("ping"));
      expect(await call).toBe(7);
    }));

  test("a call whose carrier is closed runs again on its own connection", () =>
    withPair(
      async (from, carrier) => {
        const call = runScriptBatched(from, INCR, ["carry:closed"], [4]);
        await carry(from, carrier, textCommand("ping")).catch(() => {});
        expect(await call).toBe(4);
        expect(await redis.get("carry:closed")).toBe("4");
      },
      { lazyConnect: true, enableOfflineQueue: false },
    ));

  test("merged calls are carried as one call and each settles", () =>
    withPair(async (from, carrier) => {
      await runScript(from, INCR_MANY, ["carry:m"], [0]);
      const calls = [3, 4].map((n) => runScriptBatched(from, INCR_MERGED, ["carry:m"], [n]));
      const carried = carryBatchedCalls(from);
      expect(carried).toHaveLength(1);
      await sendTogether(carrier, carried);
      expect(await Promise.all(calls)).toEqual([3, 7]);
    }));

  test("a script's own error answers its call and is not run again", () =>
    withPair(async (from, carrier) => {
      await runScript(from, FAIL_ON_NEGATIVE, ["k"], [1]);
      const failing = runScriptBatched(from, FAIL_ON_NEGATIVE, ["k"], [-5]);
      const counted = runScriptBatched(from, INCR, ["carry:after-error"], [2]);
      await carry(from, carrier, textCommand("ping"));
      await expect(failing).rejects.toThrow("negative: -5");
      expect(await counted).toBe(2);
    }));
});

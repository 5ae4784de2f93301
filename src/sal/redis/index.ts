// The `redis` host module: strings, hashes and lists in a Redis chosen by the job (its
// REDIS_URL env var) or the runner. Missing keys and fields read as `()`.

import type { Redis } from "ioredis";
import {
  argInt,
  argString,
  type HostModule,
  hostError,
  type MainFunction,
  type MainSideContext,
  mainFn,
  scalarText,
} from "../../host/index.js";
import { typeName, type Value } from "../../rhai/index.js";
import {
  closeRedisClients,
  redisClient,
  redisFailure,
  redisUrl,
  resetRedisClient,
  safeUrl,
} from "./connection.js";

/** A value to store: strings as they are, numbers and bools as their text. */
function storable(fn: string, v: Value): string {
  const text = scalarText(v);
  if (text !== undefined) return text;
  throw hostError(fn, `can store a string, number or bool, not ${typeName(v)}`);
}

function key(fn: string, args: readonly Value[], i = 0): string {
  const k = argString(fn, args, i, "key");
  if (k === "") throw hostError(fn, "the key must not be empty");
  return k;
}

/** Declares a Redis function: runs `body` with the job's client, errors named and explained. */
function redisFn(
  spec: Omit<MainFunction, "side" | "run">,
  body: (client: Redis, args: readonly Value[], fn: string) => Promise<Value>,
): MainFunction {
  return mainFn({
    ...spec,
    run: async (ctx: MainSideContext, args) => {
      const client = await redisClient(ctx);
      try {
        return await body(client, args, spec.name);
      } catch (e) {
        if (e instanceof Error && e.name === "RhaiRuntimeError") throw e;
        throw hostError(
          spec.name,
          `Redis at ${safeUrl(redisUrl(ctx))}: ${redisFailure(client, e)}`,
        );
      }
    },
  });
}

const nullToUnit = (v: string | null): Value => (v === null ? undefined : v);

const redisModule: HostModule = {
  name: "redis",
  description:
    "Redis commands on strings, hashes and lists. The server is the job's `REDIS_URL` env var, else the runner's data Redis, else redis://127.0.0.1:6379; scripts get their own connection, never the runner's queue connection. Values are stored as text; reading a missing key or field gives `()`.",
  functions: [
    redisFn(
      {
        name: "redis_ping",
        params: [],
        returns: "string",
        doc: 'Checks the connection: "PONG".',
        example: "print(redis_ping());",
      },
      (c) => c.ping(),
    ),
    mainFn({
      name: "redis_reset",
      params: [],
      returns: "bool",
      doc: "Closes the connection to the job's Redis; the next redis_* call opens a new one (after a server restart or a failover, say).",
      example: "redis_reset(); print(redis_ping());",
      run: async (ctx) => {
        await resetRedisClient(ctx);
        return true;
      },
    }),
    redisFn(
      {
        name: "redis_set",
        params: ["string", "any"],
        returns: "bool",
        doc: "Sets a key to a string (numbers and bools are stored as text).",
        example: 'redis_set("app:version", "1.2.0");',
      },
      async (c, a, fn) => (await c.set(key(fn, a), storable(fn, a[1]))) === "OK",
    ),
    redisFn(
      {
        name: "redis_get",
        params: ["string"],
        returns: "string or ()",
        doc: "The string at a key, or `()` when it does not exist.",
        example: 'let v = redis_get("app:version"); if v == () { print("unset"); }',
      },
      async (c, a, fn) => nullToUnit(await c.get(key(fn, a))),
    ),
    redisFn(
      {
        name: "redis_del",
        params: ["string"],
        returns: "bool",
        doc: "Deletes a key; true if it existed.",
        example: 'redis_del("app:version");',
      },
      async (c, a, fn) => (await c.del(key(fn, a))) > 0,
    ),
    redisFn(
      {
        name: "redis_hset",
        params: ["string", "string", "any"],
        returns: "bool",
        doc: "Sets a field of a hash (created if needed).",
        example: 'redis_hset("user:1", "name", "Ann");',
      },
      async (c, a, fn) => {
        await c.hset(key(fn, a), argString(fn, a, 1, "field"), storable(fn, a[2]));
        return true;
      },
    ),
    redisFn(
      {
        name: "redis_hget",
        params: ["string", "string"],
        returns: "string or ()",
        doc: "A field of a hash, or `()` when the hash or field does not exist.",
        example: 'let name = redis_hget("user:1", "name");',
      },
      async (c, a, fn) => nullToUnit(await c.hget(key(fn, a), argString(fn, a, 1, "field"))),
    ),
    redisFn(
      {
        name: "redis_hgetall",
        params: ["string"],
        returns: "map",
        doc: "Every field of a hash as a map (empty when the hash does not exist).",
        example: 'let user = redis_hgetall("user:1"); print(user.name);',
      },
      async (c, a, fn) => new Map<string, Value>(Object.entries(await c.hgetall(key(fn, a)))),
    ),
    redisFn(
      {
        name: "redis_hdel",
        params: ["string", "string"],
        returns: "bool",
        doc: "Deletes a field of a hash; true if it existed.",
        example: 'redis_hdel("user:1", "name");',
      },
      async (c, a, fn) => (await c.hdel(key(fn, a), argString(fn, a, 1, "field"))) > 0,
    ),
    redisFn(
      {
        name: "redis_rpush",
        params: ["string", "any"],
        returns: "i64",
        doc: "Appends a value to a list; returns the list's new length.",
        example: 'redis_rpush("queue", "job-1");',
      },
      (c, a, fn) => c.rpush(key(fn, a), storable(fn, a[1])),
    ),
    redisFn(
      {
        name: "redis_lpush",
        params: ["string", "any"],
        returns: "i64",
        doc: "Prepends a value to a list; returns the list's new length.",
        example: 'redis_lpush("queue", "urgent");',
      },
      (c, a, fn) => c.lpush(key(fn, a), storable(fn, a[1])),
    ),
    redisFn(
      {
        name: "redis_llen",
        params: ["string"],
        returns: "i64",
        doc: "Length of a list (0 when it does not exist).",
        example: 'print(redis_llen("queue"));',
      },
      (c, a, fn) => c.llen(key(fn, a)),
    ),
    redisFn(
      {
        name: "redis_lrange",
        params: ["string", "i64", "i64"],
        returns: "array",
        doc: "Elements of a list from start to stop, both included; negative indexes count from the end (-1 is the last).",
        example: 'let all = redis_lrange("queue", 0, -1);',
      },
      (c, a, fn) => c.lrange(key(fn, a), argInt(fn, a, 1, "start"), argInt(fn, a, 2, "stop")),
    ),
  ],
  close: closeRedisClients,
};

export default redisModule;

// SUBMIT_MANY (JobStore.submitMany): many jobs in one script call per chunk, all chunks in one
// write, each job stored exactly as SUBMIT stores it and refused on its own. Against the
// real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, type Job, signBatch } from "../../src/job/index.js";
import {
  JobStore,
  RedisKeys,
  SUBMIT_MANY_MAX_JOBS,
  type SubmitOutcome,
  submitMany,
} from "../../src/protocol/index.js";
import { SUBMIT_MANY } from "../../src/protocol/scripts.js";
import { runScript } from "../../src/protocol/scripts-runner.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";

const key = generateKeyPair();
let redis: Redis;
const namespaces: string[] = [];

beforeAll(() => {
  redis = testRedis();
});
afterEach(async () => {
  while (namespaces.length > 0) await dropNamespace(redis, namespaces.pop() as string);
});
afterAll(async () => {
  await redis.quit();
});

function namespace(label: string): { ns: string; store: JobStore; keys: RedisKeys } {
  const ns = uniqueNamespace(label);
  namespaces.push(ns);
  return { ns, store: new JobStore(redis, ns), keys: new RedisKeys(ns) };
}

/** Counts the writes the connection's socket makes while `body` runs. */
async function countWrites(conn: Redis, body: () => Promise<void>): Promise<number> {
  await conn.ping();
  const socket = (conn as unknown as { stream: Record<string, (...a: unknown[]) => void> }).stream;
  let writes = 0;
  const original = { write: socket._write, writev: socket._writev };
  socket._write = function (this: unknown, ...args: unknown[]) {
    writes += 1;
    return original.write?.apply(this, args);
  };
  socket._writev = function (this: unknown, ...args: unknown[]) {
    writes += 1;
    return original.writev?.apply(this, args);
  };
  try {
    await body();
  } finally {
    socket._write = original.write as (...a: unknown[]) => void;
    socket._writev = original.writev as (...a: unknown[]) => void;
  }
  return writes;
}

/** Jobs of every kind SUBMIT tells apart: plain, other priorities, due later, for 2 runners. */
function mixedJobs(n: number): Job[] {
  const later = new Date(Date.now() + 3_600_000).toISOString();
  return signBatch(
    Array.from({ length: n }, (_, i) =>
      createJob({
        payload: `echo ${i}`,
        runner: i % 7 === 0 ? "other" : "r1",
        ...(i % 3 === 1 ? { priority: i % 10 } : {}),
        ...(i % 11 === 5 ? { run_at: later } : {}),
      }),
    ),
    key.private_key,
  );
}

/** Everything SUBMIT writes, with the namespace taken out of names. */
async function snapshot(ns: string, list: Job[]): Promise<unknown> {
  const keys = new RedisKeys(ns);
  const out: Record<string, unknown> = {};
  for (const runner of ["r1", "other"]) {
    out[`${runner} queue`] = await redis.lrange(keys.queue(runner), 0, -1);
    for (let p = 0; p <= 9; p++)
      out[`${runner} p${p}`] = await redis.lrange(keys.queueAt(runner, p), 0, -1);
    out[`${runner} prios`] = await redis.zrange(keys.priorities(runner), "0", "-1", "WITHSCORES");
    out[`${runner} delayed`] = await redis.zrange(keys.delayed(runner), "0", "-1", "WITHSCORES");
  }
  out.index = (await redis.zrange(keys.jobs(), "0", "-1")).sort();
  out.hashes = await Promise.all(list.map((j) => redis.hgetall(keys.job(j.id))));
  out.events = (await redis.xrange(keys.events(), "-", "+")).map(([, fields]) => fields);
  return out;
}

describe("SUBMIT_MANY", () => {
  test("stores every job exactly as SUBMIT does, one at a time", async () => {
    const list = mixedJobs(40);
    const one = namespace("submit-one");
    const many = namespace("submit-many");
    for (const job of list) await one.store.submit(job);
    const outcomes = await submitMany(many.store, list);
    expect(outcomes).toEqual(list.map((j) => ({ id: j.id, outcome: "stored" })));
    expect(await snapshot(many.ns, list)).toEqual(await snapshot(one.ns, list));
  });

  test("refuses each job on its own: an id that exists, one claimed, one twice in the call", async () => {
    const { store, keys } = namespace("submit-refused");
    const list = mixedJobs(6);
    const [a, b, c] = list as [Job, Job, Job];
    await store.submit(a);
    await redis.set(keys.claim(b.id), "some-instance");
    const outcomes = await submitMany(store, [...list, c]);
    expect(outcomes.map((o) => o.outcome)).toEqual([
      "exists",
      "claimed",
      "stored",
      "stored",
      "stored",
      "stored",
      "exists",
    ]);
    // The refused ones are untouched; the others are there.
    expect(await redis.hget(keys.job(b.id), "status")).toBeNull();
    for (const job of list.slice(2))
      expect(await redis.hget(keys.job(job.id), "id"), job.id).toBe(job.id);
  });

  test("many jobs: calls of at most SUBMIT_MANY_MAX_JOBS, all in one write", async () => {
    const { store, keys } = namespace("submit-chunks");
    const conn = testRedis();
    const connStore = new JobStore(conn, store.keys.namespace);
    try {
      const list = signBatch(
        Array.from({ length: SUBMIT_MANY_MAX_JOBS * 2 + 50 }, (_, i) =>
          createJob({ payload: `echo ${i}`, runner: "r1" }),
        ),
        key.private_key,
      );
      // A first call loads the script, so the count below is not a NOSCRIPT retry's.
      await submitMany(connStore, list.slice(0, 1));
      let outcomes: SubmitOutcome[] = [];
      let evals = 0;
      const sendCommand = conn.sendCommand.bind(conn);
      conn.sendCommand = ((command: { name: string }) => {
        if (command.name === "evalsha") evals += 1;
        return sendCommand(command as never);
      }) as typeof conn.sendCommand;
      const writes = await countWrites(conn, async () => {
        outcomes = await submitMany(connStore, list.slice(1));
      });
      expect(evals).toBe(3);
      expect(writes).toBe(1);
      expect(outcomes.every((o) => o.outcome === "stored")).toBe(true);
      expect(await redis.llen(keys.queue("r1"))).toBe(list.length);
    } finally {
      conn.disconnect();
    }
  });

  test("a large job goes in a call of its own", async () => {
    const { store } = namespace("submit-large");
    const conn = testRedis();
    const connStore = new JobStore(conn, store.keys.namespace);
    try {
      const big = "x".repeat(700 * 1024);
      const list = signBatch(
        [big, "echo small", big, "echo small"].map((payload) =>
          createJob({ payload, runner: "r1" }),
        ),
        key.private_key,
      );
      await submitMany(
        connStore,
        list.slice(0, 1).map((j) => ({ ...j, id: `${j.id}-warm` })),
      );
      let evals = 0;
      const sendCommand = conn.sendCommand.bind(conn);
      conn.sendCommand = ((command: { name: string }) => {
        if (command.name === "evalsha") evals += 1;
        return sendCommand(command as never);
      }) as typeof conn.sendCommand;
      const outcomes = await submitMany(connStore, list);
      expect(outcomes.every((o) => o.outcome === "stored")).toBe(true);
      // [big, small] and [big, small]: never two big ones in one call.
      expect(evals).toBe(2);
    } finally {
      conn.disconnect();
    }
  });

  test("a malformed call is refused before anything is written", async () => {
    const { ns, keys } = namespace("submit-malformed");
    const [job] = mixedJobs(1) as [Job];
    const k = [
      keys.job(job.id),
      keys.queue("r1"),
      keys.reply(job.id),
      keys.claim(job.id),
      keys.delayed("r1"),
    ];
    await expect(
      runScript(redis, SUBMIT_MANY, [...k, ...k], [job.id, "0", "", "c", "2", "id", job.id]),
    ).rejects.toThrow("SUBMIT_MANY: job 2 has no field count");
    await expect(
      runScript(redis, SUBMIT_MANY, k, [job.id, "0", "", "c", "2", "id", job.id, "extra"]),
    ).rejects.toThrow("ARGV does not hold KEYS/5 jobs");
    expect(await redis.keys(`${ns}:*`)).toEqual([]);
  });
});

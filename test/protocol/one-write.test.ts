// Commands sent together leave in one write and each settles with its own reply; the paths
// every job takes (a runner's blocking take, a client's submit-and-wait, a record read) go
// without an ioredis Pipeline (see src/protocol/one-write.ts). Against the real Redis.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { JobStore } from "../../src/protocol/index.js";
import { sendTogether, textCommand, writeTogether } from "../../src/protocol/one-write.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

let redis: Redis;

beforeAll(() => {
  redis = testRedis();
});
afterAll(() => {
  redis.disconnect();
});

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

describe("commands sent together", () => {
  test("leave in one write and answer each with its own reply or error, in order", async () => {
    const ns = uniqueNamespace("one-write");
    const conn = testRedis();
    try {
      let replies: unknown[] = [];
      const writes = await countWrites(conn, async () => {
        replies = await sendTogether(conn, [
          textCommand("set", `${ns}:a`, "1"),
          textCommand("incr", `${ns}:a`),
          textCommand("hget", `${ns}:a`, "f"),
          textCommand("get", `${ns}:a`),
        ]);
      });
      expect(writes).toBe(1);
      expect(replies[0]).toEqual([null, "OK"]);
      expect(replies[1]).toEqual([null, 2]);
      expect(String((replies[2] as [Error])[0])).toContain("WRONGTYPE");
      expect(replies[3]).toEqual([null, "2"]);
    } finally {
      await dropNamespace(redis, ns);
      conn.disconnect();
    }
  });

  test("sent before the connection is up, wait for it and are answered", async () => {
    const conn = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      const commands = [textCommand("echo", "first"), textCommand("echo", "second")];
      writeTogether(conn, commands);
      expect(await Promise.all(commands.map((c) => c.promise))).toEqual(["first", "second"]);
    } finally {
      conn.disconnect();
    }
  });
});

describe("the paths every job takes", () => {
  test("make no ioredis Pipeline: a blocking take, a submit-and-wait, a record read", async () => {
    const ns = uniqueNamespace("one-write");
    const conn = testRedis();
    const blocking = testRedis();
    const store = new JobStore(conn, ns);
    const made: string[] = [];
    for (const [name, c] of [
      ["commands", conn],
      ["blocking", blocking],
    ] as const) {
      const pipeline = c.pipeline.bind(c);
      c.pipeline = (...args: Parameters<Redis["pipeline"]>) => {
        made.push(name);
        return pipeline(...args);
      };
    }
    try {
      const key = generateKeyPair();
      const job = signJob(createJob({ payload: "p", runner: "r1", timeout: 30 }), key.private_key);
      const waiting = store.submitAndWait(blocking, job, 5);
      const taken = await store.takeWaiting(
        conn,
        { runnerId: "r1", instance: "i1", max: 1, claimTtlS: 60 },
        1,
      );
      expect(taken.jobs.map((t) => [t.id, t.outcome])).toEqual([[job.id, "started"]]);
      await store.succeed(job.id, "done", {
        instance: "i1",
        mode: "holder",
        active: { runnerId: "r1", instance: "i1" },
        retentionS: 60,
      });
      expect((await waiting)?.status).toBe("finished");
      expect(await store.record(job.id)).toMatchObject({ id: job.id, status: "finished" });
      expect(made).toEqual([]);
    } finally {
      await dropNamespace(redis, ns);
      conn.disconnect();
      blocking.disconnect();
    }
  });
});

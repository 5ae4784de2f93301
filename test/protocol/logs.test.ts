// A job's log keeps its newest lines; line numbers count every line it ever logged, so a
// reader that asks "from line N on" keeps its place when old lines are trimmed, and is told
// how many it missed. Against the real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { JobStore } from "../../src/protocol/index.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const signer = generateKeyPair();
let redis: Redis;
const namespaces: string[] = [];
const clients: HorusClient[] = [];

beforeAll(() => {
  redis = testRedis();
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const ns of namespaces.splice(0)) await dropNamespace(redis, ns);
});
afterAll(() => redis.quit());

async function world() {
  const ns = uniqueNamespace("logs");
  namespaces.push(ns);
  const store = new JobStore(redis, ns);
  const job = signJob(createJob({ payload: "", runner: "r1", timeout: 30 }), signer.private_key);
  await store.store(job);
  /** Appends lines in order, keeping the newest `keep`. */
  const append = async (keep: number, ...lines: string[]) => {
    for (const line of lines) await store.appendLog(job.id, line, keep);
  };
  return { ns, store, id: job.id, append };
}

describe("job logs", () => {
  test("line numbers count every line logged, after the oldest are trimmed", async () => {
    const w = await world();
    await w.append(3, "l1", "l2", "l3", "l4", "l5");
    expect(await redis.lrange(w.store.keys.logs(w.id), 0, -1)).toEqual(["l3", "l4", "l5"]);
    expect(await w.store.logTail(w.id, 0)).toEqual({
      lines: ["l3", "l4", "l5"],
      next: 5,
      dropped: 2,
    });
    expect(await w.store.logTail(w.id, 3)).toEqual({ lines: ["l4", "l5"], next: 5, dropped: 0 });
    expect(await w.store.logTail(w.id, 5)).toEqual({ lines: [], next: 5, dropped: 0 });
    // Past the end: nothing, and where the end is.
    expect(await w.store.logTail(w.id, 99)).toEqual({ lines: [], next: 5, dropped: 0 });
    await w.append(3, "l6");
    expect(await w.store.logTail(w.id, 5)).toEqual({ lines: ["l6"], next: 6, dropped: 0 });
    expect(await w.store.logs(w.id, 4)).toEqual(["l5", "l6"]);
  });

  test("a log with no count (written by hand) reads as the list it is", async () => {
    const w = await world();
    await redis.rpush(w.store.keys.logs(w.id), "a", "b");
    expect(await w.store.logTail(w.id, 1)).toEqual({ lines: ["b"], next: 2, dropped: 0 });
    // A count that is no number is taken as none, and counting starts again from it.
    await redis.hset(w.store.keys.job(w.id), "log_lines", "lots");
    await w.append(10, "c");
    expect(await w.store.logTail(w.id, 0)).toEqual({
      lines: ["a", "b", "c"],
      next: 3,
      dropped: 0,
    });
  });

  test("a line for a job that is gone makes up no hash for it", async () => {
    const w = await world();
    await w.store.appendLog("no-such-job", "orphan line");
    expect(await redis.exists(w.store.keys.job("no-such-job"))).toBe(0);
    expect(await w.store.logs("no-such-job")).toEqual(["orphan line"]);
  });

  test("followLogs keeps following once the job's log trims its oldest lines", async () => {
    const w = await world();
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: w.ns });
    clients.push(client);
    await w.append(3, "l1", "l2", "l3");
    const got: string[] = [];
    let dropped = 0;
    const following = client.followLogs(
      w.id,
      (line) => got.push(line),
      10,
      (n) => {
        dropped += n;
      },
    );
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => got.length === 3);
    // The list is full: from here on each line pushes the oldest out.
    await w.append(3, "l4");
    await until(() => got.includes("l4"));
    expect(got).toEqual(["l1", "l2", "l3", "l4"]);
    await Promise.all(["l5", "l6", "l7", "l8", "l9"].map((l) => w.store.appendLog(w.id, l, 3)));
    await w.store.succeed(w.id, "done", { instance: "test", mode: "open", retentionS: 60 });
    const record = await following;
    expect(record.status).toBe("finished");
    // Every line once, in order, up to the last; what it could not read, it was told of.
    expect(got.at(-1)).toBe("l9");
    const numbers = got.map((l) => Number(l.slice(1)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(got.length + dropped).toBe(9);
  });
});

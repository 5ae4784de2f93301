// What one job may leave in Redis: a log within a byte budget (newest lines kept, line
// numbers still right) and a result within a size cap. Each at its edge, on the real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import {
  DEFAULT_MAX_LOG_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
  type JobCaps,
  JobStore,
} from "../../src/protocol/index.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";

const signer = generateKeyPair();
let redis: Redis;
const namespaces: string[] = [];

beforeAll(() => {
  redis = testRedis();
});
afterEach(async () => {
  for (const ns of namespaces.splice(0)) await dropNamespace(redis, ns);
});
afterAll(() => redis.quit());

async function world(caps: Partial<JobCaps>) {
  const ns = uniqueNamespace("caps");
  namespaces.push(ns);
  const store = new JobStore(redis, ns, caps);
  const job = signJob(createJob({ payload: "", runner: "r1", timeout: 30 }), signer.private_key);
  await store.submit(job);
  await redis.lmove(store.keys.queue("r1"), store.keys.active("r1", "i1"), "RIGHT", "LEFT");
  expect(await store.start(job.id, "r1", "i1", 60)).toBe("started");
  const end = { instance: "i1", mode: "holder" as const, retentionS: 60 };
  const logged = () => redis.lrange(store.keys.logs(job.id), 0, -1);
  return { store, id: job.id, end, logged };
}

describe("the log's byte budget", () => {
  test("defaults: 4 MiB of log, 1 MiB of result", async () => {
    const w = await world({});
    expect(w.store.caps).toEqual({ maxLogBytes: 4 * 1024 * 1024, maxResultBytes: 1024 * 1024 });
    expect([DEFAULT_MAX_LOG_BYTES, DEFAULT_MAX_RESULT_BYTES]).toEqual([4194304, 1048576]);
  });

  test("lines up to the budget stay; one byte over drops the oldest", async () => {
    const w = await world({ maxLogBytes: 10 });
    for (const line of ["aaa", "bbb", "cccc"]) await w.store.appendLog(w.id, line);
    // 3 + 3 + 4 = 10 bytes: exactly the budget.
    expect(await w.logged()).toEqual(["aaa", "bbb", "cccc"]);
    await w.store.appendLog(w.id, "d");
    expect(await w.logged()).toEqual(["bbb", "cccc", "d"]);
    expect(await redis.hget(w.store.keys.job(w.id), "log_bytes")).toBe("8");
    // Line numbers count every line: a reader from 0 is told one line is gone.
    expect(await w.store.logTail(w.id, 0)).toEqual({
      lines: ["bbb", "cccc", "d"],
      next: 4,
      dropped: 1,
    });
    expect(await w.store.logTail(w.id, 2)).toEqual({ lines: ["cccc", "d"], next: 4, dropped: 0 });
  });

  test("bytes are UTF-8 bytes, and the newest line stays even when it alone is over", async () => {
    const w = await world({ maxLogBytes: 6 });
    await w.store.appendLog(w.id, "éé"); // 4 bytes
    await w.store.appendLog(w.id, "xy"); // 6 in all
    expect(await w.logged()).toEqual(["éé", "xy"]);
    await w.store.appendLog(w.id, "€"); // 3 bytes: 9, the oldest goes
    expect(await w.logged()).toEqual(["xy", "€"]);
    await w.store.appendLog(w.id, "0123456789");
    expect(await w.logged()).toEqual(["0123456789"]);
    expect(await w.store.logTail(w.id, 0)).toEqual({
      lines: ["0123456789"],
      next: 4,
      dropped: 3,
    });
  });

  test("the line cap still applies within the budget", async () => {
    const w = await world({ maxLogBytes: 1000 });
    for (let i = 0; i < 6; i++) await w.store.appendLog(w.id, String(i), 4);
    expect(await w.logged()).toEqual(["2", "3", "4", "5"]);
  });
});

describe("the result's size cap", () => {
  test("an output of exactly the cap is kept", async () => {
    const w = await world({ maxResultBytes: 8 });
    expect(await w.store.succeed(w.id, "ab€€", w.end)).toBe("written"); // 2 + 3 + 3
    const record = await w.store.record(w.id);
    expect(record).toMatchObject({ status: "finished", result: { success: "ab€€" } });
  });

  test("one byte more ends the job as an error saying why", async () => {
    const w = await world({ maxResultBytes: 8 });
    expect(await w.store.succeed(w.id, "abc€€", w.end)).toBe("written");
    const record = await w.store.record(w.id);
    const message = "the job's output is 9 bytes; this runner keeps at most 8 (--max-result-bytes)";
    expect(record).toMatchObject({
      status: "error",
      error_kind: "resources",
      error: message,
      result: { error: message },
    });
  });
});

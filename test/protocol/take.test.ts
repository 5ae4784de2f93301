// TAKE: a runner instance moves jobs from its queue into its active list and starts them in
// one round trip; a blocking take waits in the instance's taking list for the first one.
// Hand-back returns what an instance holds. All against the real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { JobStore, type TakeRequest } from "../../src/protocol/index.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const key = generateKeyPair();
let redis: Redis;
let blocking: Redis;
const namespaces: string[] = [];

beforeAll(() => {
  redis = testRedis();
  blocking = testRedis(REDIS_URL);
});
afterEach(async () => {
  for (const ns of namespaces.splice(0)) await dropNamespace(redis, ns);
});
afterAll(() => {
  redis.disconnect();
  blocking.disconnect();
});

function world() {
  const ns = uniqueNamespace("take");
  namespaces.push(ns);
  const store = new JobStore(redis, ns);
  const request = (max: number): TakeRequest => ({
    runnerId: "r1",
    instance: "i1",
    max,
    claimTtlS: 3600,
  });
  const job = (payload = "echo hi"): Job =>
    signJob(createJob({ payload, runner: "r1", timeout: 30 }), key.private_key);
  return { ns, store, keys: store.keys, request, job };
}

describe("TAKE", () => {
  test("moves up to max jobs into the active list, oldest first, and starts each", async () => {
    const w = world();
    const jobs = [w.job("a"), w.job("b"), w.job("c")];
    for (const j of jobs) await w.store.submit(j);
    const taken = await w.store.takeAlong(w.request(2));
    expect(taken.jobs.map((t) => [t.id, t.outcome])).toEqual([
      [jobs[0]?.id, "started"],
      [jobs[1]?.id, "started"],
    ]);
    expect(taken.jobs[0]?.hash).toMatchObject({ payload: "a", status: "started", attempts: "1" });
    expect(await redis.lrange(w.keys.queue("r1"), 0, -1)).toEqual([jobs[2]?.id]);
    expect(await redis.lrange(w.keys.active("r1", "i1"), 0, -1)).toEqual([
      jobs[1]?.id,
      jobs[0]?.id,
    ]);
    const first = jobs[0] as Job;
    expect(await redis.get(w.keys.claim(first.id))).toBe("i1");
    // The claim outlives the maximum job age plus the job's own timeout.
    const ttl = await redis.ttl(w.keys.claim(first.id));
    expect(ttl).toBeGreaterThan(3600 + 30 - 5);
    expect(ttl).toBeLessThanOrEqual(3600 + 30);
  });

  test("says why it could not start: run before, cancelled, no job", async () => {
    const w = world();
    const replayed = w.job();
    await w.store.submit(replayed);
    await redis.set(w.keys.claim(replayed.id), "someone", "EX", 60);
    const cancelled = w.job();
    await w.store.submit(cancelled);
    // Cancelled while queued: its id stays in the queue until a runner takes it.
    expect(await w.store.cancel(cancelled.id)).toBe("cancelled");
    await redis.set(w.keys.result("other"), "{}");
    await redis.lpush(w.keys.queue("r1"), "other:result", "no-such-job", "not an id!");
    const taken = await w.store.takeAlong(w.request(10));
    expect(taken.jobs.map((t) => [t.id, t.outcome, Object.keys(t.hash).length])).toEqual([
      [replayed.id, "already-run", 0],
      [cancelled.id, "cancelled", 0],
      ["other:result", "missing", 0],
      ["no-such-job", "missing", 0],
      ["not an id!", "missing", 0],
    ]);
    // Nothing it refused was marked started.
    expect(await redis.hget(w.keys.job(replayed.id), "status")).toBe("dispatched");
  });

  test("a blocking take is woken by a job submitted later and returns it started", async () => {
    const w = world();
    const later = w.job("later");
    const waiting = w.store.takeWaiting(blocking, w.request(3), 5);
    await new Promise((r) => setTimeout(r, 100));
    await w.store.submit(later);
    const taken = await waiting;
    expect(taken.jobs.map((t) => [t.id, t.outcome])).toEqual([[later.id, "started"]]);
    expect(await redis.exists(w.keys.taking("r1", "i1"))).toBe(0);
    expect(await redis.lrange(w.keys.active("r1", "i1"), 0, -1)).toEqual([later.id]);
  });

  test("a blocking take returns nothing after its timeout, and takes what is queued at once", async () => {
    const w = world();
    expect(await w.store.takeWaiting(blocking, w.request(2), 0.2)).toEqual({
      jobs: [],
      queueLeft: 0,
    });
    const jobs = [w.job("1"), w.job("2"), w.job("3")];
    for (const j of jobs) await w.store.submit(j);
    const taken = await w.store.takeWaiting(blocking, w.request(2), 5);
    expect(taken.jobs.map((t) => t.id)).toEqual([jobs[0]?.id, jobs[1]?.id]);
    expect(await redis.llen(w.keys.queue("r1"))).toBe(1);
  });

  test("says how many ids it left in the queue", async () => {
    const w = world();
    for (const p of ["1", "2", "3"]) await w.store.submit(w.job(p));
    expect((await w.store.takeAlong(w.request(2))).queueLeft).toBe(1);
    expect((await w.store.takeWaiting(blocking, w.request(2), 1)).queueLeft).toBe(0);
  });

  test("a blocking take carries the script calls its store would send next, ahead of it", async () => {
    // The store's own connection is held by a blocking command: whatever it sends waits.
    const own = testRedis();
    const w = world();
    const store = new JobStore(own, w.ns);
    try {
      await store.submit(w.job("loads the script"));
      await w.store.takeAlong(w.request(1));
      const held = own.blpop(`${w.ns}:never`, 0);
      held.catch(() => {});
      const job = w.job("carried");
      const submitted = store.submit(job);
      const taken = await store.takeWaiting(blocking, w.request(1), 2);
      await submitted;
      expect(taken.jobs.map((t) => [t.id, t.outcome])).toEqual([[job.id, "started"]]);
    } finally {
      own.disconnect();
    }
  });

  test("an id left in the taking list (a take cut off halfway) is taken first", async () => {
    const w = world();
    const left = w.job("left behind");
    const queued = w.job("queued");
    await w.store.store(left);
    await w.store.submit(queued);
    await redis.lpush(w.keys.taking("r1", "i1"), left.id);
    const taken = await w.store.takeAlong(w.request(5));
    expect(taken.jobs.map((t) => [t.id, t.outcome])).toEqual([
      [left.id, "started"],
      [queued.id, "started"],
    ]);
  });
});

describe("hand-back", () => {
  test("a started job goes back dispatched with its claim released, and starts again", async () => {
    const w = world();
    const job = w.job();
    await w.store.submit(job);
    await w.store.takeAlong(w.request(1));
    expect(await w.store.handBack("r1", job.id, "i1")).toBe(true);
    expect(await redis.hget(w.keys.job(job.id), "status")).toBe("dispatched");
    expect(await redis.exists(w.keys.claim(job.id))).toBe(0);
    const again = await w.store.takeAlong({ ...w.request(1), instance: "i2" });
    expect(again.jobs.map((t) => [t.id, t.outcome, t.hash.attempts])).toEqual([
      [job.id, "started", "1"],
    ]);
  });

  test("an id never started goes back to the front of the queue as it is", async () => {
    const w = world();
    const held = w.job("held");
    const next = w.job("next");
    // Taken from the queue into the active list, never started.
    await w.store.submit(held);
    await redis.lmove(w.keys.queue("r1"), w.keys.active("r1", "i1"), "RIGHT", "LEFT");
    await w.store.submit(next);
    expect(await w.store.handBack("r1", held.id, "i1")).toBe(true);
    expect(await redis.hget(w.keys.job(held.id), "status")).toBe("dispatched");
    // The queue's front is its right end: the held job is taken before the one queued.
    expect(await redis.lrange(w.keys.queue("r1"), 0, -1)).toEqual([next.id, held.id]);
    expect(await redis.llen(w.keys.active("r1", "i1"))).toBe(0);
  });
});

// A job stored without being queued (the supervisor's jobs.create) is `created`, not
// `dispatched` like a queued one; queueing it makes it `dispatched`. Against the real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { JobStore, SupervisorStore } from "../../src/protocol/index.js";
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

function world() {
  const ns = uniqueNamespace("created");
  namespaces.push(ns);
  const store = new JobStore(redis, ns);
  const job = () =>
    signJob(createJob({ payload: "x", runner: "r1", timeout: 30 }), signer.private_key);
  return { store, sup: new SupervisorStore(store), job };
}

describe("the created status", () => {
  test("stored is created; submitted is dispatched", async () => {
    const w = world();
    const stored = w.job();
    const submitted = w.job();
    await w.store.store(stored);
    await w.store.submit(submitted);
    expect((await w.store.record(stored.id))?.status).toBe("created");
    expect((await w.store.record(submitted.id))?.status).toBe("dispatched");
    expect(await redis.lrange(w.store.keys.queue("r1"), 0, -1)).toEqual([submitted.id]);
  });

  test("queueing a created job makes it dispatched, and a runner takes it", async () => {
    const w = world();
    const job = w.job();
    await w.store.store(job);
    expect(await w.sup.queueStored(job.id, "r1")).toBe("queued");
    const hash = await redis.hgetall(w.store.keys.job(job.id));
    expect(hash.status).toBe("dispatched");
    expect(hash.updated_at).toBe(hash.queued_at);
    expect(await w.sup.queueStored(job.id, "r1")).toBe("queued-before");
    const taken = await w.store.takeAlong({
      runnerId: "r1",
      instance: "i1",
      max: 1,
      claimTtlS: 60,
    });
    expect(taken.jobs.map((t) => [t.id, t.outcome])).toEqual([[job.id, "started"]]);
  });

  test("a created job can be cancelled and never starts", async () => {
    const w = world();
    const job = w.job();
    await w.store.store(job);
    expect(await w.store.cancel(job.id)).toBe("cancelled");
    expect(await w.store.record(job.id)).toMatchObject({
      status: "error",
      error_kind: "cancelled",
    });
    expect(await w.sup.queueStored(job.id, "r1")).toBe("ended");
  });
});

// The instance registry: heartbeats register instances; a clean stop, or the sweep that
// recovers a dead one, takes an instance out once nothing is left to recover from it; the
// sweep and the listing read the registry instead of scanning the keyspace. Real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, jobToHash, signJob } from "../../src/job/index.js";
import {
  type InstanceInfo,
  listInstances,
  RedisKeys,
  registeredInstances,
  type SweepOptions,
  sweepCrashedInstances,
  unregisterInstance,
  writeHeartbeat,
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

function world() {
  const ns = uniqueNamespace("registry");
  namespaces.push(ns);
  const k = new RedisKeys(ns);
  const info = (runnerId: string, instance: string): InstanceInfo => ({
    runner_id: runnerId,
    instance,
    host: "test",
    pid: 1,
    kind: "test",
    version: "0",
    concurrency: 1,
    started_at: new Date().toISOString(),
    jobs_done: 0,
    jobs_running: 0,
  });
  const beat = (runnerId: string, instance: string) =>
    writeHeartbeat(redis, k, info(runnerId, instance), 60);
  /** An instance that registered and then stopped renewing its lease (killed, say). */
  const dead = async (runnerId: string, instance: string) => {
    await beat(runnerId, instance);
    await redis.del(k.instance(runnerId, instance));
  };
  const sweep = (self = "sweeper") => {
    const opts: SweepOptions = { self, maxAttempts: 1, retentionS: 60, guardMs: 1 };
    return sweepCrashedInstances(redis, k, "r1", opts);
  };
  return { ns, k, beat, dead, sweep };
}

describe("instance registry", () => {
  test("a heartbeat registers its instance, listed while its lease holds", async () => {
    const w = world();
    await w.beat("r1", "a");
    await w.beat("r2", "b");
    expect(await registeredInstances(redis, w.k, "r1")).toEqual(["a"]);
    expect((await listInstances(redis, w.k, "r1")).map((i) => i.instance)).toEqual(["a"]);
    const all = await listInstances(redis, w.k);
    expect(all.map((i) => `${i.runner_id}/${i.instance}`)).toEqual(["r1/a", "r2/b"]);
    // Its lease lapsed: no longer listed, still registered (its lists may hold jobs).
    await redis.del(w.k.instance("r1", "a"));
    expect(await listInstances(redis, w.k, "r1")).toEqual([]);
    expect(await registeredInstances(redis, w.k, "r1")).toEqual(["a"]);
  });

  test("stopping drops the lease and the registration, unless jobs are left for a sweep", async () => {
    const w = world();
    await w.beat("r1", "clean");
    await w.beat("r1", "left-jobs");
    await redis.lpush(w.k.active("r1", "left-jobs"), "job-1");
    expect(await unregisterInstance(redis, w.k, "r1", "clean", true)).toBe("unregistered");
    expect(await unregisterInstance(redis, w.k, "r1", "left-jobs", true)).toBe("holds-jobs");
    expect(await redis.exists(w.k.instance("r1", "clean"), w.k.instance("r1", "left-jobs"))).toBe(
      0,
    );
    expect(await registeredInstances(redis, w.k, "r1")).toEqual(["left-jobs"]);
    // A sweep's call never takes out an instance whose lease holds.
    await w.beat("r1", "alive");
    expect(await unregisterInstance(redis, w.k, "r1", "alive", false)).toBe("alive");
    expect(await registeredInstances(redis, w.k, "r1")).toEqual(["alive", "left-jobs"]);
    // A runner id leaves the set of runner ids with its last instance.
    await w.beat("r2", "only");
    expect((await redis.smembers(w.k.runnerIds())).sort()).toEqual(["r1", "r2"]);
    expect(await unregisterInstance(redis, w.k, "r2", "only", true)).toBe("unregistered");
    expect(await redis.smembers(w.k.runnerIds())).toEqual(["r1"]);
  });

  test("a sweep recovers a dead instance's jobs and unregisters it; a live one keeps its own", async () => {
    const w = world();
    const job = (payload: string) =>
      signJob(createJob({ payload, runner: "r1", timeout: 30 }), signer.private_key);
    const waiting = job("echo taken, never started");
    const running = job("sleep 1000");
    await redis.hset(w.k.job(waiting.id), { ...jobToHash(waiting), status: "dispatched" });
    await redis.hset(w.k.job(running.id), {
      ...jobToHash(running),
      status: "started",
      runner_instance: "dead-1",
      attempts: "1",
    });
    await w.dead("r1", "dead-1");
    await redis.lpush(w.k.taking("r1", "dead-1"), waiting.id);
    await redis.lpush(w.k.active("r1", "dead-1"), running.id);
    await w.beat("r1", "live-1");
    await redis.lpush(w.k.active("r1", "live-1"), "held-by-the-living");

    const report = await w.sweep();
    expect(report).toMatchObject({ swept: true, requeued: 1, crashed: 1, retried: 0 });
    expect(await redis.lrange(w.k.queue("r1"), 0, -1)).toEqual([waiting.id]);
    expect(await redis.hget(w.k.job(running.id), "error_kind")).toBe("crashed");
    expect(await registeredInstances(redis, w.k, "r1")).toEqual(["live-1"]);
    expect(await redis.lrange(w.k.active("r1", "live-1"), 0, -1)).toEqual(["held-by-the-living"]);
  });

  test("a sweep sends the same commands however many jobs Redis keeps, and never SCAN", async () => {
    const w = world();
    const monitor = await redis.monitor();
    const seen: string[][] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args.some((a) => String(a).includes(w.ns))) seen.push(args.map(String));
    });
    // Each command MONITOR relays comes in order: a marker read after the sweep tells when
    // all of the sweep's have come, and one read before it when MONITOR is listening.
    const upToMarker = async (): Promise<string[]> => {
      const marker = `${w.ns}:marker-${Math.random()}`;
      await redis.get(marker);
      for (let i = 0; i < 200 && !seen.some((a) => a[1] === marker); i++)
        await new Promise((r) => setTimeout(r, 10));
      const before = seen.splice(0).filter((a) => a[1] !== marker);
      return before.map((args) => (args[0] ?? "").toLowerCase());
    };
    const sweepCommands = async () => {
      await w.dead("r1", "dead-1");
      await w.beat("r1", "live-1");
      await upToMarker();
      await w.sweep();
      return upToMarker();
    };
    try {
      const few = await sweepCommands();
      const pipe = redis.pipeline();
      for (let i = 0; i < 3000; i++) pipe.set(w.k.result(`retained-${i}`), "{}");
      await pipe.exec();
      const many = await sweepCommands();
      expect(few).not.toContain("scan");
      expect(few).toContain("smembers");
      expect(many).toEqual(few);
    } finally {
      monitor.disconnect();
    }
  });
});

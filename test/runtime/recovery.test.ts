// A runner killed with SIGKILL: its jobs are recovered by another live instance.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, jobToHash, signJob } from "../../src/job/index.js";
import { RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const keys = generateKeyPair();
let redis: Redis;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  redis = testRedis();
});
afterAll(() => redis.quit());
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function world(maxAttempts: number, heartbeatS = 0.5) {
  const ns = uniqueNamespace("rec");
  const recordKey = `${ns}:executed`;
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  const procs: Proc[] = [];
  const start = async () => {
    const p = await startRunner({
      script: `${ROOT}test/fixtures/test-runner.mjs`,
      runnerId: "r1",
      namespace: ns,
      trustedKeys: [keys.public_key],
      redisUrl: REDIS_URL,
      args: [
        "--record-key",
        recordKey,
        "--heartbeat",
        String(heartbeatS),
        "--max-attempts",
        String(maxAttempts),
      ],
    });
    procs.push(p);
    return p;
  };
  cleanups.push(async () => {
    for (const p of procs) await p.stop("SIGKILL");
    await client.close();
    await dropNamespace(redis, ns);
  });
  const job = (payload: string): Job =>
    signJob(createJob({ payload, runner: "r1", timeout: 20 }), keys.private_key);
  const executed = () => executedIds(redis, recordKey);
  /** Waits until the executor has recorded the job (it records as its first act). */
  const executing = async (id: string) => {
    for (let i = 0; i < 200 && !(await executed()).includes(id); i++)
      await new Promise((r) => setTimeout(r, 25));
  };
  return { ns, k: new RedisKeys(ns), client, start, job, executed, executing };
}

describe("crash recovery", () => {
  test("a started job of a killed runner ends crashed (max attempts 1) and never runs twice", async () => {
    const w = await world(1);
    const victim = await w.start();
    const job = w.job("sleep 60000");
    await w.client.submit(job);
    await w.executing(job.id);
    await victim.stop("SIGKILL");
    await w.start();
    const record = await w.client.wait(job.id, 15);
    expect(record).toMatchObject({ status: "error", error_kind: "crashed", attempts: 1 });
    expect(record.error).toContain("stopped without finishing it");
    expect(await w.executed()).toEqual([job.id]);
    // The sweep that recovered its job took the dead instance out of the registry too.
    const registered = () => redis.smembers(w.k.instances("r1"));
    for (let i = 0; i < 100 && (await registered()).includes(record.runner_instance ?? ""); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await registered()).not.toContain(record.runner_instance);
    expect(await registered()).toHaveLength(1);
  });

  test("with attempts left, the job is retried on a live instance and finishes", async () => {
    const w = await world(2);
    const victim = await w.start();
    const job = w.job("sleep 1500\necho second try");
    await w.client.submit(job);
    await w.executing(job.id);
    await victim.stop("SIGKILL");
    await w.start();
    const record = await w.client.wait(job.id, 20);
    expect(record).toMatchObject({
      status: "finished",
      attempts: 2,
      result: { success: "second try" },
    });
    expect(await w.executed()).toEqual([job.id, job.id]);
  });

  test("a dead instance's taken-but-unstarted job is requeued; an ended one is left alone", async () => {
    const w = await world(1);
    const unstarted = w.job("echo picked up again");
    const ended = w.job("echo ended before the crash");
    await redis.hset(w.k.job(unstarted.id), { ...jobToHash(unstarted), status: "dispatched" });
    await redis.hset(w.k.job(ended.id), { ...jobToHash(ended), status: "finished" });
    await redis.set(w.k.result(ended.id), JSON.stringify({ success: "original" }));
    // A dead instance (registered, its heartbeat key gone) that held both.
    await redis.sadd(w.k.instances("r1"), "ghost-1-abcdef");
    await redis.lpush(w.k.active("r1", "ghost-1-abcdef"), unstarted.id, ended.id);
    await w.start();
    expect((await w.client.wait(unstarted.id, 10)).result).toEqual({ success: "picked up again" });
    expect((await w.client.status(ended.id))?.result).toEqual({ success: "original" });
    expect(await redis.exists(w.k.active("r1", "ghost-1-abcdef"))).toBe(0);
    expect(await w.executed()).toEqual([unstarted.id]);
  });

  test("an id a dead instance's blocking take left in its taking list is queued again", async () => {
    const w = await world(1);
    const job = w.job("echo taken by a ghost");
    await redis.hset(w.k.job(job.id), { ...jobToHash(job), status: "dispatched" });
    // Killed between BLMOVE (queue -> taking) and the TAKE sent behind it.
    await redis.sadd(w.k.instances("r1"), "ghost-2-abcdef");
    await redis.lpush(w.k.taking("r1", "ghost-2-abcdef"), job.id);
    await w.start();
    expect((await w.client.wait(job.id, 10)).result).toEqual({ success: "taken by a ghost" });
    expect(await redis.exists(w.k.taking("r1", "ghost-2-abcdef"))).toBe(0);
    expect(await w.executed()).toEqual([job.id]);
  });

  test("a dead instance's started job with a count that is no number is still recovered", async () => {
    const w = await world(2);
    const odd = w.job("echo recovered");
    await redis.hset(w.k.job(odd.id), {
      ...jobToHash(odd),
      status: "started",
      runner_instance: "ghost-3-abcdef",
      attempts: "lots",
    });
    await redis.sadd(w.k.instances("r1"), "ghost-3-abcdef");
    await redis.lpush(w.k.active("r1", "ghost-3-abcdef"), odd.id);
    await w.start();
    expect(await w.client.wait(odd.id, 10)).toMatchObject({
      status: "finished",
      result: { success: "recovered" },
    });
    expect(await redis.exists(w.k.active("r1", "ghost-3-abcdef"))).toBe(0);
  });

  test("a live instance's jobs are never swept", async () => {
    // A longer heartbeat than the other tests: on a loaded machine a 1.5 s lease can lapse
    // for a live process, which is exactly what this test must not confuse with a crash.
    const w = await world(1, 2);
    const slow = await w.start();
    const job = w.job("sleep 3000\necho kept");
    await w.client.submit(job);
    await slow.waitFor('"msg":"job started"');
    await w.start(); // sweeps every second while the first one is alive
    expect((await w.client.wait(job.id, 10)).result).toEqual({ success: "kept" });
    expect(await w.executed()).toEqual([job.id]);
  });
});

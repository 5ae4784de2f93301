// A job's start is stamped with Redis's clock when TAKE or START runs, not with the runner's
// clock when it began waiting: `started_at` is never earlier than the job's `created_at`.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { JobStore, type TakeRequest } from "../../src/protocol/index.js";
import { NOW_FN } from "../../src/protocol/scripts.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const key = generateKeyPair();
let redis: Redis;
let blocking: Redis;
const namespaces: string[] = [];
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

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
  const ns = uniqueNamespace("taketime");
  namespaces.push(ns);
  const store = new JobStore(redis, ns);
  const request: TakeRequest = { runnerId: "r1", instance: "i1", max: 1, claimTtlS: 3600 };
  const job = (): Job =>
    signJob(createJob({ payload: "x", runner: "r1", timeout: 30 }), key.private_key);
  return { store, request, job };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("start times", () => {
  test("a job submitted while the runner waits is stamped when it is taken", async () => {
    const w = world();
    const waiting = w.store.takeWaiting(blocking, w.request, 10);
    // The runner has been waiting a while when the job is made and submitted.
    await sleep(1200);
    const job = w.job();
    await w.store.submit(job);
    const taken = await waiting;
    const started = taken.jobs[0]?.hash.started_at as string;
    expect(started).toMatch(RFC3339_MS);
    expect(Date.parse(started)).toBeGreaterThanOrEqual(Date.parse(job.created_at));
    expect(taken.jobs[0]?.hash.updated_at).toBe(started);
    const hash = await redis.hgetall(w.store.keys.job(job.id));
    expect(hash.started_at).toBe(started);
  });

  test("START stamps Redis's clock too", async () => {
    const w = world();
    const job = w.job();
    await w.store.submit(job);
    // The id moved by hand, as a runner's take before START would.
    await redis.lmove(w.store.keys.queue("r1"), w.store.keys.active("r1", "i1"), "RIGHT", "LEFT");
    const [secs] = await redis.time();
    expect(await w.store.start(job.id, "r1", "i1", 60)).toBe("started");
    const started = (await redis.hget(w.store.keys.job(job.id), "started_at")) as string;
    expect(started).toMatch(RFC3339_MS);
    expect(Date.parse(started)).toBeGreaterThanOrEqual(Date.parse(job.created_at));
    expect(Math.abs(Date.parse(started) / 1000 - Number(secs))).toBeLessThan(5);
  });

  test("the Lua clock formats any time as JavaScript's toISOString does", async () => {
    // TIME replaced by a function of ARGV, to format chosen instants.
    const lua = `local redis = { call = function() return { ARGV[1], ARGV[2] } end }
${NOW_FN}
return now_rfc3339()`;
    const instants = [
      0, 951_782_400_123, 951_868_799_999, 4_107_542_400_000, 1_709_164_800_500, 2_147_483_647_001,
      253_402_300_799_999, 1_234_567_890_987,
    ];
    for (let i = 0; i < 40; i++) instants.push(Math.floor(Math.random() * 4_102_444_800_000));
    for (const ms of instants) {
      const secs = Math.floor(ms / 1000);
      const micros = (ms % 1000) * 1000 + 999;
      const got = await redis.eval(lua, 0, String(secs), String(micros));
      expect(got, String(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

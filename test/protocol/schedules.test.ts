// Schedules in Redis: adding and removing them, MINT (an occurrence stored and queued as
// SUBMIT does, refused as SUBMIT refuses) and the minting lease, against the real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  checkOccurrence,
  createJob,
  generateKeyPair,
  type Schedule,
  signJob,
  signSchedule,
} from "../../src/job/index.js";
import {
  JobStore,
  SCHEDULE_RUNS_KEPT,
  ScheduleExistsError,
  ScheduleStore,
} from "../../src/protocol/index.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const keys = generateKeyPair();
let redis: Redis;
let ns: string;
let jobs: JobStore;
let store: ScheduleStore;

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  await dropNamespace(redis, ns);
});

function schedule(extra: Partial<Schedule> = {}): Schedule {
  return signSchedule(
    {
      name: "tick",
      runner: "r1",
      every_ms: 1000,
      template: { payload: "echo hi", priority: 7 },
      created_at: new Date(Date.now() - 3600_000).toISOString(),
      signatures: [],
      ...extra,
    },
    keys.private_key,
  );
}

function fresh(): void {
  ns = uniqueNamespace("sched");
  jobs = new JobStore(redis, ns);
  store = new ScheduleStore(jobs);
}

describe("the schedules hash", () => {
  test("add, get, list and remove; a name in use is refused", async () => {
    fresh();
    const s = schedule();
    await store.add(s);
    await expect(store.add(schedule({ every_ms: 5000 }))).rejects.toThrow(ScheduleExistsError);
    expect(await store.get("tick")).toEqual({ name: "tick", json: JSON.stringify(s), schedule: s });
    await redis.hset(jobs.keys.schedules(), "junk", "{no");
    const listed = await store.list();
    expect(listed.map((x) => x.name)).toEqual(["junk", "tick"]);
    expect(listed[0]?.problem).toContain("not JSON");
    expect(await store.remove("tick")).toBe(true);
    expect(await store.remove("tick")).toBe(false);
    expect(await store.get("tick")).toBeUndefined();
  });
});

describe("MINT", () => {
  test("stores and queues the occurrence as a submit would, with its schedule", async () => {
    fresh();
    const s = schedule();
    const json = JSON.stringify(s);
    await store.add(s);
    const t = Math.floor(Date.now() / 1000) * 1000;
    expect(await store.mint(s, json, t)).toBe("queued");
    const id = `sched:tick:${t}`;
    // Queued by the template's priority, as SUBMIT queues a job of that priority.
    expect(await redis.lrange(jobs.keys.queueAt("r1", 7), 0, -1)).toEqual([id]);
    const hash = await jobs.loadHash(id);
    expect(hash).toMatchObject({
      id,
      runner: "r1",
      payload: "echo hi",
      timeout: "60",
      priority: "7",
      status: "dispatched",
      attempts: "0",
      signatures: "[]",
      schedule: json,
      occurrence: new Date(t).toISOString(),
      created_at: new Date(t).toISOString(),
    });
    // What was minted is what a runner accepts.
    const policy = {
      runnerId: "r1",
      trustedKeys: new Set([keys.public_key]),
      maxJobAgeS: 3600,
      clockSkewS: 60,
    };
    expect(checkOccurrence(hash, policy)).toMatchObject({ ok: true, job: { id } });
    expect(await store.lastMinted(["tick", "other"])).toEqual(new Map([["tick", t]]));
    expect(await store.runs("tick")).toEqual([
      { id, occurrence: new Date(t).toISOString(), status: "dispatched" },
    ]);
  });

  test("an occurrence minted before, or older than the last, is not minted again", async () => {
    fresh();
    const s = schedule();
    const json = JSON.stringify(s);
    await store.add(s);
    const t = Math.floor(Date.now() / 1000) * 1000;
    expect(await store.mint(s, json, t)).toBe("queued");
    expect(await store.mint(s, json, t)).toBe("minted-before");
    expect(await store.mint(s, json, t - 1000)).toBe("minted-before");
    expect(await redis.llen(jobs.keys.queueAt("r1", 7))).toBe(1);
  });

  test("an id that exists or was claimed is refused as SUBMIT refuses it", async () => {
    fresh();
    const s = schedule();
    const json = JSON.stringify(s);
    await store.add(s);
    const t = Math.floor(Date.now() / 1000) * 1000;
    // A job stored under the occurrence's id by someone else: never replaced.
    const squatter = signJob(
      createJob({ id: `sched:tick:${t}`, payload: "echo other", runner: "r1" }),
      keys.private_key,
    );
    await jobs.submit(squatter);
    expect(await store.mint(s, json, t)).toBe("exists");
    expect((await jobs.loadHash(squatter.id)).payload).toBe("echo other");
    await redis.set(jobs.keys.claim(`sched:tick:${t + 1000}`), "someone");
    expect(await store.mint(s, json, t + 1000)).toBe("claimed");
    expect(await redis.exists(jobs.keys.job(`sched:tick:${t + 1000}`))).toBe(0);
    expect(await redis.llen(jobs.keys.queue("r1"))).toBe(1);
  });

  test("a schedule removed or replaced meanwhile mints nothing", async () => {
    fresh();
    const s = schedule();
    const json = JSON.stringify(s);
    const t = Math.floor(Date.now() / 1000) * 1000;
    expect(await store.mint(s, json, t)).toBe("schedule-changed");
    await store.add(schedule({ every_ms: 2000 }));
    expect(await store.mint(s, json, t)).toBe("schedule-changed");
    expect(await redis.llen(jobs.keys.queueAt("r1", 7))).toBe(0);
    expect(await store.lastMinted(["tick"])).toEqual(new Map());
  });

  test("a schedule's runs keep the newest occurrences only", async () => {
    fresh();
    const s = schedule();
    const json = JSON.stringify(s);
    await store.add(s);
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 200_000;
    for (let i = 0; i < SCHEDULE_RUNS_KEPT + 5; i++) await store.mint(s, json, t0 + i * 1000);
    const runs = await store.runs("tick", 1000);
    expect(runs).toHaveLength(SCHEDULE_RUNS_KEPT);
    expect(runs[0]?.id).toBe(`sched:tick:${t0 + (SCHEDULE_RUNS_KEPT + 4) * 1000}`);
    await redis.del(jobs.keys.job(runs[0]?.id ?? ""));
    expect((await store.runs("tick", 1))[0]?.status).toBe("expired");
    expect(await store.remove("tick")).toBe(true);
    expect(await redis.exists(jobs.keys.scheduleRuns("tick"))).toBe(0);
    expect(await redis.exists(jobs.keys.scheduleLast("tick"))).toBe(0);
  });
});

describe("the minting lease", () => {
  test("one holder at a time; renewed by it, released by it, taken once it lapses", async () => {
    fresh();
    expect(await store.holdMinterLease("r1", "a", 60_000)).toBe(true);
    expect(await store.holdMinterLease("r1", "b", 60_000)).toBe(false);
    expect(await store.holdMinterLease("r1", "a", 60_000)).toBe(true);
    expect(await store.releaseMinterLease("r1", "b")).toBe(false);
    expect(await store.minterOf("r1")).toBe("a");
    expect(await store.releaseMinterLease("r1", "a")).toBe(true);
    expect(await store.holdMinterLease("r1", "b", 200)).toBe(true);
    // b is killed: its lease lapses and a takes it.
    await until(() => store.holdMinterLease("r1", "a", 60_000), { what: "the lease to lapse" });
    expect(await store.minterOf("r1")).toBe("a");
  });
});

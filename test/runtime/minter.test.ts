// The Minter's passes against the real Redis, on a clock of the test's own: who mints, what
// is due, what is too old, how much one pass mints, and when it wakes next.
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { generateKeyPair, type Schedule, signSchedule } from "../../src/job/index.js";
import { JobStore, ScheduleStore } from "../../src/protocol/index.js";
import { Minter, type MinterOptions } from "../../src/runtime/minter.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";

const trusted = generateKeyPair();
const stranger = generateKeyPair();
const T0 = Date.parse("2026-03-02T10:00:00.000Z");
let redis: Redis;
let ns: string;
let store: ScheduleStore;
const lines: { msg: string; schedule?: string }[] = [];
const log = pino(
  { level: "debug" },
  { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) },
);

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  await dropNamespace(redis, ns);
  lines.length = 0;
});

function fresh(): void {
  ns = uniqueNamespace("mint");
  store = new ScheduleStore(new JobStore(redis, ns));
}

function schedule(extra: Partial<Schedule> = {}, key = trusted.private_key): Schedule {
  return signSchedule(
    {
      name: "s",
      runner: "r1",
      every_ms: 10_000,
      template: { payload: "echo" },
      created_at: new Date(T0 - 2 * 3600_000).toISOString(),
      signatures: [],
      ...extra,
    },
    key,
  );
}

function minter(clock: { now: number }, extra: Partial<MinterOptions> = {}): Minter {
  return new Minter({
    store,
    runnerId: "r1",
    instance: "i1",
    policy: { trustedKeys: new Set([trusted.public_key]), maxJobAgeS: 3600 },
    leaseMs: 3000,
    renewMs: 1000,
    now: () => clock.now,
    log,
    ...extra,
  });
}

const queued = async () => (await redis.lrange(store.jobs.keys.queue("r1"), 0, -1)).reverse();

describe("a minter's pass", () => {
  test("mints what fell due since the last pass, oldest first, and says when the next falls", async () => {
    fresh();
    await store.add(schedule({ created_at: new Date(T0 - 25_000).toISOString() }));
    const clock = { now: T0 + 5_000 };
    const m = minter(clock);
    // Due since created_at: T0 - 20 s, T0 - 10 s, T0.
    expect(await m.pass()).toBe(T0 + 10_000);
    expect(await queued()).toEqual([
      `sched:s:${T0 - 20_000}`,
      `sched:s:${T0 - 10_000}`,
      `sched:s:${T0}`,
    ]);
    clock.now = T0 + 9_999;
    expect(await m.pass()).toBe(T0 + 10_000);
    expect(await queued()).toHaveLength(3);
    clock.now = T0 + 10_000;
    expect(await m.pass()).toBe(T0 + 20_000);
    expect((await queued()).at(-1)).toBe(`sched:s:${T0 + 10_000}`);
  });

  test("one instance mints at a time; the other mints nothing until the lease is free", async () => {
    fresh();
    await store.add(schedule({ created_at: new Date(T0 - 25_000).toISOString() }));
    const clock = { now: T0 };
    const a = minter(clock);
    const b = minter(clock, { instance: "i2" });
    expect(await a.pass()).toBeDefined();
    const after = await queued();
    clock.now = T0 + 30_000;
    expect(await b.pass()).toBeUndefined();
    expect(b.isMinting).toBe(false);
    expect(await queued()).toEqual(after);
    await a.stop();
    expect(await b.pass()).toBe(T0 + 40_000);
    expect((await queued()).length).toBe(after.length + 3);
  });

  test("never mints occurrences older than the window, however long nobody minted", async () => {
    fresh();
    await store.add(schedule());
    const clock = { now: T0 };
    await minter(clock, { maxPerPass: 1000 }).pass();
    const ids = await queued();
    const oldest = Number(ids[0]?.split(":")[2]);
    // An hour's age less a minute's margin.
    expect(oldest).toBeGreaterThanOrEqual(T0 - 3540_000);
    expect(oldest).toBeLessThan(T0 - 3520_000);
    expect(Number(ids.at(-1)?.split(":")[2])).toBe(T0);
    expect(ids).toHaveLength(new Set(ids).size);
  });

  test("a pass mints at most its budget, and then comes back at once for the rest", async () => {
    fresh();
    await store.add(schedule({ every_ms: 1000, created_at: new Date(T0 - 60_000).toISOString() }));
    const clock = { now: T0 };
    const m = minter(clock, { maxPerPass: 25 });
    expect(await m.pass()).toBe(T0);
    expect(await queued()).toHaveLength(25);
    expect(await m.pass()).toBe(T0);
    expect(await m.pass()).toBe(T0 + 1000);
    expect(await queued()).toHaveLength(61);
  });

  test("schedules of other runner ids are left alone; untrusted ones are refused once, logged", async () => {
    fresh();
    await store.add(schedule({ name: "other", runner: "r2" }));
    await store.add(schedule({ name: "stranger" }, stranger.private_key));
    await store.add({ ...schedule({ name: "edited" }), every_ms: 1000 });
    const m = minter({ now: T0 });
    expect(await m.pass()).toBeUndefined();
    await m.pass();
    expect(await queued()).toEqual([]);
    const refused = lines.filter((l) => l.msg.startsWith("minter: schedule not minted"));
    expect(refused.map((l) => l.schedule).sort()).toEqual(["edited", "stranger"]);
  });

  test("the loop sleeps until the next occurrence, mints it, and releases the lease on stop", async () => {
    fresh();
    const now = Date.now();
    await store.add(schedule({ every_ms: 1000, created_at: new Date(now + 1500).toISOString() }));
    const m = new Minter({
      store,
      runnerId: "r1",
      instance: "loop",
      policy: { trustedKeys: new Set([trusted.public_key]), maxJobAgeS: 3600 },
      leaseMs: 60_000,
      renewMs: 60_000,
      log,
    });
    m.start();
    try {
      const { until } = await import("../helpers/until.js");
      // With a renewal a minute away, only the wake-up for the due time can have minted it.
      await until(async () => (await queued()).length >= 2, { what: "two occurrences" });
    } finally {
      await m.stop();
    }
    expect(await store.minterOf("r1")).toBeUndefined();
  });
});

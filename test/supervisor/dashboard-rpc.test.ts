// The supervisor methods behind the console's dashboard, against a real supervisor, Redis
// and runner process: stats.overview's numbers after real jobs (ends, retries, durations,
// queue depth and age, live instances, chart buckets), jobs.index over every job however
// submitted (with what a user key may see, filters, cursor paging and counts), and
// events.subscribe's pushed notices (no job ids, at most one a second).
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { JobStore, RedisKeys } from "../../src/protocol/index.js";
import { percentile } from "../../src/supervisor/overview.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";
import { httpCall, type RunningSupervisor, startSupervisor, WsClient } from "./helpers.js";

const ns = uniqueNamespace("dashrpc");
const keys = new RedisKeys(ns);
const RUNNER = "stats-runner";
const IDLE = "stats-idle";
const signer = generateKeyPair();

let redis: Redis;
let store: JobStore;
let sup: RunningSupervisor;
let runner: Proc;
let userKey: string;
const direct: string[] = [];
const viaUser: string[] = [];
const idle: string[] = [];
let retried: string;

function job(payload: string, runnerId = RUNNER, extra: Partial<Job> = {}): Job {
  return signJob({ ...createJob({ payload, runner: runnerId }), ...extra }, signer.private_key);
}

const call = <T>(method: string, params: unknown, key = sup.adminKey) =>
  httpCall<T>(sup.url, method, params, key);

interface RunnerRow {
  runner: string;
  instances: number;
  queued: number;
  running: number;
  dead_letters: number;
  oldest_queued_age_s: number;
  totals: { finished: number; error: number; dead: number };
  window: Record<string, number | null>;
  series: { t: number; finished: number; failed: number; retried: number; p50_s: number | null }[];
}

async function overview(params = {}): Promise<{ runners: RunnerRow[]; bucket_s: number }> {
  const answer = await call<{ runners: RunnerRow[]; bucket_s: number }>("stats.overview", params);
  expect(answer.error).toBeUndefined();
  return answer.result as { runners: RunnerRow[]; bucket_s: number };
}

beforeAll(async () => {
  redis = testRedis();
  store = new JobStore(redis, ns);
  sup = await startSupervisor(ns);
  userKey = (await call<{ key: string }>("auth.create_key", { name: "u", scope: "user" })).result
    ?.key as string;
  for (const name of [RUNNER, IDLE]) await call("register_runner", { name });
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
  });
  // Straight to Redis: 4 that finish after 200 ms, 1 that fails.
  for (let i = 0; i < 4; i++) {
    const j = job(`sleep 200\necho ${i}`);
    await store.submit(j);
    direct.push(j.id);
  }
  const bad = job("fail on purpose");
  await store.submit(bad);
  direct.push(bad.id);
  // Through the supervisor with the user key: one that fails twice then dies.
  const twice = job("fail twice", RUNNER, { max_attempts: 2 });
  retried = twice.id;
  expect((await call("job.run", { job: twice }, userKey)).error).toBeUndefined();
  viaUser.push(twice.id);
  for (let i = 0; i < 3; i++) {
    const j = job(`echo idle ${i}`, IDLE);
    await store.submit(j);
    idle.push(j.id);
  }
  await until(
    async () => {
      for (const id of [...direct, ...viaUser]) {
        const s = await redis.hget(keys.job(id), "status");
        if (s !== "finished" && s !== "error") return false;
      }
      return true;
    },
    { what: "the jobs to end" },
  );
});

afterAll(async () => {
  await runner?.stop();
  await sup?.proc.stop();
  await dropNamespace(redis, ns);
  await redis.quit();
});

test("percentile is the nearest rank", () => {
  expect(percentile([], 50)).toBeNull();
  expect(percentile([1], 95)).toBe(1);
  expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
});

describe("stats.overview", () => {
  test("counts what the jobs did per runner id, with their durations and buckets", async () => {
    const { runners, bucket_s } = await overview();
    expect(bucket_s).toBe(60);
    const row = runners.find((r) => r.runner === RUNNER) as RunnerRow;
    expect(row).toMatchObject({
      instances: 1,
      queued: 0,
      running: 0,
      dead_letters: 2,
      totals: { finished: 4, error: 2, dead: 2 },
    });
    // Ends over the window: 4 finished; 2 failed (both dead letters); 1 attempt retried.
    expect(row.window).toMatchObject({ finished: 4, failed: 2, retried: 1 });
    expect(row.window.finished_per_min).toBeCloseTo(4 / 5, 2);
    expect(row.window.failed_per_min).toBeCloseTo(2 / 5, 2);
    // 7 attempts in all; 4 of them slept 200 ms, so the median did.
    const p50 = row.window.duration_p50_s as number;
    const p95 = row.window.duration_p95_s as number;
    expect(p50).toBeGreaterThanOrEqual(0.2);
    expect(p95).toBeGreaterThanOrEqual(p50);
    expect(row.window.queue_wait_p50_s).toBeGreaterThanOrEqual(0);
    // The buckets hold the same ends, one a minute, oldest first, the last holding now.
    expect(row.series).toHaveLength(30);
    expect(row.series.reduce((n, b) => n + b.finished, 0)).toBe(4);
    expect(row.series.reduce((n, b) => n + b.failed, 0)).toBe(2);
    expect(row.series.reduce((n, b) => n + b.retried, 0)).toBe(1);
    for (let i = 1; i < row.series.length; i++)
      expect((row.series[i]?.t ?? 0) - (row.series[i - 1]?.t ?? 0)).toBe(60_000);
    const last = row.series.at(-1)?.t ?? 0;
    expect(last).toBeLessThanOrEqual(Date.now());
    expect(last + 60_000).toBeGreaterThan(Date.now() - 5000);

    const quiet = runners.find((r) => r.runner === IDLE) as RunnerRow;
    expect(quiet).toMatchObject({ instances: 0, queued: 3, running: 0 });
    expect(quiet.window).toMatchObject({ finished: 0, failed: 0, duration_p50_s: null });
    const created = Date.parse((await redis.hget(keys.job(idle[0] as string), "created_at")) ?? "");
    expect(quiet.oldest_queued_age_s).toBeGreaterThan(0);
    expect(quiet.oldest_queued_age_s).toBeLessThanOrEqual((Date.now() - created) / 1000 + 1);
  });

  test("a narrower window has more, smaller buckets; bad windows are refused", async () => {
    const { runners, bucket_s } = await overview({ window_s: 300, bucket_s: 10 });
    expect(bucket_s).toBe(10);
    const row = runners.find((r) => r.runner === RUNNER) as RunnerRow;
    expect(row.series).toHaveLength(30);
    for (const params of [{ window_s: 10 }, { window_s: 3600, bucket_s: 5 }, { bucket_s: 700 }]) {
      const answer = await call("stats.overview", params);
      expect(answer.error?.code, JSON.stringify(params)).toBe(-32602);
    }
  });
});

describe("jobs.index", () => {
  type Page = {
    jobs: { id: string; runner: string; status: string; stored_at: string; attempts: number }[];
    next?: string;
    counts: Record<string, number>;
  };
  const index = async (params: Record<string, unknown>, key = sup.adminKey) => {
    const answer = await call<Page>("jobs.index", params, key);
    expect(answer.error).toBeUndefined();
    return answer.result as Page;
  };

  test("admin sees every job however submitted, newest first, with the counts", async () => {
    const page = await index({ limit: 100 });
    const ids = page.jobs.map((j) => j.id);
    expect([...ids].sort()).toEqual([...direct, ...viaUser, ...idle].sort());
    // Newest first: the idle ones were stored last, in order.
    expect(ids.slice(0, 3)).toEqual([...idle].reverse());
    expect(page.next).toBeUndefined();
    expect(page.counts).toEqual({
      queued: 3,
      scheduled: 0,
      running: 0,
      finished: 4,
      error: 2,
      dead: 2,
    });
    const twice = page.jobs.find((j) => j.id === retried);
    expect(twice).toMatchObject({ status: "error", attempts: 2, runner: RUNNER });
  });

  test("filters by runner, status and time, and pages by cursor", async () => {
    const errors = await index({ status: "error" });
    expect(errors.jobs.map((j) => j.id).sort()).toEqual([direct[4], retried].sort());
    const onIdle = await index({ runner: IDLE });
    expect(onIdle.jobs.map((j) => j.status)).toEqual(["dispatched", "dispatched", "dispatched"]);
    expect(onIdle.counts).toMatchObject({ queued: 3, finished: 0 });
    const future = await index({ since: new Date(Date.now() + 60_000).toISOString() });
    expect(future.jobs).toEqual([]);
    // The index scores in microseconds: from the second idle job's storing on.
    const micros = Number(await redis.zscore(keys.jobs(), idle[1] as string));
    const recent = await index({ since: new Date(Math.floor(micros / 1000)).toISOString() });
    // (The first may share that millisecond, nothing older does.)
    expect(recent.jobs.map((j) => j.id).slice(0, 2)).toEqual([idle[2], idle[1]]);
    expect(recent.jobs.length).toBeLessThanOrEqual(3);

    const seen: string[] = [];
    let after: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = await index({ limit: 3, ...(after ? { after } : {}) });
      seen.push(...page.jobs.map((j) => j.id));
      if (page.next === undefined) break;
      expect(page.jobs).toHaveLength(3);
      after = page.next;
    }
    expect(seen).toEqual((await index({ limit: 100 })).jobs.map((j) => j.id));
    expect((await call("jobs.index", { after: "x" })).error?.code).toBe(-32602);
  });

  test("a user key sees only the jobs it stored", async () => {
    const page = await index({ limit: 100 }, userKey);
    expect(page.jobs.map((j) => j.id)).toEqual(viaUser);
  });
});

describe("events.subscribe", () => {
  test("pushes notices of state changes, without job ids, at most one a second", async () => {
    const ws = await WsClient.open(sup.wsUrl, userKey);
    const notices: { at: number; params: Record<string, unknown>; raw: string }[] = [];
    ws.socket.on("message", (data) => {
      const raw = data.toString();
      const msg = JSON.parse(raw) as { method?: string; params?: Record<string, unknown> };
      if (msg.method === "events.activity")
        notices.push({ at: Date.now(), params: msg.params ?? {}, raw });
    });
    try {
      expect((await ws.call("events.subscribe")).result).toEqual({ subscribed: true });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const j = job(`echo pushed ${i}`);
        ids.push(j.id);
        await store.submit(j);
      }
      await until(
        () =>
          notices.reduce(
            (n, x) => n + ((x.params.kinds as Record<string, number>)?.finished ?? 0),
            0,
          ) >= 5,
        { what: "notices of the 5 ends" },
      );
      for (const n of notices) {
        expect(n.params.runners).toEqual([RUNNER]);
        for (const id of ids) expect(n.raw).not.toContain(id);
      }
      const kinds = notices.map((n) => n.params.kinds as Record<string, number>);
      const total = (k: string) => kinds.reduce((n, x) => n + (x[k] ?? 0), 0);
      expect(total("queued")).toBe(5);
      expect(total("started")).toBe(5);
      for (let i = 1; i < notices.length; i++)
        expect((notices[i]?.at ?? 0) - (notices[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(900);
      expect((await ws.call("events.unsubscribe")).result).toEqual({ unsubscribed: true });
      expect((await ws.call("events.unsubscribe")).result).toEqual({ unsubscribed: false });
    } finally {
      ws.close();
    }
  });
});

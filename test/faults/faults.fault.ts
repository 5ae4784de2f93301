// Fault injection (npm run test:faults): real Redis servers of our own on spare ports, real
// runner processes, real kill -9 and Redis restarts. Every job must end exactly once, none
// may be lost, none may run twice, and nothing forged may run at all.
import { Redis } from "ioredis";
import { afterAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, jobToHash, signJob } from "../../src/job/index.js";
import { JobStore, RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { OwnRedis } from "../helpers/redis-server.js";

const keys = generateKeyPair();
const stranger = generateKeyPair();
const NS = "faults";
const RUNNER = "fr";
const summary: Record<string, string | number>[] = [];

afterAll(() => {
  // The table the issue asks for, one row per scenario.
  console.table(summary);
});

interface World {
  server: OwnRedis;
  redis: Redis;
  store: JobStore;
  k: RedisKeys;
  recordKey: string;
  runners: Proc[];
  startRunner(): Promise<Proc>;
  close(): Promise<void>;
}

async function world(options: { persistent?: boolean } = {}): Promise<World> {
  const server = await OwnRedis.start({ persistent: options.persistent ?? false });
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on("error", () => {});
  const recordKey = `${NS}:executed`;
  const runners: Proc[] = [];
  return {
    server,
    redis,
    store: new JobStore(redis, NS),
    k: new RedisKeys(NS),
    recordKey,
    runners,
    async startRunner() {
      const p = await startRunner({
        script: `${ROOT}test/fixtures/test-runner.mjs`,
        runnerId: RUNNER,
        namespace: NS,
        trustedKeys: [keys.public_key],
        redisUrl: server.url,
        args: ["--record-key", recordKey, "--concurrency", "10", "--heartbeat", "1"],
      });
      runners.push(p);
      return p;
    },
    async close() {
      for (const r of runners) await r.stop("SIGKILL");
      redis.disconnect();
      await server.destroy();
    },
  };
}

function jobs(n: number, payload: (i: number) => string): Job[] {
  return Array.from({ length: n }, (_, i) =>
    signJob(createJob({ payload: payload(i), runner: RUNNER, timeout: 60 }), keys.private_key),
  );
}

async function submitAll(w: World, list: Job[]): Promise<void> {
  for (let i = 0; i < list.length; i += 200) {
    await Promise.all(list.slice(i, i + 200).map((j) => w.store.submit(j)));
  }
}

interface Tally {
  submitted: number;
  finished: number;
  errors: Record<string, number>;
  lost: number;
  runTwice: number;
  executed: Map<string, number>;
  statuses: Map<string, { status: string; kind: string | null }>;
}

/** Waits until every job has ended (or the deadline passes), then counts. */
async function tally(w: World, list: Job[], deadlineMs: number): Promise<Tally> {
  const until = Date.now() + deadlineMs;
  let statuses = new Map<string, { status: string; kind: string | null }>();
  for (;;) {
    const pipe = w.redis.pipeline();
    for (const j of list) pipe.hmget(w.k.job(j.id), "status", "error_kind");
    const replies = (await pipe.exec()) ?? [];
    statuses = new Map(
      list.map((j, i) => {
        const [status, kind] = (replies[i]?.[1] as [string | null, string | null]) ?? [null, null];
        return [j.id, { status: status ?? "missing", kind }];
      }),
    );
    const open = [...statuses.values()].filter(
      (s) => s.status !== "finished" && s.status !== "error",
    ).length;
    if (open === 0 || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const executed = new Map<string, number>();
  for (const id of await executedIds(w.redis, w.recordKey))
    executed.set(id, (executed.get(id) ?? 0) + 1);
  const t: Tally = {
    submitted: list.length,
    finished: 0,
    errors: {},
    lost: 0,
    runTwice: 0,
    executed,
    statuses,
  };
  for (const s of statuses.values()) {
    if (s.status === "finished") t.finished += 1;
    else if (s.status === "error") t.errors[s.kind ?? "?"] = (t.errors[s.kind ?? "?"] ?? 0) + 1;
    else t.lost += 1;
  }
  for (const count of executed.values()) if (count > 1) t.runTwice += 1;
  return t;
}

function record(scenario: string, t: Tally, extra: Record<string, number> = {}): void {
  summary.push({
    scenario,
    submitted: t.submitted,
    finished: t.finished,
    errored:
      Object.entries(t.errors)
        .map(([k, v]) => `${k}:${v}`)
        .join(" ") || "0",
    lost: t.lost,
    "run twice": t.runTwice,
    ...extra,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fault injection", () => {
  test("2,000 jobs, 3 runner processes, one killed with SIGKILL twice", async () => {
    const w = await world();
    try {
      for (let i = 0; i < 3; i++) await w.startRunner();
      // Jobs long enough (50-150 ms) that the run outlasts both kills and each kill catches
      // jobs in flight.
      const list = jobs(2000, (i) => `sleep ${50 + (i % 100)}\necho ${i}`);
      const submitting = submitAll(w, list);
      for (let kill = 0; kill < 2; kill++) {
        await sleep(1200);
        const victim = w.runners[0] as Proc;
        await victim.stop("SIGKILL");
        w.runners.shift();
        await w.startRunner();
        w.runners.unshift(w.runners.pop() as Proc);
      }
      await submitting;
      const t = await tally(w, list, 120_000);
      record("kill -9 twice", t);
      expect(t.lost).toBe(0);
      expect(t.runTwice).toBe(0);
      // The kills did hit running jobs (with max attempts 1 those end crashed)...
      expect(t.errors.crashed ?? 0).toBeGreaterThan(0);
      // ...but never more than a victim could have been running: 2 kills x concurrency 10.
      expect(t.errors.crashed ?? 0).toBeLessThanOrEqual(20);
      // ...and every job either ran to its end or was caught by a kill; nothing else.
      expect(Object.keys(t.errors).filter((k) => k !== "crashed")).toEqual([]);
      for (const j of list) {
        const s = t.statuses.get(j.id);
        if (s?.status === "finished") expect(t.executed.get(j.id)).toBe(1);
      }
    } finally {
      await w.close();
    }
  });

  test("Redis restarted (with persistence) while 600 jobs run", async () => {
    const w = await world({ persistent: true });
    try {
      for (let i = 0; i < 3; i++) await w.startRunner();
      const list = jobs(600, (i) => `sleep ${20 + (i % 20)}\necho ${i}`);
      await submitAll(w, list);
      await sleep(800);
      await w.server.stop();
      await sleep(1500);
      await w.server.start();
      const t = await tally(w, list, 120_000);
      record("redis restart", t);
      expect(t.lost).toBe(0);
      expect(t.runTwice).toBe(0);
      expect(t.finished).toBe(list.length);
    } finally {
      await w.close();
    }
  });

  test("a flood of garbage and forged jobs: none executes, every valid job succeeds", async () => {
    const w = await world();
    try {
      for (let i = 0; i < 2; i++) await w.startRunner();
      const valid = jobs(300, (i) => `echo ${i}`);
      const forged: Job[] = [];
      const queue = w.k.queue(RUNNER);
      // A valid job already run, to be replayed.
      const replayed = valid[0] as Job;
      await w.store.submit(replayed);
      await tally(w, [replayed], 10_000);
      for (let i = 0; i < 300; i++) {
        const base = createJob({ payload: `echo forged ${i}`, runner: RUNNER });
        let f: Job;
        switch (i % 4) {
          case 0: // signature of another payload
            f = { ...signJob(base, keys.private_key), payload: "echo evil" };
            break;
          case 1: // signed by a key nobody trusts
            f = signJob(base, stranger.private_key);
            break;
          case 2: // for another runner, pushed onto ours by hand
            f = signJob({ ...base, runner: "someone-else" }, keys.private_key);
            break;
          default: // no signature at all
            f = base;
        }
        forged.push(f);
        await w.redis.hset(w.k.job(f.id), { ...jobToHash(f), status: "dispatched" });
        await w.redis.lpush(queue, f.id);
        await w.redis.lpush(queue, i % 2 === 0 ? `garbage ${i} !!` : `missing-${i}`);
        if (i % 10 === 0) await w.redis.lpush(queue, replayed.id);
        if (i % 3 === 0)
          await w.redis.hset(w.k.job(`broken-${i}`), { id: `broken-${i}`, env_vars: "{" });
        if (i % 3 === 0) await w.redis.lpush(queue, `broken-${i}`);
      }
      await submitAll(w, valid.slice(1));
      const t = await tally(w, valid, 60_000);
      const f = await tally(w, forged, 60_000);
      record("flood: valid jobs", t);
      record("flood: forged jobs", f);
      expect(t.finished).toBe(valid.length);
      expect(t.runTwice).toBe(0);
      expect(f.finished).toBe(0);
      expect(f.lost).toBe(0);
      for (const j of forged) expect(t.executed.has(j.id) || f.executed.has(j.id)).toBe(false);
      expect(t.executed.get(replayed.id)).toBe(1);
      // The runners are still alive and serving.
      const client = new HorusClient({ redisUrl: w.server.url, namespace: NS });
      const last = signJob(createJob({ payload: "echo alive", runner: RUNNER }), keys.private_key);
      expect((await client.run(last)).result).toEqual({ success: "alive" });
      await client.close();
    } finally {
      await w.close();
    }
  });
});

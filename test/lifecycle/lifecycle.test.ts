// The job-system features of #23 against real runner processes and the real Redis: retries
// with backoff, dead letters, delayed jobs, priorities and the limits across instances, and
// what a Redis writer can (not) do to them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const TEST_RUNNER = `${ROOT}test/fixtures/test-runner.mjs`;
const trusted = generateKeyPair();

let redis: Redis;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface World {
  ns: string;
  keys: RedisKeys;
  client: HorusClient;
  recordKey: string;
  executed(): Promise<string[]>;
  job(payload: string, extra?: Partial<Job>): Job;
  runner(args?: string[], script?: string): Promise<Proc>;
  horus(
    args: string[],
    input?: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function world(label: string): Promise<World> {
  const ns = uniqueNamespace(label);
  const stateDir = mkdtempSync(join(tmpdir(), "horus-life-"));
  const recordKey = `${ns}:executed`;
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  cleanups.push(async () => {
    await client.close();
    await dropNamespace(redis, ns);
    rmSync(stateDir, { recursive: true, force: true });
  });
  return {
    ns,
    keys: new RedisKeys(ns),
    client,
    recordKey,
    executed: () => executedIds(redis, recordKey),
    job: (payload, extra = {}) =>
      signJob(
        { ...createJob({ payload, runner: "r1", timeout: 20 }), ...extra },
        trusted.private_key,
      ),
    runner: async (args = [], script = TEST_RUNNER) => {
      const proc = await startRunner({
        script,
        runnerId: "r1",
        namespace: ns,
        trustedKeys: [trusted.public_key],
        redisUrl: REDIS_URL,
        args: [
          ...(script === TEST_RUNNER ? ["--record-key", recordKey] : []),
          "--state-dir",
          stateDir,
          ...args,
        ],
      });
      cleanups.push(() => proc.stop("SIGKILL"));
      return proc;
    },
    horus: (args, input) =>
      runToEnd(
        process.execPath,
        [distBin("horus"), "--redis-url", REDIS_URL, "--namespace", ns, ...args],
        { env: { HORUS_SIGNING_KEY: trusted.private_key }, input, timeoutMs: 60_000 },
      ),
  };
}

describe("retries and dead letters", () => {
  test("a script failing while ATTEMPT < 3 finishes on attempt 3, every attempt recorded", async () => {
    const w = await world("retry");
    await w.runner([], distBin("runner_sal"));
    const script = [
      'if ATTEMPT < 3 { throw "attempt " + ATTEMPT + " failed"; }',
      '"done on attempt " + ATTEMPT',
    ].join("\n");
    const run = await w.horus(
      ["run", "--runner", "r1", "--attempts", "3", "--backoff", "200ms", "--script", "-", "--json"],
      script,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const record = JSON.parse(run.stdout) as {
      id: string;
      status: string;
      attempts: number;
      result: unknown;
    };
    expect(record).toMatchObject({
      status: "finished",
      attempts: 3,
      result: { success: "done on attempt 3" },
    });
    const shown = await w.horus(["dead", "show", record.id]);
    const detail = JSON.parse(shown.stdout) as {
      dead: boolean;
      attempts: Record<string, unknown>[];
    };
    expect(detail.dead).toBe(false);
    expect(shown.code).toBe(1);
    expect(detail.attempts.map((a) => [a.attempt, a.status, a.error_kind])).toEqual([
      [1, "error", "script"],
      [2, "error", "script"],
      [3, "finished", undefined],
    ]);
    expect(detail.attempts[0]?.error).toContain("attempt 1 failed");
    // Each failed attempt said when the next was due, and the next did not start before.
    for (const i of [0, 1]) {
      const next = Date.parse(String(detail.attempts[i]?.next_run_at));
      expect(Date.parse(String(detail.attempts[i + 1]?.started_at))).toBeGreaterThanOrEqual(next);
    }
  });

  test("with --attempts 2 the job ends among the dead letters; dead retry runs it again, newly signed", async () => {
    const w = await world("dead");
    await w.runner();
    const job = w.job("fail boom", { max_attempts: 2, backoff: { type: "fixed", delay_ms: 100 } });
    const record = await w.client.run(job);
    expect(record).toMatchObject({ status: "error", error_kind: "script", attempts: 2 });
    expect(record.error).toContain("attempt 2 of 2, the last");
    expect(await w.executed()).toEqual([job.id, job.id]);

    const list = await w.horus(["dead", "list", "--runner", "r1", "--json"]);
    const listed = JSON.parse(list.stdout) as { total: number; letters: { id: string }[] };
    expect(listed.total).toBe(1);
    expect(listed.letters[0]?.id).toBe(job.id);

    const retry = await w.horus(["dead", "retry", job.id]);
    expect(retry.code).toBe(0);
    const newId = retry.stdout.trim();
    expect(newId).not.toBe(job.id);
    const again = await w.client.wait(newId, 60);
    expect(again).toMatchObject({ status: "error", attempts: 2 });
    const retried = await w.client.store.loadJob(newId);
    expect(retried?.env_vars.HORUS_RETRY_OF).toBe(job.id);
    expect(retried?.signatures[0]?.public_key).toBe(trusted.public_key);
    expect(await w.executed()).toEqual([job.id, job.id, newId, newId]);
    // The original left the dead letters for its retry; the retry is dead now.
    const after = await w.client.deadLetters("r1");
    expect(after.letters.map((l) => l.id)).toEqual([newId]);

    const purge = await w.horus(["dead", "purge", "--runner", "r1", "--all"]);
    expect(purge.code).toBe(0);
    expect((await w.client.deadLetters("r1")).total).toBe(0);
    expect(await w.client.status(newId)).toBeUndefined();
  });

  test("a refusal never retries and is no dead letter", async () => {
    const w = await world("refuse");
    await w.runner();
    const stranger = generateKeyPair();
    const job = signJob(
      { ...createJob({ payload: "echo x", runner: "r1" }), max_attempts: 3 },
      stranger.private_key,
    );
    const record = await w.client.run(job, 30);
    expect(record).toMatchObject({ status: "error", error_kind: "unauthorized", attempts: 1 });
    expect((await w.client.deadLetters("r1")).total).toBe(0);
    expect(await w.executed()).toEqual([]);
  });
});

describe("what a Redis writer can do", () => {
  test("re-queuing an id by hand never gives more runs than max_attempts", async () => {
    const w = await world("requeue");
    await w.runner();
    const job = w.job("fail always", { max_attempts: 2 });
    await w.client.run(job);
    expect(await w.executed()).toEqual([job.id, job.id]);
    // Every trick at once: status reset, attempts reset, claims deleted, the id queued.
    for (let round = 0; round < 3; round++) {
      await redis.del(w.keys.claim(job.id), `${w.keys.claim(job.id)}:2`, w.keys.reply(job.id));
      await redis.hset(w.keys.job(job.id), { status: "dispatched", attempts: String(round % 2) });
      await redis.lpush(w.keys.queue("r1"), job.id);
      await until(async () => (await redis.hget(w.keys.job(job.id), "status")) === "error", {
        what: "the replay to be refused",
      });
    }
    expect(await w.executed()).toEqual([job.id, job.id]);
  });

  test("editing max_attempts, run_at or priority in Redis breaks the signature", async () => {
    const w = await world("edit");
    await w.runner();
    for (const [field, value] of [
      ["max_attempts", "50"],
      ["run_at", new Date(Date.now() - 1000).toISOString()],
      ["priority", "9"],
    ] as const) {
      const job = w.job("echo x", {
        max_attempts: 2,
        run_at: new Date(Date.now() + 60_000).toISOString(),
        priority: 1,
      });
      await w.client.submit(job);
      await redis.hset(w.keys.job(job.id), field, value);
      // Due now, whatever its signed run_at says.
      await redis.zrem(w.keys.delayed("r1"), job.id);
      await redis.hset(w.keys.job(job.id), "status", "dispatched");
      await redis.lpush(w.keys.queue("r1"), job.id);
      const record = await w.client.wait(job.id, 30);
      expect(record, field).toMatchObject({
        status: "error",
        error_kind: expect.stringMatching(/unauthorized|invalid_job/),
      });
    }
    expect(await w.executed()).toEqual([]);
  });
});

describe("delayed jobs", () => {
  test("--delay 3s: not started before 3 s, started within 1 s after", async () => {
    const w = await world("delay");
    await w.runner();
    const submitted = await w.horus(
      ["submit", "--runner", "r1", "--delay", "3s", "--script", "-"],
      "echo later",
    );
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    const job = await w.client.store.loadJob(id);
    const runAt = Date.parse(job?.run_at ?? "");
    expect((await w.client.status(id))?.status).toBe("scheduled");
    const record = await w.client.wait(id, 30);
    expect(record.status).toBe("finished");
    const started = Date.parse(record.started_at ?? "");
    expect(started).toBeGreaterThanOrEqual(runAt);
    expect(started - runAt).toBeLessThan(1000);
  });

  test("a job taken before its run_at (moved by hand) is refused, not run early", async () => {
    const w = await world("early");
    await w.runner();
    const job = w.job("echo early", { run_at: new Date(Date.now() + 600_000).toISOString() });
    await w.client.submit(job);
    await redis.zrem(w.keys.delayed("r1"), job.id);
    await redis.hset(w.keys.job(job.id), "status", "dispatched");
    await redis.lpush(w.keys.queue("r1"), job.id);
    const record = await w.client.wait(job.id, 30);
    expect(record.error).toMatch(/from the future: run_at is \d+ s ahead/);
    expect(await w.executed()).toEqual([]);
  });
});

describe("priorities", () => {
  test("with one slot, a priority-9 job queued behind 50 priority-5 jobs starts next", async () => {
    const w = await world("prio");
    await w.runner();
    const blocker = w.job("sleep 1500");
    await w.client.submit(blocker);
    await until(async () => (await w.executed()).length === 1, { what: "the blocker to start" });
    const plain = Array.from({ length: 50 }, (_, i) => w.job(`echo ${i}`, { priority: 5 }));
    for (const job of plain) await w.client.submit(job);
    const urgent = w.job("echo urgent", { priority: 9 });
    await w.client.submit(urgent);
    const low = w.job("echo low", { priority: 0 });
    await w.client.submit(low);
    await until(async () => (await w.executed()).length === 53, {
      what: "every job to run",
      timeout: 60_000,
    });
    const order = await w.executed();
    expect(order[1]).toBe(urgent.id);
    // FIFO within a priority, and the low one last.
    expect(order.slice(2, 52)).toEqual(plain.map((j) => j.id));
    expect(order[52]).toBe(low.id);
  });
});

describe("limits across instances", () => {
  test("--global-concurrency 2 over three instances never has more than 2 jobs running", async () => {
    const w = await world("gconc");
    for (let i = 0; i < 3; i++) await w.runner(["--concurrency", "3", "--global-concurrency", "2"]);
    const jobs = Array.from({ length: 10 }, () => w.job("sleep 300"));
    for (const job of jobs) await w.client.submit(job);
    const records = await Promise.all(jobs.map((j) => w.client.wait(j.id, 90)));
    expect(records.every((r) => r.status === "finished")).toBe(true);
    // Most jobs running at any moment, from each job's start and end stamps.
    const edges = records.flatMap((r) => [
      [Date.parse(r.started_at ?? ""), 1],
      [Date.parse(r.finished_at ?? ""), -1],
    ]) as [number, number][];
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let running = 0;
    let most = 0;
    for (const [, d] of edges) {
      running += d;
      most = Math.max(most, running);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(new Set(records.map((r) => r.runner_instance)).size).toBeGreaterThan(1);
  });

  test("--rate 2/1s starts at most two jobs a second across instances", async () => {
    const w = await world("rate");
    for (let i = 0; i < 2; i++) await w.runner(["--concurrency", "4", "--rate", "2/1s"]);
    const jobs = Array.from({ length: 6 }, () => w.job("echo r"));
    for (const job of jobs) await w.client.submit(job);
    const records = await Promise.all(jobs.map((j) => w.client.wait(j.id, 60)));
    const starts = records.map((r) => Date.parse(r.started_at ?? "")).sort((a, b) => a - b);
    // Two a window: the fifth start is at least two windows after the first.
    expect((starts[4] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(1900);
  });
});

// A real runner process (the line-language test executor) against the real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, jobToHash, signJob } from "../../src/job/index.js";
import { JobStore, RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const TEST_RUNNER = `${ROOT}test/fixtures/test-runner.mjs`;
const trusted = generateKeyPair();
const stranger = generateKeyPair();

let redis: Redis;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Setup {
  ns: string;
  keys: RedisKeys;
  client: HorusClient;
  runner: Proc;
  recordKey: string;
  /** Job ids the executor started, in order (with repeats if one ran twice). */
  executed(): Promise<string[]>;
  job(payload: string, extra?: Partial<Job>, key?: string): Job;
  /** One more runner process of the same runner id, namespace and record key. */
  another(): Promise<Proc>;
}

async function setup(args: string[] = [], runnerId = "r1"): Promise<Setup> {
  const ns = uniqueNamespace("rt");
  const recordKey = `${ns}:executed`;
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  const spawnRunner = async (extra: string[]) => {
    const proc = await startRunner({
      script: TEST_RUNNER,
      runnerId,
      namespace: ns,
      trustedKeys: [trusted.public_key],
      redisUrl: REDIS_URL,
      args: ["--record-key", recordKey, ...extra],
    });
    cleanups.push(() => proc.stop("SIGKILL"));
    return proc;
  };
  // Cleanups run last-in first-out: the runners stop before the namespace goes.
  cleanups.push(async () => {
    await client.close();
    await dropNamespace(redis, ns);
  });
  const runner = await spawnRunner(args);
  return {
    ns,
    keys: new RedisKeys(ns),
    client,
    runner,
    recordKey,
    executed: () => executedIds(redis, recordKey),
    another: () => spawnRunner([]),
    job: (payload, extra = {}, key = trusted.private_key) =>
      signJob({ ...createJob({ payload, runner: runnerId, timeout: 10 }), ...extra }, key),
  };
}

describe("runner process", () => {
  test("runs a signed job: output, env vars, logs, signatories, status record", async () => {
    const s = await setup();
    const job = s.job("echo hello\nenv GREETING\nlog step one\nlog step two\nsignatories", {
      env_vars: { GREETING: "bonjour" },
    });
    const record = await s.client.run(job);
    expect(record.status).toBe("finished");
    expect(record.result).toEqual({ success: `hello\nbonjour\n${trusted.public_key}` });
    expect(record.attempts).toBe(1);
    expect(record.runner_instance).toMatch(/-\d+-[0-9a-f]{6}$/);
    expect(await s.client.logs(job.id)).toEqual(["step one", "step two"]);
    expect(await redis.llen(s.keys.active("r1", record.runner_instance ?? ""))).toBe(0);
    // Finished jobs expire after the retention period.
    expect(await redis.ttl(s.keys.job(job.id))).toBeGreaterThan(0);
  });

  test("a failing job ends in error with kind script and its message", async () => {
    const s = await setup();
    const record = await s.client.run(s.job("fail something broke"));
    expect(record).toMatchObject({
      status: "error",
      error_kind: "script",
      error: "something broke",
    });
    expect(record.result).toEqual({ error: "something broke" });
  });

  test("timeout ends the job with error_kind timeout, even when the executor ignores the abort", async () => {
    const s = await setup();
    const job = s.job("stubborn 5000", { timeout: 1 });
    const t0 = Date.now();
    const record = await s.client.run(job);
    expect(record).toMatchObject({ status: "error", error_kind: "timeout" });
    expect(record.error).toContain("timed out after 1 s");
    expect(Date.now() - t0).toBeLessThan(4000);
    // The runner still serves the next job.
    expect((await s.client.run(s.job("echo next"))).result).toEqual({ success: "next" });
  });

  test("refused jobs are never executed and each says why", async () => {
    const s = await setup();
    const good = s.job("echo fine");
    const tampered = { ...s.job("echo original"), payload: "echo evil" };
    const untrusted = s.job("echo who", {}, stranger.private_key);
    const unsigned = { ...s.job("echo nobody"), signatures: [] };
    const wrongRunner = signJob(
      { ...createJob({ payload: "echo x", runner: "other" }) },
      trusted.private_key,
    );
    const old = s.job("echo old", {
      created_at: new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString(),
    });
    const store = new JobStore(redis, s.ns);
    // A job for another runner pushed onto our queue by hand (the client would route it away).
    await redis.hset(s.keys.job(wrongRunner.id), {
      ...jobToHash(wrongRunner),
      status: "dispatched",
    });
    await redis.lpush(s.keys.queue("r1"), wrongRunner.id);
    for (const j of [tampered, untrusted, unsigned, old]) await store.submit(j);
    await store.submit(good);

    expect((await s.client.wait(good.id)).status).toBe("finished");
    const expectations: [Job, string, string][] = [
      [tampered, "unauthorized", "invalid signature"],
      [untrusted, "unauthorized", "no signatory is trusted"],
      [unsigned, "unauthorized", "not signed"],
      [wrongRunner, "invalid_job", 'for runner "other"'],
      [old, "invalid_job", "too old"],
    ];
    for (const [j, kind, words] of expectations) {
      const record = await s.client.wait(j.id, 10);
      expect(record, j.payload).toMatchObject({ status: "error", error_kind: kind });
      expect(record.error).toContain(words);
    }
    expect(await s.executed()).toEqual([good.id]);
  });

  test("a replayed job id is refused and the original result is kept", async () => {
    const s = await setup();
    const job = s.job("echo once");
    expect((await s.client.run(job)).result).toEqual({ success: "once" });
    // An attacker with queue access pushes the same id again, and even resets the hash.
    await redis.lpush(s.keys.queue("r1"), job.id);
    const marker = s.job("echo marker");
    await s.client.submit(marker);
    await s.client.wait(marker.id);
    expect((await s.client.status(job.id))?.result).toEqual({ success: "once" });

    await redis.hset(s.keys.job(job.id), { ...jobToHash(job), status: "dispatched" });
    await redis.lpush(s.keys.queue("r1"), job.id);
    const record = await s.client.wait(job.id, 10);
    expect(record).toMatchObject({ status: "error", error_kind: "unauthorized" });
    expect(record.error).toContain("was run before");
    expect(await s.executed()).toEqual([job.id, marker.id]);
  });

  test("garbage on the queue does not stop the runner", async () => {
    const s = await setup();
    const queue = s.keys.queue("r1");
    const broken = s.job("echo broken");
    await redis.hset(s.keys.job(broken.id), {
      ...jobToHash(broken),
      env_vars: "{not json",
      status: "dispatched",
    });
    // A timeout no claim TTL can hold must not make the take itself fail.
    const endless = s.job("echo endless");
    await redis.hset(s.keys.job(endless.id), {
      ...jobToHash(endless),
      timeout: "1e999",
      status: "dispatched",
    });
    // Bookkeeping fields are not the client's to set, but a hostile hash may hold anything.
    const oddCount = s.job("echo counted anyway");
    await redis.hset(s.keys.job(oddCount.id), {
      ...jobToHash(oddCount),
      attempts: "many",
      status: "dispatched",
    });
    const huge = createJob({ payload: "x".repeat(10 * 1024 * 1024), runner: "r1" });
    await redis.hset(s.keys.job(huge.id), { ...jobToHash(huge), status: "dispatched" });
    // Ids that name other kinds of keys (a result string, a log list): no job, and no
    // WRONGTYPE error that would stop the runner taking.
    await redis.set(s.keys.result("other"), "{}");
    await redis.rpush(s.keys.logs("other"), "line");
    await redis.lpush(
      queue,
      "not a job id at all!",
      "no-such-job",
      "",
      "other:result",
      "other:logs",
      broken.id,
      endless.id,
      oddCount.id,
      huge.id,
    );
    const after = s.job("echo still alive");
    await s.client.submit(after);

    expect((await s.client.wait(after.id)).result).toEqual({ success: "still alive" });
    expect(await s.client.wait(broken.id, 5)).toMatchObject({
      status: "error",
      error_kind: "invalid_job",
    });
    expect(await s.client.wait(endless.id, 5)).toMatchObject({
      status: "error",
      error_kind: "invalid_job",
    });
    expect(await s.client.wait(oddCount.id, 5)).toMatchObject({
      status: "finished",
      attempts: 1,
      result: { success: "counted anyway" },
    });
    const hugeRecord = await s.client.wait(huge.id, 5);
    expect(hugeRecord).toMatchObject({ status: "error", error_kind: "invalid_job" });
    expect(hugeRecord.error).toContain("payload: is larger than");
    const invalid = (await redis.lrange(s.keys.invalid("r1"), 0, -1)).map(
      (x) => JSON.parse(x).reason,
    );
    expect(invalid.sort()).toEqual([
      "no such job",
      "no such job",
      "no such job",
      "not a job id",
      "not a job id",
    ]);
    expect((await s.executed()).sort()).toEqual([after.id, oddCount.id].sort());
  });

  test("a running job's id queued again is dropped by the instance that takes it, not failed", async () => {
    const s = await setup();
    // Long enough that the id is queued again (and taken) while the job still runs, on a
    // loaded machine too: ended first, it would be refused as a replay instead.
    const job = s.job("sleep 8000\necho ran once", { timeout: 30 });
    await s.client.submit(job);
    await s.runner.waitFor('"msg":"job started"');
    const second = await s.another();
    await redis.lpush(s.keys.queue("r1"), job.id);
    await second.waitFor('"msg":"job not started"');
    expect(await s.client.wait(job.id, 30)).toMatchObject({
      status: "finished",
      result: { success: "ran once" },
    });
    expect(await s.executed()).toEqual([job.id]);
  });

  test("concurrency: jobs run side by side", async () => {
    const s = await setup(["--concurrency", "4"]);
    const jobs = [1, 2, 3, 4].map((i) => s.job(`sleep 1000\necho ${i}`));
    const t0 = Date.now();
    const records = await Promise.all(jobs.map((j) => s.client.run(j)));
    expect(records.map((r) => r.result)).toEqual([1, 2, 3, 4].map((i) => ({ success: String(i) })));
    expect(Date.now() - t0).toBeLessThan(3500);
  });

  test("concurrency is a bound: never more jobs started at once than --concurrency", async () => {
    const s = await setup(["--concurrency", "3"]);
    const jobs = Array.from({ length: 30 }, (_, i) => s.job(`sleep 60\necho ${i}`));
    for (const j of jobs) await s.client.submit(j);
    let most = 0;
    let open = jobs.length;
    while (open > 0) {
      const pipe = redis.pipeline();
      for (const j of jobs) pipe.hget(s.keys.job(j.id), "status");
      const statuses = ((await pipe.exec()) ?? []).map(([, v]) => v);
      most = Math.max(most, statuses.filter((v) => v === "started").length);
      open = statuses.filter((v) => v !== "finished" && v !== "error").length;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
  });

  test("SIGTERM: a job that outlives the grace period is handed back and finished by another process", async () => {
    const s = await setup(["--grace-period", "0.5"]);
    const job = s.job("sleep 3000\necho survived");
    await s.client.submit(job);
    await s.runner.waitFor('"msg":"job started"');
    const exit = await s.runner.stop("SIGTERM");
    expect(exit.code).toBe(0);
    expect(s.runner.output()).toContain("job handed back to the queue");
    const record = await s.client.status(job.id);
    expect(record).toMatchObject({ status: "dispatched", attempts: 0 });
    expect(await redis.lrange(s.keys.queue("r1"), 0, -1)).toEqual([job.id]);

    await s.another();
    expect((await s.client.wait(job.id)).result).toEqual({ success: "survived" });
    expect(await s.executed()).toEqual([job.id, job.id]);
  });

  test("SIGTERM amid a queue of quick jobs: each runs once, the ones taken but not started go back", async () => {
    // Concurrency 9: taken jobs start three at a time, so some always wait for their turn.
    const s = await setup(["--concurrency", "9"]);
    const jobs = Array.from({ length: 1000 }, (_, i) => s.job(`echo ${i}`));
    // All queued at once (the submits share a write), so most are still waiting at the stop.
    await Promise.all(jobs.map((j) => s.client.submit(j)));
    while ((await s.executed()).length < 60) await new Promise((r) => setTimeout(r, 5));
    expect((await s.runner.stop("SIGTERM")).code).toBe(0);
    const ranBeforeStop = new Set(await s.executed());
    const statuses = await Promise.all(
      jobs.map(async (j) => (await s.client.status(j.id))?.status),
    );
    const queued = new Set(await redis.lrange(s.keys.queue("r1"), 0, -1));
    jobs.forEach((j, i) => {
      // Ended by the first process, or waiting in the queue, never started and not lost.
      if (ranBeforeStop.has(j.id)) expect(statuses[i]).toBe("finished");
      else {
        expect(statuses[i]).toBe("dispatched");
        expect(queued.has(j.id)).toBe(true);
      }
    });
    expect(ranBeforeStop.size).toBeLessThan(jobs.length);

    await s.another();
    for (const [i, j] of jobs.entries())
      expect((await s.client.wait(j.id)).result).toEqual({ success: String(i) });
    const executed = await s.executed();
    expect(executed).toHaveLength(jobs.length);
    expect(new Set(executed).size).toBe(jobs.length);
  });

  test("SIGTERM: a job that ends within the grace period finishes before the runner exits", async () => {
    const s = await setup(["--grace-period", "10"]);
    const job = s.job("sleep 700\necho done in time");
    await s.client.submit(job);
    await s.runner.waitFor('"msg":"job started"');
    expect((await s.runner.stop("SIGTERM")).code).toBe(0);
    expect((await s.client.status(job.id))?.result).toEqual({ success: "done in time" });
    // The stopped instance removed its heartbeat.
    expect(await s.client.runners("r1")).toEqual([]);
  });

  test("cancel: a queued job never starts; a running one stops", async () => {
    const s = await setup();
    const blocker = s.job("sleep 5000\necho blocker");
    const queued = s.job("echo never");
    await s.client.submit(blocker);
    await s.runner.waitFor('"msg":"job started"');
    await s.client.submit(queued);
    expect(await s.client.cancel(queued.id)).toBe("cancelled");
    expect(await s.client.cancel(blocker.id)).toBe("signalled");
    expect(await s.client.wait(blocker.id, 5)).toMatchObject({
      status: "error",
      error_kind: "cancelled",
    });
    expect(await s.client.wait(queued.id, 5)).toMatchObject({
      status: "error",
      error_kind: "cancelled",
    });
    const marker = s.job("echo marker");
    await s.client.run(marker);
    expect(await s.executed()).toEqual([blocker.id, marker.id]);
  });

  test("a heartbeat makes the instance visible while it runs", async () => {
    const s = await setup(["--concurrency", "3"]);
    const list = await s.client.runners("r1");
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      runner_id: "r1",
      kind: "test",
      concurrency: 3,
      pid: s.runner.child.pid,
    });
  });

  test("stopping cleanly takes the instance out of its runner's registry and the listing", async () => {
    const s = await setup();
    const [instance] = (await s.client.runners("r1")).map((i) => i.instance);
    expect(await redis.smembers(s.keys.instances("r1"))).toEqual([instance]);
    expect((await s.runner.stop("SIGTERM")).code).toBe(0);
    expect(await redis.smembers(s.keys.instances("r1"))).toEqual([]);
    expect(await s.client.runners("r1")).toEqual([]);
  });

  test("a fractional heartbeat (--heartbeat 0.5) is written, with a lease of 1.5 s", async () => {
    const s = await setup(["--heartbeat", "0.5"]);
    const list = await s.client.runners("r1");
    expect(list).toHaveLength(1);
    const key = s.keys.instance("r1", list[0]?.instance ?? "");
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1500);
  });
});

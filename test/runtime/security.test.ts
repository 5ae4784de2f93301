// The replay, identity and result-forgery holes of a review that attacked the running system
// (#19): each test plays the attacker against a real runner process and the real Redis.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { checkResultSignature, HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, publicKeyOf, signJob } from "../../src/job/index.js";
import {
  JobExistsError,
  type JobRecord,
  listInstances,
  RedisKeys,
} from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const TEST_RUNNER = `${ROOT}test/fixtures/test-runner.mjs`;
const trusted = generateKeyPair();
const stranger = generateKeyPair();

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

interface Setup {
  ns: string;
  keys: RedisKeys;
  client: HorusClient;
  stateDir: string;
  runner: Proc;
  executed(): Promise<string[]>;
  job(payload: string, extra?: Partial<Job>): Job;
  /** Another runner process: same runner id, namespace, state directory and record key. */
  spawn(args?: string[]): Promise<Proc>;
}

async function setup(args: string[] = []): Promise<Setup> {
  const ns = uniqueNamespace("sec");
  const stateDir = mkdtempSync(join(tmpdir(), "horus-state-"));
  const recordKey = `${ns}:executed`;
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  cleanups.push(async () => {
    await client.close();
    await dropNamespace(redis, ns);
    rmSync(stateDir, { recursive: true, force: true });
  });
  const spawn = async (extra: string[] = args) => {
    const proc = await startRunner({
      script: TEST_RUNNER,
      runnerId: "r1",
      namespace: ns,
      trustedKeys: [trusted.public_key],
      redisUrl: REDIS_URL,
      args: ["--record-key", recordKey, "--state-dir", stateDir, ...extra],
    });
    cleanups.push(() => proc.stop("SIGKILL"));
    return proc;
  };
  return {
    ns,
    keys: new RedisKeys(ns),
    client,
    stateDir,
    runner: await spawn(),
    executed: () => executedIds(redis, recordKey),
    job: (payload, extra = {}) =>
      signJob(
        { ...createJob({ payload, runner: "r1", timeout: 10 }), ...extra },
        trusted.private_key,
      ),
    spawn,
  };
}

/** What a Redis writer does to replay a finished job: erase every trace, queue it again. */
async function replayByRedisWriter(s: Setup, job: Job): Promise<void> {
  const hash = await redis.hgetall(s.keys.job(job.id));
  await redis.del(
    s.keys.job(job.id),
    s.keys.claim(job.id),
    s.keys.result(job.id),
    s.keys.reply(job.id),
  );
  const fresh: Record<string, string> = { ...hash, status: "dispatched", attempts: "0" };
  for (const f of ["started_at", "finished_at", "error", "error_kind", "runner_instance"])
    delete fresh[f];
  for (const f of ["result_signature", "result_signer", "result_proof"]) delete fresh[f];
  await redis.hset(s.keys.job(job.id), fresh);
  await redis.lpush(s.keys.queue("r1"), job.id);
}

describe("replays", () => {
  test("a claimed id cannot be submitted again once its job is deleted", async () => {
    const s = await setup();
    const job = s.job("echo once");
    expect((await s.client.run(job)).status).toBe("finished");
    // What the supervisor's job.delete did: the job's keys go, its claim stays.
    await redis.del(s.keys.job(job.id), s.keys.result(job.id), s.keys.reply(job.id));
    const error = await s.client.submit(job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobExistsError);
    expect(String(error)).toMatch(/claimed by a runner before/);
    expect(await s.executed()).toEqual([job.id]);
  });

  test("a Redis writer who erases the claim and queues the id again gets no second run", async () => {
    const s = await setup();
    const job = s.job("echo once");
    expect((await s.client.run(job)).status).toBe("finished");
    await replayByRedisWriter(s, job);
    const record = await s.client.wait(job.id, 20);
    expect(record).toMatchObject({ status: "error", error_kind: "unauthorized" });
    expect(record.error).toMatch(/run ledger/);
    // And after a restart the new process remembers from the state directory.
    await s.runner.stop("SIGTERM");
    const second = await s.spawn();
    await replayByRedisWriter(s, job);
    const again = await s.client.wait(job.id, 20);
    expect(again).toMatchObject({ status: "error", error_kind: "unauthorized" });
    expect(await s.executed()).toEqual([job.id]);
    // Its log line may reach us after the record does (the pipe is slower than Redis).
    await second.waitFor("a replay is refused");
  });

  test("a job handed back on a stop runs again on the next start (its start is written off)", async () => {
    const s = await setup(["--grace-period", "0.2"]);
    const job = s.job("sleep 60000\necho done", { timeout: 120 });
    await s.client.submit(job);
    await until(async () => (await s.executed()).length === 1, { what: "the job to start" });
    expect((await s.runner.stop("SIGTERM")).code).toBe(0);
    expect(await redis.hget(s.keys.job(job.id), "status")).toBe("dispatched");
    // The next process runs it (this time it is cut short by a cancel, which is enough).
    await s.spawn();
    await until(async () => (await s.executed()).length === 2, { what: "the job to run again" });
    await s.client.cancel(job.id);
    expect((await s.client.wait(job.id, 20)).error_kind).toBe("cancelled");
  });

  test("a finished id queued again leaves the runner's active list (and is never re-handled)", async () => {
    const s = await setup(["--heartbeat", "1"]);
    const job = s.job("echo once");
    const record = await s.client.run(job);
    await redis.lpush(s.keys.queue("r1"), job.id);
    const active = s.keys.active("r1", record.runner_instance ?? "");
    await s.runner.waitFor("replay is refused");
    await until(async () => (await redis.llen(active)) === 0, { what: "an empty active list" });
    expect(await s.executed()).toEqual([job.id]);
    expect(s.runner.output()).not.toContain("adopting");
  });
});

describe("identity", () => {
  test("only trusted signatures reach the script; an added untrusted one is dropped", async () => {
    const s = await setup();
    const job = signJob(s.job("signatories"), stranger.private_key);
    const record = await s.client.run(job);
    expect(record.result).toEqual({ success: trusted.public_key });
    await s.runner.waitFor("untrusted keys ignored");
  });
});

describe("signed results", () => {
  test("each outcome is signed by the runner's key, published with its heartbeat", async () => {
    const s = await setup();
    const [info] = await listInstances(redis, s.keys, "r1");
    const runnerKey = info?.public_key;
    expect(runnerKey).toMatch(/^0[23][0-9a-f]{64}$/);
    // Made in the state directory on first start, private to its owner.
    const keyFile = readFileSync(join(s.stateDir, "runner-key"), "utf8").trim();
    expect(publicKeyOf(keyFile)).toBe(runnerKey);

    const ok = await s.client.run(s.job("echo fine"));
    const failed = await s.client.run(s.job("fail broken"));
    const keys = new Set([runnerKey as string]);
    expect(checkResultSignature(ok, keys)).toEqual({ ok: true, signer: runnerKey });
    expect(checkResultSignature(failed, keys)).toEqual({ ok: true, signer: runnerKey });
    // The stored record (not the reply) verifies the same way.
    const stored = await s.client.status(ok.id);
    expect(stored && checkResultSignature(stored, keys).ok).toBe(true);
    // Another key is not trusted.
    expect(checkResultSignature(ok, new Set([stranger.public_key]))).toMatchObject({
      ok: false,
      reason: "untrusted",
    });
  });

  test("ends recorded together share one signature; each verifies alone, none with another's proof", async () => {
    const s = await setup(["--concurrency", "10"]);
    const [info] = await listInstances(redis, s.keys, "r1");
    const keys = new Set([info?.public_key as string]);
    const jobs = Array.from({ length: 40 }, (_, i) =>
      s.job(i % 7 === 0 ? "fail broken" : `echo ${i}`),
    );
    const replies = await Promise.all(jobs.map((job) => s.client.run(job)));
    for (const reply of replies) expect(checkResultSignature(reply, keys).ok).toBe(true);
    const stored = await Promise.all(jobs.map(async (job) => s.client.status(job.id)));
    for (const record of stored) expect(record && checkResultSignature(record, keys).ok).toBe(true);
    // Ends that left in one write were signed as one batch: find two of a batch.
    const batched = stored.filter((r): r is JobRecord => r?.result_proof !== undefined);
    expect(batched.length).toBeGreaterThan(1);
    const [a, b] = [0, 1].map((i) => batched[i]) as [JobRecord, JobRecord];
    const mate = batched.find(
      (r) => r.id !== a.id && r.result_signature === a.result_signature,
    ) as JobRecord;
    expect(mate).toBeDefined();
    expect(JSON.parse(a.result_proof as string).index).not.toBe(
      JSON.parse(mate.result_proof as string).index,
    );
    // A Redis writer gives a result its batch mate's proof, or another batch's signature.
    await redis.hset(s.keys.job(a.id), "result_proof", mate.result_proof as string);
    const swapped = (await s.client.status(a.id)) as JobRecord;
    expect(checkResultSignature(swapped, keys)).toMatchObject({ ok: false, reason: "invalid" });
    if (b.result_signature !== a.result_signature) {
      await redis.hset(s.keys.job(a.id), {
        result_proof: b.result_proof as string,
        result_signature: b.result_signature as string,
      });
      const other = (await s.client.status(a.id)) as JobRecord;
      expect(checkResultSignature(other, keys).ok).toBe(false);
    }
  });

  test("horus run/result --runner-keys: says who signed, and catches a forged result", async () => {
    const s = await setup();
    const [info] = await listInstances(redis, s.keys, "r1");
    const runnerKey = info?.public_key as string;
    const env = { HORUS_SIGNING_KEY: trusted.private_key };
    const common = ["--redis-url", REDIS_URL, "--namespace", s.ns];
    const run = await runToEnd(
      process.execPath,
      [
        distBin("horus"),
        ...common,
        "run",
        "--runner",
        "r1",
        "--script",
        "-",
        "--runner-keys",
        runnerKey,
      ],
      { env, input: "echo hello" },
    );
    expect(run.stderr).toContain(`result signed by runner key ${runnerKey}`);
    expect(run.stdout).toBe("hello\n");
    expect(run.code).toBe(0);

    const id = (await redis.keys(`${s.ns}:job:*:result`))[0]?.split(":")[2] as string;
    // A Redis writer rewrites the outcome.
    await redis.set(s.keys.result(id), JSON.stringify({ success: "forged" }));
    const result = await runToEnd(
      process.execPath,
      [distBin("horus"), ...common, "result", id, "--runner-keys", runnerKey],
      { env },
    );
    expect(result.stderr).toMatch(/result NOT verified: .*altered or forged/);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
  });
});

// A Runner built in-process with a fake executor: the runner's own logic (take, check, run,
// end, retry, refuse, stop) observed through its typed events, against the real Redis.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, JobFailure, signJob } from "../../src/job/index.js";
import {
  createLogger,
  type ExecutionContext,
  type Executor,
  type JobEndEvent,
  type JobRefusedEvent,
  type JobStartEvent,
  Runner,
} from "../../src/runtime/index.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

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

/** An executor whose jobs do what their payload says: "ok X", "fail", "fail-before N". */
function fakeExecutor(seen: ExecutionContext[]): Executor {
  return {
    kind: "fake",
    async execute(ctx) {
      seen.push(ctx);
      const [word, arg] = ctx.job.payload.split(" ");
      if (word === "fail") throw new JobFailure("script", "asked to fail");
      if (word === "fail-before" && ctx.attempt < Number(arg))
        throw new Error(`attempt ${ctx.attempt} too early`);
      return `${arg ?? ""} on attempt ${ctx.attempt}`;
    },
  };
}

async function inProcess() {
  const ns = uniqueNamespace("inproc");
  const stateDir = mkdtempSync(join(tmpdir(), "horus-inproc-"));
  const seen: ExecutionContext[] = [];
  const runner = new Runner(
    {
      runnerId: "r1",
      redisUrl: REDIS_URL,
      namespace: ns,
      concurrency: 2,
      stateDir,
      policy: { trustedKeys: new Set([trusted.public_key]), maxJobAgeS: 3600, clockSkewS: 60 },
    },
    fakeExecutor(seen),
    createLogger("silent", {}),
  );
  const events: { start: JobStartEvent[]; end: JobEndEvent[]; refused: JobRefusedEvent[] } = {
    start: [],
    end: [],
    refused: [],
  };
  runner.on("job:start", (e) => events.start.push(e));
  runner.on("job:end", (e) => events.end.push(e));
  runner.on("job:refused", (e) => events.refused.push(e));
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  cleanups.push(async () => {
    await runner.stop("forceful");
    await client.close();
    await dropNamespace(redis, ns);
    rmSync(stateDir, { recursive: true, force: true });
  });
  await runner.start();
  const job = (payload: string, extra: Partial<Job> = {}) =>
    signJob(
      { ...createJob({ payload, runner: "r1", timeout: 10 }), ...extra },
      trusted.private_key,
    );
  return { runner, client, events, seen, job };
}

test("each job's start and end are reported, with its attempt and outcome", async () => {
  const w = await inProcess();
  const job = w.job("ok hello");
  const record = await w.client.run(job);
  expect(record.status).toBe("finished");
  await until(() => w.events.end.length === 1, { what: "the end event" });
  expect(w.events.start).toEqual([{ id: job.id, attempt: 1, queueWaitMs: expect.any(Number) }]);
  expect(w.events.end[0]).toMatchObject({
    id: job.id,
    attempt: 1,
    outcome: "finished",
    dead: false,
  });
  expect(w.seen[0]?.attempt).toBe(1);
  expect(w.seen[0]?.signatories).toEqual([trusted.public_key]);
});

test("a retried job reports each attempt; a job out of attempts goes dead", async () => {
  const w = await inProcess();
  const retried = w.job("fail-before 3", { max_attempts: 3 });
  expect(await w.client.run(retried)).toMatchObject({ status: "finished", attempts: 3 });
  const doomed = w.job("fail", { max_attempts: 2 });
  expect(await w.client.run(doomed)).toMatchObject({ status: "error", error_kind: "script" });
  await until(() => w.events.end.length === 5, { what: "five end events" });
  expect(
    w.events.end.map((e) => [e.id === retried.id ? "r" : "d", e.attempt, e.outcome, e.dead]),
  ).toEqual([
    ["r", 1, "retry", false],
    ["r", 2, "retry", false],
    ["r", 3, "finished", false],
    ["d", 1, "retry", false],
    ["d", 2, "error", true],
  ]);
});

test("a refusal is reported with a bounded reason, and nothing runs", async () => {
  const w = await inProcess();
  const stranger = generateKeyPair();
  const job = signJob(createJob({ payload: "ok x", runner: "r1" }), stranger.private_key);
  expect(await w.client.run(job, 20)).toMatchObject({ error_kind: "unauthorized" });
  await until(() => w.events.refused.length === 1, { what: "the refusal event" });
  expect(w.events.refused[0]).toMatchObject({
    id: job.id,
    kind: "unauthorized",
    reason: "untrusted",
  });
  expect(w.seen).toEqual([]);
});

test("a stop is reported once it is done", async () => {
  const w = await inProcess();
  let stopped = 0;
  w.runner.on("stopped", () => {
    stopped += 1;
  });
  await w.runner.stop();
  expect(stopped).toBe(1);
});

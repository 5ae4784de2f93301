// The event stream: every state change of a job, in order, from the scripts themselves;
// `horus events` prints them, and --follow prints new ones as they happen.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { distBin, type Proc, ROOT, runToEnd, start, startRunner } from "../helpers/processes.js";
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

async function setup() {
  const ns = uniqueNamespace("events");
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  cleanups.push(async () => {
    await client.close();
    await dropNamespace(redis, ns);
  });
  const runner: Proc = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "e1",
    namespace: ns,
    trustedKeys: [trusted.public_key],
    redisUrl: REDIS_URL,
  });
  cleanups.push(() => runner.stop("SIGKILL"));
  const horus = (args: string[]) =>
    runToEnd(process.execPath, [
      distBin("horus"),
      "--redis-url",
      REDIS_URL,
      "--namespace",
      ns,
      ...args,
    ]);
  const job = (payload: string, extra: Partial<Job> = {}) =>
    signJob(
      { ...createJob({ payload, runner: "e1", timeout: 10 }), ...extra },
      trusted.private_key,
    );
  return { ns, client, horus, job };
}

test("each job's state changes are in the stream, in order", async () => {
  const s = await setup();
  const ok = s.job("echo fine");
  const flaky = s.job("fail nope", { max_attempts: 2 });
  await s.client.run(ok);
  await s.client.run(flaky);
  const out = await s.horus(["events", "--json", "--last", "100", "--runner", "e1"]);
  expect(out.code).toBe(0);
  const events = out.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, string>);
  const of = (id: string) => events.filter((e) => e.job === id).map((e) => e.event);
  expect(of(ok.id)).toEqual(["queued", "started", "finished"]);
  expect(of(flaky.id)).toEqual(["queued", "started", "retrying", "queued", "started", "dead"]);
  const started = events.filter((e) => e.job === flaky.id && e.event === "started");
  expect(started.map((e) => e.attempt)).toEqual(["1", "2"]);
  expect(events.find((e) => e.job === flaky.id && e.event === "dead")?.error_kind).toBe("script");
  // Stream ids only grow.
  const ids = events.map((e) => e.stream_id);
  expect([...ids].sort((a, b) => Number(a.split("-")[0]) - Number(b.split("-")[0]))).toEqual(ids);
});

test("--follow prints events as they happen", async () => {
  const s = await setup();
  const follower = start(process.execPath, [
    distBin("horus"),
    "--redis-url",
    REDIS_URL,
    "--namespace",
    s.ns,
    "events",
    "--follow",
    "--json",
  ]);
  cleanups.push(() => follower.stop("SIGKILL"));
  // A job every half second until the follower shows one: its blocking read may start late.
  await until(
    async () => {
      if (follower.output().includes('"event":"finished"')) return true;
      await s.client.submit(s.job("echo ping"));
      return false;
    },
    { what: "a finished event to reach the follower", every: 500 },
  );
  expect(follower.output()).toMatch(/"event":"queued"/);
});

// Jobs that end in the same tick are recorded by one FINISH_MANY call, and the takes that
// follow them by one TAKE: each end still gets its own answer (a missing job, one held by
// another instance, one whose hash a Redis writer broke), exactly as its own FINISH would.
import type { Command, Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { type EndOptions, JobStore, type TakeRequest } from "../../src/protocol/index.js";
import { FINISH_MANY, scriptSource } from "../../src/protocol/scripts.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const key = generateKeyPair();
let redis: Redis;
const namespaces: string[] = [];

beforeAll(() => {
  // A connection of this file's own: the test watches what is sent on it.
  redis = testRedis(REDIS_URL);
});
afterEach(async () => {
  for (const ns of namespaces.splice(0)) await dropNamespace(redis, ns);
});
afterAll(() => {
  redis.disconnect();
});

/** The scripts sent on `conn` from now on, by SHA, with their key counts. */
function watchScripts(conn: Redis): { sha: string; keys: number }[] {
  const seen: { sha: string; keys: number }[] = [];
  const send = conn.sendCommand.bind(conn);
  conn.sendCommand = ((command: Command, ...rest: unknown[]) => {
    if (command.name === "evalsha")
      seen.push({ sha: String(command.args[0]), keys: Number(command.args[1]) });
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof conn.sendCommand;
  return seen;
}

function world() {
  const ns = uniqueNamespace("merged");
  namespaces.push(ns);
  const store = new JobStore(redis, ns);
  const request = (max: number): TakeRequest => ({
    runnerId: "r1",
    instance: "i1",
    max,
    claimTtlS: 3600,
  });
  const job = (payload: string): Job =>
    signJob(createJob({ payload, runner: "r1", timeout: 30 }), key.private_key);
  const ends: EndOptions = {
    instance: "i1",
    mode: "holder",
    active: { runnerId: "r1", instance: "i1" },
    retentionS: 600,
    keepFinished: 100,
  };
  return { store, keys: store.keys, request, job, ends };
}

test("ends of one tick go as one call, each answered as its own FINISH would", async () => {
  const w = world();
  const jobs = ["a", "b", "c", "d"].map((p) => w.job(p));
  for (const j of jobs) await w.store.submit(j);
  const taken = await w.store.takeAlong(w.request(4));
  expect(taken.jobs.map((t) => t.outcome)).toEqual(["started", "started", "started", "started"]);
  const [a, b, c, d] = jobs as [Job, Job, Job, Job];
  // c is held by another instance now; d's hash was made a string by a Redis writer.
  await redis.hset(w.keys.job(c.id), "runner_instance", "i2");
  await redis.del(w.keys.job(d.id));
  await redis.set(w.keys.job(d.id), "broken");
  // Loaded beforehand, so the one call is not followed by its reload (covered below).
  await redis.script("LOAD", scriptSource(FINISH_MANY));
  const seen = watchScripts(redis);
  const endOfA = w.store.prepareSuccess(a.id, "A", w.ends);
  const outcomes = await Promise.allSettled([
    w.store.writeEnd(endOfA),
    w.store.succeed("no-such-job", "x", w.ends),
    w.store.fail(b.id, "script", "boom", w.ends),
    w.store.succeed(c.id, "C", w.ends),
    w.store.succeed(d.id, "D", w.ends),
  ]);
  redis.sendCommand = Object.getPrototypeOf(redis).sendCommand;
  expect(seen).toEqual([{ sha: expect.any(String), keys: 50 }]);
  expect(outcomes.slice(0, 4)).toEqual([
    { status: "fulfilled", value: "written" },
    { status: "fulfilled", value: "missing" },
    { status: "fulfilled", value: "written" },
    { status: "fulfilled", value: "not-holder" },
  ]);
  expect(outcomes[4]?.status).toBe("rejected");
  expect(String((outcomes[4] as PromiseRejectedResult).reason)).toContain("WRONGTYPE");
  // Each written end is whole: status, result with its expiry, reply, out of the active list.
  expect(await w.store.record(a.id)).toMatchObject({ status: "finished" });
  expect(await w.store.result(a.id)).toEqual({ success: "A" });
  expect(await redis.ttl(w.keys.result(a.id))).toBeGreaterThan(500);
  expect(await w.store.record(b.id)).toMatchObject({ status: "error", error_kind: "script" });
  expect(await w.store.record(c.id)).toMatchObject({ status: "started" });
  expect(await redis.lrange(w.keys.active("r1", "i1"), 0, -1)).toEqual([]);
  expect(await redis.lrange(w.keys.reply(a.id), 0, -1)).toHaveLength(1);
  // A resend of a written end answers "written" again (the end writer relies on it).
  expect(await w.store.writeEnd(endOfA)).toBe("written");
});

test("take-alongs of one tick are one TAKE; the first caller gets every job", async () => {
  const w = world();
  const jobs = ["a", "b", "c", "d"].map((p) => w.job(p));
  for (const j of jobs) await w.store.submit(j);
  const seen = watchScripts(redis);
  const [first, second, third] = await Promise.all([
    w.store.takeAlong(w.request(1)),
    w.store.takeAlong(w.request(1)),
    w.store.takeAlong(w.request(1)),
  ]);
  redis.sendCommand = Object.getPrototypeOf(redis).sendCommand;
  expect(seen).toHaveLength(1);
  expect(first.jobs.map((t) => t.id)).toEqual(jobs.slice(0, 3).map((j) => j.id));
  expect(second).toEqual({ jobs: [], queueLeft: 1 });
  expect(third).toEqual({ jobs: [], queueLeft: 1 });
  // The next tick's take is a take of its own.
  const later = await w.store.takeAlong(w.request(1));
  expect(later.jobs.map((t) => t.id)).toEqual([jobs[3]?.id]);
  expect(later.queueLeft).toBe(0);
});

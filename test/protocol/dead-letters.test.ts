// The dead letters as `horus dead` and the supervisor's dead.* share them (lifecycle.ts):
// filtered pages, a retry that only one of two callers gets, a failed retry that puts the
// letter back, a filtered purge. Letters are made as a runner's last failed attempt leaves
// them (the job's hash, its id in runner:<id>:dead); against the real Redis.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, type Job, retryJobOf, signJob } from "../../src/job/index.js";
import {
  deadLetterOf,
  JobStore,
  listDead,
  listDeadWhere,
  NotDeadError,
  purgeDead,
  resubmitDead,
} from "../../src/protocol/index.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";

const signer = generateKeyPair();
let redis: Redis;
const namespaces: string[] = [];

beforeAll(() => {
  redis = testRedis();
});
afterEach(async () => {
  for (const ns of namespaces.splice(0)) await dropNamespace(redis, ns);
});
afterAll(() => redis.quit());

function world() {
  const ns = uniqueNamespace("deadl");
  namespaces.push(ns);
  const store = new JobStore(redis, ns);
  /** A dead letter that died `i` ms after the epoch's second 1000 (older first). */
  const letter = async (i: number, payload = `fail ${i}`): Promise<Job> => {
    const job = signJob(createJob({ payload, runner: "r1", timeout: 30 }), signer.private_key);
    await store.store(job);
    await redis.hset(store.keys.job(job.id), { status: "error", error_kind: "script" });
    await redis.zadd(store.keys.dead("r1"), 1_000_000 + i, job.id);
    return job;
  };
  return { store, letter };
}

describe("dead letters", () => {
  test("a filtered listing pages among the letters it lets through, newest first", async () => {
    const w = world();
    const jobs: Job[] = [];
    for (let i = 0; i < 7; i++) jobs.push(await w.letter(i));
    // Every other letter is "mine".
    const mine = new Set(jobs.filter((_, i) => i % 2 === 0).map((j) => j.id));
    const keep = async (ids: readonly string[]) => ids.map((id) => mine.has(id));
    const first = await listDeadWhere(w.store, "r1", keep, { limit: 3 });
    expect(first.letters.map((l) => l.id)).toEqual([jobs[6]?.id, jobs[4]?.id, jobs[2]?.id]);
    expect(first.has_more).toBe(true);
    const last = await listDeadWhere(w.store, "r1", keep, { offset: 3, limit: 3 });
    expect(last.letters.map((l) => l.id)).toEqual([jobs[0]?.id]);
    expect(last.has_more).toBe(false);
    expect(last.letters[0]?.died_at).toBe(new Date(1_000_000).toISOString());

    const all = await listDead(w.store, "r1", { limit: 5 });
    expect(all).toMatchObject({ total: 7, has_more: true });
    expect(all.letters).toHaveLength(5);
  });

  test("a letter whose job is gone leaves the set as a listing meets it", async () => {
    const w = world();
    const kept = await w.letter(0);
    const gone = await w.letter(1);
    await redis.del(w.store.keys.job(gone.id));
    const page = await listDeadWhere(w.store, "r1", async (ids) => ids.map(() => true));
    expect(page.letters.map((l) => l.id)).toEqual([kept.id]);
    expect(await redis.zrange(w.store.keys.dead("r1"), "0", "-1")).toEqual([kept.id]);
  });

  test("of two retries of one letter at once, one goes on; the other is told it is no letter", async () => {
    const w = world();
    const original = await w.letter(0);
    const a = signJob(retryJobOf(original), signer.private_key);
    const b = signJob(retryJobOf(original), signer.private_key);
    const outcomes = await Promise.allSettled([
      resubmitDead(w.store, original, a),
      resubmitDead(w.store, original, b),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(NotDeadError);
    expect(refused.reason.message).toBe(`job ${original.id} is not among runner r1's dead letters`);
    const winner = outcomes[0]?.status === "fulfilled" ? a : b;
    expect(await redis.hget(w.store.keys.job(original.id), "retried_as")).toBe(winner.id);
    expect(await redis.lrange(w.store.keys.queue("r1"), 0, -1)).toEqual([winner.id]);
    expect((await deadLetterOf(w.store, original.id))?.dead).toBe(false);
  });

  test("a retry whose submit fails leaves the letter where it was", async () => {
    const w = world();
    const original = await w.letter(3);
    const retry = signJob(retryJobOf(original), signer.private_key);
    await expect(
      resubmitDead(w.store, original, retry, async () => {
        throw new Error("refused on purpose");
      }),
    ).rejects.toThrow("refused on purpose");
    expect(await redis.zscore(w.store.keys.dead("r1"), original.id)).toBe("1000003");
    expect(await redis.hget(w.store.keys.job(original.id), "retried_as")).toBeNull();
  });

  test("a retry of a letter whose job expired does not make its hash again", async () => {
    const w = world();
    const original = await w.letter(0);
    await redis.del(w.store.keys.job(original.id));
    await resubmitDead(w.store, original, signJob(retryJobOf(original), signer.private_key));
    expect(await redis.exists(w.store.keys.job(original.id))).toBe(0);
  });

  test("a filtered purge deletes only the letters it lets through", async () => {
    const w = world();
    const mine = await w.letter(0);
    const theirs = await w.letter(1);
    const keep = async (ids: readonly string[]) => ids.map((id) => id === mine.id);
    expect(await purgeDead(w.store, "r1", [theirs.id], keep)).toEqual([]);
    expect(await purgeDead(w.store, "r1", undefined, keep)).toEqual([mine.id]);
    expect(await redis.exists(w.store.keys.job(mine.id))).toBe(0);
    expect(await redis.zrange(w.store.keys.dead("r1"), "0", "-1")).toEqual([theirs.id]);
  });
});

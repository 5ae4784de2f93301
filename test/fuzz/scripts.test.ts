// Hostile job hashes against the Lua scripts. A script reads a job's hash before anything has
// checked it (TAKE runs before the runner validates the job; RECOVER, FINISH and HAND_BACK
// read bookkeeping fields anyone with Redis access could have written). A script call that
// fails on such a hash fails every time it is retried: one bad hash on a queue would stop a
// runner taking jobs, or a sweep recovering them. So for any hash, every script answers with
// one of its codes and never with an error. Against the real Redis.
import fc from "fast-check";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { JobStore, sweepCrashedInstances } from "../../src/protocol/index.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";

const RUNS = 400;
let redis: Redis;
const ns = uniqueNamespace("fuzz-scripts");

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await dropNamespace(redis, ns);
  redis.disconnect();
});

/** What a field could hold: numbers of every form, words, the statuses, and anything. */
const value = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "-1",
    "1e999",
    "-1e999",
    "1e308",
    "nan",
    "inf",
    "0x10",
    "3.7",
    "999999999999999999999",
    "dispatched",
    "started",
    "finished",
    "error",
    "cancelled",
    "i1",
  ),
  fc.string({ maxLength: 12 }),
);

const FIELDS = ["status", "timeout", "attempts", "error_kind", "runner_instance", "runner"];

const hostileHash = fc.dictionary(fc.constantFrom(...FIELDS), value, { minKeys: 1 });

describe("scripts on hostile job hashes", () => {
  test("TAKE, FINISH, HAND_BACK and RECOVER answer with a code, never an error", async () => {
    const store = new JobStore(redis, ns);
    const k = store.keys;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostileHash, async (hash) => {
        n += 1;
        const id = `fuzz-${n}`;
        await redis.hset(k.job(id), hash);

        // Taken from the queue: a code, and the id moved to the active list.
        await redis.lpush(k.queue("r1"), id);
        const taken = await store.takeAlong({
          runnerId: "r1",
          instance: "i1",
          max: 1,
          claimTtlS: 60,
        });
        expect(taken.jobs.map((t) => t.id)).toEqual([id]);
        expect(taken.queueLeft).toBe(0);
        expect(["started", "missing", "already-run", "cancelled", "not-held"]).toContain(
          taken.jobs[0]?.outcome,
        );

        // Handed back, then swept from a dead instance's list, then ended.
        await store.handBack("r1", id, "i1");
        await redis.lpush(k.active("r1", "dead-1"), id);
        await redis.sadd(k.instances("r1"), "dead-1");
        await sweepCrashedInstances(redis, k, "r1", {
          self: "i1",
          maxAttempts: 2,
          retentionS: 60,
          guardMs: 1,
        });
        const ended = await store.fail(id, "script", "fuzzed", {
          instance: "i1",
          mode: "open",
          retentionS: 60,
        });
        expect(["written", "missing", "already-ended", "not-holder"]).toContain(ended);
        await redis.del(k.queue("r1"), k.active("r1", "i1"), k.sweepGuard("r1"));
      }),
      { numRuns: RUNS },
    );
  });
});

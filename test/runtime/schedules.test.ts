// Recurring jobs against real runner processes and the real Redis: the acceptance test of
// issue #23 (every 2 s, two instances, the minting one killed with SIGKILL midway: each
// occurrence runs exactly once, none missing), and a Redis writer's attempts to make a runner
// run what no schedule authorised.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  generateKeyPair,
  jobToHash,
  occurrenceFields,
  occurrenceJob,
  type Schedule,
  signSchedule,
} from "../../src/job/index.js";
import { RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { recurringScenario } from "../helpers/schedule-scenario.js";
import { until } from "../helpers/until.js";

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

test("every 2 s over 20 s, two instances, the minting one killed with SIGKILL midway: each occurrence runs once, none missing", async () => {
  const ns = uniqueNamespace("recur");
  cleanups.push(() => dropNamespace(redis, ns));
  const report = await recurringScenario({
    redisUrl: REDIS_URL,
    namespace: ns,
    instances: 2,
    kills: 1,
    spanMs: 20_000,
  });
  expect(report.runTwice).toEqual([]);
  expect(report.missing).toEqual([]);
  expect(report.ran.length).toBeGreaterThanOrEqual(11);
  expect(report.handovers).toHaveLength(1);
  // Only a job the killed instance held can have ended otherwise (swept as crashed).
  expect(report.outcomes.finished ?? 0).toBeGreaterThanOrEqual(report.ran.length - 1);
  expect(
    Object.keys(report.outcomes).filter((k) => k !== "finished" && k !== "error:crashed"),
  ).toEqual([]);
}, 120_000);

describe("what a Redis writer can do with occurrences", () => {
  interface World {
    keys: RedisKeys;
    runner: Proc;
    executed(): Promise<string[]>;
    /** Writes an occurrence's hash by hand and queues its id, as a Redis writer could. */
    forge(
      schedule: Schedule,
      t: number,
      edit?: (h: Record<string, string>) => void,
    ): Promise<string>;
    ended(id: string): Promise<Record<string, string>>;
  }

  async function world(): Promise<World> {
    const ns = uniqueNamespace("occ");
    const recordKey = `${ns}:executed`;
    const keys = new RedisKeys(ns);
    const runner = await startRunner({
      script: `${ROOT}test/fixtures/test-runner.mjs`,
      runnerId: "r1",
      namespace: ns,
      trustedKeys: [trusted.public_key],
      redisUrl: REDIS_URL,
      args: ["--record-key", recordKey],
    });
    cleanups.push(async () => {
      await runner.stop("SIGKILL");
      await dropNamespace(redis, ns);
    });
    return {
      keys,
      runner,
      executed: () => executedIds(redis, recordKey),
      async forge(schedule, t, edit) {
        const job = occurrenceJob(schedule, t);
        const hash: Record<string, string> = {
          ...jobToHash(job),
          ...occurrenceFields(JSON.stringify(schedule), t),
          status: "dispatched",
          attempts: "0",
        };
        edit?.(hash);
        await redis.hset(keys.job(hash.id as string), hash);
        await redis.lpush(keys.queue("r1"), hash.id as string);
        return hash.id as string;
      },
      ended: (id) =>
        until(
          async () => {
            const h = await redis.hgetall(keys.job(id));
            return h.status === "finished" || h.status === "error" ? h : undefined;
          },
          { what: `${id} to end` },
        ),
    };
  }

  function schedule(extra: Partial<Schedule> = {}, key = trusted.private_key): Schedule {
    return signSchedule(
      {
        name: "hourly",
        runner: "r1",
        every_ms: 1000,
        template: { payload: "echo scheduled" },
        created_at: new Date(Date.now() - 600_000).toISOString(),
        signatures: [],
        ...extra,
      },
      key,
    );
  }

  const recent = () => Math.floor(Date.now() / 1000) * 1000 - 5000;

  test("a valid occurrence runs the schedule's job, whatever its hash's job fields say", async () => {
    const w = await world();
    const id = await w.forge(schedule(), recent(), (h) => {
      h.payload = "echo evil";
    });
    const h = await w.ended(id);
    expect(h.status).toBe("finished");
    expect(await redis.get(w.keys.result(id))).toBe('{"success":"scheduled"}');
    expect(await w.executed()).toEqual([id]);
  });

  test("an occurrence whose schedule was edited in Redis is refused unauthorized", async () => {
    const w = await world();
    const ids: string[] = [];
    const s = schedule();
    for (const edit of [
      { template: { payload: "echo evil" } },
      { every_ms: 5000 },
      { runner: "r1", name: "hourly", created_at: new Date(Date.now() - 7200_000).toISOString() },
    ])
      ids.push(
        await w.forge(s, recent() - 1000 * ids.length, (h) => {
          h.schedule = JSON.stringify({ ...s, ...edit });
        }),
      );
    // An edited runner: a schedule signed for r2, changed to say r1.
    const other = schedule({ runner: "r2" });
    ids.push(
      await w.forge(other, recent() - 4000, (h) => {
        h.schedule = JSON.stringify({ ...other, runner: "r1" });
        h.runner = "r1";
      }),
    );
    for (const id of ids) {
      const h = await w.ended(id);
      expect(h.error_kind, id).toBe("unauthorized");
      expect(h.error).toContain("invalid signature");
    }
    expect(await w.executed()).toEqual([]);
  });

  test("untrusted signers, times the schedule never produces, stale times and ids of another time are refused", async () => {
    const w = await world();
    const s = schedule();
    const cases: [string, string, string][] = [
      [
        await w.forge(schedule({}, stranger.private_key), recent()),
        "unauthorized",
        "no signatory is trusted",
      ],
      [
        await w.forge(schedule({ every_ms: 60_000 }), recent() + 1000),
        "unauthorized",
        "has no occurrence at",
      ],
      [
        await w.forge(
          schedule({ created_at: new Date(Date.now() - 3 * 3600_000).toISOString() }),
          recent() - 2 * 3600_000,
        ),
        "invalid_job",
        "occurrence is too old",
      ],
      [
        await w.forge(s, recent(), (h) => {
          h.id = `sched:hourly:${recent() - 1000}`;
        }),
        "unauthorized",
        'is not "sched:hourly:',
      ],
    ];
    for (const [id, kind, message] of cases) {
      const h = await w.ended(id);
      expect(h.error_kind, id).toBe(kind);
      expect(h.error, id).toContain(message);
    }
    expect(await w.executed()).toEqual([]);
  });

  test("an occurrence that ran is refused when queued again", async () => {
    const w = await world();
    const id = await w.forge(schedule(), recent());
    expect((await w.ended(id)).status).toBe("finished");
    // Reset first, then queued: taken before the reset, it would be refused as finished and
    // nothing recorded (its end is written once).
    await redis.hset(w.keys.job(id), "status", "dispatched");
    await redis.lpush(w.keys.queue("r1"), id);
    await until(async () => (await redis.hget(w.keys.job(id), "error_kind")) === "unauthorized", {
      what: "the replay to be refused",
    });
    expect(await w.executed()).toEqual([id]);
  });
});

// kill -9 in the middle of batch-signed jobs (#25): a Redis of the test's own, three runner
// processes, batches submitted with one signature each and one round trip; one runner is
// killed twice while they run and replaced by a new one, whose cache of verified batch roots
// starts empty. No job may be lost, none may run twice, and none may end any other way than
// finished or (caught running by a kill) crashed.
import { Redis } from "ioredis";
import { afterAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { generateKeyPair, type NewJob } from "../../src/job/index.js";
import { RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { OwnRedis } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

const key = generateKeyPair();
const NS = "batchfaults";
const RUNNER = "fb";
const CONCURRENCY = 10;
const summary: Record<string, string | number>[] = [];

afterAll(() => {
  console.table(summary);
});

describe("batch signatures under faults", () => {
  test("kill -9 of a runner twice mid-batch: nothing lost, nothing run twice", async () => {
    const server = await OwnRedis.start();
    const redis = new Redis(server.url, { maxRetriesPerRequest: null });
    redis.on("error", () => {});
    const client = new HorusClient({ redisUrl: server.url, namespace: NS });
    const keys = new RedisKeys(NS);
    const recordKey = `${NS}:executed`;
    const runners: Proc[] = [];
    const spawn = async () => {
      const p = await startRunner({
        script: `${ROOT}test/fixtures/test-runner.mjs`,
        runnerId: RUNNER,
        namespace: NS,
        trustedKeys: [key.public_key],
        redisUrl: server.url,
        args: ["--record-key", recordKey, "--concurrency", String(CONCURRENCY), "--heartbeat", "1"],
      });
      runners.push(p);
      return p;
    };
    try {
      for (let i = 0; i < 3; i++) await spawn();
      // Three batches of 500, each one signature; 50-150 ms a job, so the run outlasts both
      // kills and each kill catches jobs of a batch in flight.
      const ids: string[] = [];
      for (let b = 0; b < 3; b++) {
        const specs: NewJob[] = Array.from({ length: 500 }, (_, i) => ({
          payload: `sleep ${50 + (i % 100)}\necho ${b}-${i}`,
          runner: RUNNER,
          timeout: 60,
        }));
        const outcomes = await client.submitMany(specs, { privateKeys: [key.private_key] });
        expect(outcomes.every((o) => o.outcome === "stored")).toBe(true);
        ids.push(...outcomes.map((o) => o.id));
      }
      for (let kill = 0; kill < 2; kill++) {
        // Kill once a good part of the batches has run since the last kill (the runner id's
        // finished count), so each kill lands mid-batch with jobs in flight.
        await until(
          async () => Number(await redis.hget(keys.counts(RUNNER), "finished")) >= (kill + 1) * 400,
          { what: `${(kill + 1) * 400} jobs finished`, timeout: 120_000 },
        );
        const victim = runners.shift() as Proc;
        await victim.stop("SIGKILL");
        await spawn();
      }
      const statuses = await until(
        async () => {
          const pipe = redis.pipeline();
          for (const id of ids) pipe.hmget(keys.job(id), "status", "error_kind");
          const replies = (await pipe.exec()) ?? [];
          const rows = replies.map((r) => (r[1] as [string | null, string | null]) ?? [null, null]);
          return rows.every(([s]) => s === "finished" || s === "error") ? rows : null;
        },
        { timeout: 180_000, every: 250, what: "every job of the batches to end" },
      );
      const executed = new Map<string, number>();
      for (const id of await executedIds(redis, recordKey))
        executed.set(id, (executed.get(id) ?? 0) + 1);
      const finished = statuses.filter(([s]) => s === "finished").length;
      const crashed = statuses.filter(([s, k]) => s === "error" && k === "crashed").length;
      const other = statuses.length - finished - crashed;
      const runTwice = [...executed.values()].filter((n) => n > 1).length;
      summary.push({
        scenario: "batch, kill -9 twice",
        submitted: ids.length,
        finished,
        crashed,
        other,
        "run twice": runTwice,
      });
      expect(runTwice).toBe(0);
      expect(other).toBe(0);
      // The kills did hit running jobs, never more than a victim could have been running.
      expect(crashed).toBeGreaterThan(0);
      expect(crashed).toBeLessThanOrEqual(2 * CONCURRENCY);
      // Every finished job ran exactly once; no job ran that did not end.
      ids.forEach((id, i) => {
        if (statuses[i]?.[0] === "finished") expect(executed.get(id), id).toBe(1);
      });
      expect(executed.size).toBeLessThanOrEqual(ids.length);
    } finally {
      for (const r of runners) await r.stop("SIGKILL");
      await client.close();
      redis.disconnect();
      await server.destroy();
    }
  });
});

// Batch-signed jobs through a real runner process (the line-language test executor) and the
// real Redis: a batch of 100 runs whole and once; a job of a batch altered or given another
// job's proof is refused while the rest run; a batch by a key the runner does not trust runs
// nothing.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { generateKeyPair, type Job, type NewJob } from "../../src/job/index.js";
import { RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const trusted = generateKeyPair();
const stranger = generateKeyPair();
const RUNNER = "rb";

let redis: Redis;
let runner: Proc;
let client: HorusClient;
const ns = uniqueNamespace("batch");
const keys = new RedisKeys(ns);
const recordKey = `${ns}:executed`;

beforeAll(async () => {
  redis = testRedis();
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [trusted.public_key],
    redisUrl: REDIS_URL,
    args: ["--record-key", recordKey, "--concurrency", "8"],
  });
  client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
});
afterEach(async () => {
  await redis.del(recordKey);
});
afterAll(async () => {
  await runner?.stop("SIGKILL");
  await client?.close();
  await dropNamespace(redis, ns);
  await redis.quit();
});

function specs(n: number, label: string): NewJob[] {
  return Array.from({ length: n }, (_, i) => ({
    payload: `echo ${label}${i}\nsignatories`,
    runner: RUNNER,
    timeout: 20,
  }));
}

/** Each job's status and error kind once every one has ended. */
async function ended(ids: string[]): Promise<{ status: string; kind: string | null }[]> {
  return until(
    async () => {
      const rows = await Promise.all(
        ids.map(async (id) => {
          const [status, kind] = await redis.hmget(keys.job(id), "status", "error_kind");
          return { status: status ?? "missing", kind };
        }),
      );
      return rows.every((r) => r.status === "finished" || r.status === "error") ? rows : null;
    },
    { timeout: 60_000, what: `${ids.length} jobs to end` },
  );
}

describe("batch-signed jobs on a runner", () => {
  test("a batch of 100: every job runs once, with the signer as its signatory", async () => {
    const outcomes = await client.submitMany(specs(100, "j"), {
      privateKeys: [trusted.private_key],
    });
    expect(outcomes.every((o) => o.outcome === "stored")).toBe(true);
    const ids = outcomes.map((o) => o.id);
    const rows = await ended(ids);
    expect(rows.every((r) => r.status === "finished")).toBe(true);
    const records = await Promise.all(ids.map((id) => client.status(id)));
    expect(records.map((r) => r?.result)).toEqual(
      ids.map((_, i) => ({ success: `j${i}\n${trusted.public_key}` })),
    );
    const executed = await executedIds(redis, recordKey);
    expect(executed.sort()).toEqual([...ids].sort());
  });

  test("one altered job is refused unauthorized; every other job of the batch runs", async () => {
    // Altered on its way, before it is stored: what a Redis writer could do after.
    const jobs = HorusClient.signedBatch(specs(20, "a"), [trusted.private_key]);
    const victim = jobs[7] as Job;
    const altered = jobs.map((j) => (j === victim ? { ...j, payload: "echo evil" } : j));
    const outcomes = await client.submitSigned(altered);
    expect(outcomes.every((o) => o.outcome === "stored")).toBe(true);
    const rows = await ended(jobs.map((j) => j.id));
    rows.forEach((row, i) => {
      if (i === 7) expect(row).toEqual({ status: "error", kind: "unauthorized" });
      else expect(row.status, `job ${i}`).toBe("finished");
    });
    expect((await client.status(victim.id))?.error).toContain(
      "batch signature does not match the root",
    );
    const executed = await executedIds(redis, recordKey);
    expect(executed).not.toContain(victim.id);
    expect(executed).toHaveLength(19);
  });

  test("a proof carried over to another job is refused; its owner still runs", async () => {
    const jobs = HorusClient.signedBatch(specs(4, "p"), [trusted.private_key]);
    const [a, b] = jobs as [Job, Job];
    // b wears a's signature entry (a's index and path).
    const swapped = jobs.map((j) => (j === b ? { ...b, signatures: a.signatures } : j));
    await client.submitSigned(swapped);
    const rows = await ended(jobs.map((j) => j.id));
    expect(rows.map((r) => r.status)).toEqual(["finished", "error", "finished", "finished"]);
    expect(rows[1]?.kind).toBe("unauthorized");
  });

  test("a batch signed by a key the runner does not trust runs nothing", async () => {
    const outcomes = await client.submitMany(specs(10, "s"), {
      privateKeys: [stranger.private_key],
    });
    const rows = await ended(outcomes.map((o) => o.id));
    expect(rows.every((r) => r.status === "error" && r.kind === "unauthorized")).toBe(true);
    expect(await executedIds(redis, recordKey)).toEqual([]);
  });
});

// HorusClient.run sends the submit and the first wait in one write. What that must not
// break: a refused submit, a Redis that forgot its scripts, many runs at once. A real runner
// process on a Redis of the test's own (it flushes the script cache).
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { JobExistsError } from "../../src/protocol/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { OwnRedis } from "../helpers/redis-server.js";

const TEST_RUNNER = `${ROOT}test/fixtures/test-runner.mjs`;
const key = generateKeyPair();
let server: OwnRedis;
let redis: Redis;
let runner: Proc;
let client: HorusClient;

const job = (payload: string) =>
  signJob(createJob({ payload, runner: "r1", timeout: 10 }), key.private_key);

beforeAll(async () => {
  server = await OwnRedis.start();
  redis = new Redis(server.url);
  runner = await startRunner({
    script: TEST_RUNNER,
    runnerId: "r1",
    namespace: "ct",
    trustedKeys: [key.public_key],
    redisUrl: server.url,
    args: ["--concurrency", "4"],
  });
  client = new HorusClient({ redisUrl: server.url, namespace: "ct" });
});
afterAll(async () => {
  await runner?.stop("SIGKILL");
  await client?.close();
  redis?.disconnect();
  await server?.destroy();
});

describe("HorusClient.run", () => {
  test("returns the record with the result", async () => {
    const record = await client.run(job("echo one"));
    expect(record).toMatchObject({ status: "finished", result: { success: "one" }, attempts: 1 });
  });

  test("an id that exists is refused, the job already there is untouched, and later runs work", async () => {
    const first = job("echo original");
    expect((await client.run(first)).result).toEqual({ success: "original" });
    await expect(client.run({ ...first, payload: "echo impostor" })).rejects.toBeInstanceOf(
      JobExistsError,
    );
    expect((await client.status(first.id))?.result).toEqual({ success: "original" });
    // The refused run's connection (its wait was still blocking) is not handed to the next.
    const records = await Promise.all([1, 2, 3].map((i) => client.run(job(`echo ${i}`))));
    expect(records.map((r) => r.result)).toEqual([1, 2, 3].map((i) => ({ success: `${i}` })));
  });

  test("a Redis that forgot its scripts (SCRIPT FLUSH) still runs the job once", async () => {
    await redis.script("FLUSH");
    const flushed = job("echo after flush");
    expect((await client.run(flushed)).result).toEqual({ success: "after flush" });
    expect(await redis.hget(client.store.keys.job(flushed.id), "attempts")).toBe("1");
  });

  test("many runs at once each get their own result", async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => job(`echo n${i}`));
    const records = await Promise.all(jobs.map((j) => client.run(j)));
    expect(records.map((r) => r.result)).toEqual(jobs.map((_, i) => ({ success: `n${i}` })));
    expect(records.map((r) => r.id)).toEqual(jobs.map((j) => j.id));
  });
});

describe("HorusClient.submitMany", () => {
  test("signs one batch, submits it in one go, and each job runs", async () => {
    const specs = Array.from({ length: 30 }, (_, i) => ({
      payload: `echo b${i}`,
      runner: "r1",
      timeout: 10,
    }));
    const outcomes = await client.submitMany(specs, { privateKeys: [key.private_key] });
    expect(outcomes.map((o) => o.outcome)).toEqual(specs.map(() => "stored"));
    const records = await Promise.all(outcomes.map((o) => client.wait(o.id)));
    expect(records.map((r) => r.result)).toEqual(specs.map((_, i) => ({ success: `b${i}` })));
    // One signature for all of them, each with its own proof.
    const stored = await Promise.all(outcomes.map((o) => client.store.loadJob(o.id)));
    const signatures = stored.map((j) => j?.signatures[0]);
    expect(new Set(signatures.map((s) => s?.signature)).size).toBe(1);
    expect(signatures.map((s) => s?.batch?.index)).toEqual(specs.map((_, i) => i));
  });

  test("after SCRIPT FLUSH too; the same jobs sent again are each refused as existing", async () => {
    await redis.script("FLUSH");
    const jobs = HorusClient.signedBatch(
      [1, 2, 3].map((i) => ({ payload: `echo again ${i}`, runner: "r1", timeout: 10 })),
      [key.private_key],
    );
    expect((await client.submitSigned(jobs)).map((o) => o.outcome)).toEqual([
      "stored",
      "stored",
      "stored",
    ]);
    expect((await client.submitSigned(jobs)).map((o) => o.outcome)).toEqual([
      "exists",
      "exists",
      "exists",
    ]);
    const records = await Promise.all(jobs.map((j) => client.wait(j.id)));
    expect(records.map((r) => r.attempts)).toEqual([1, 1, 1]);
  });
});

// Every job is visible, however it was submitted: `horus jobs list` pages through the
// namespace's index with filters, and `horus jobs counts` gives each runner id's jobs by state.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { JobStore, listJobs, trimJobIndex } from "../../src/protocol/index.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

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

test("jobs list and counts show every job, by runner and status", async () => {
  const ns = uniqueNamespace("index");
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  cleanups.push(async () => {
    await client.close();
    await dropNamespace(redis, ns);
  });
  const runner: Proc = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "i1",
    namespace: ns,
    trustedKeys: [trusted.public_key],
    redisUrl: REDIS_URL,
  });
  cleanups.push(() => runner.stop("SIGKILL"));
  const job = (runnerId: string, payload: string, extra: Partial<Job> = {}) =>
    signJob(
      { ...createJob({ payload, runner: runnerId, timeout: 10 }), ...extra },
      trusted.private_key,
    );
  const done = [job("i1", "echo a"), job("i1", "echo b")];
  for (const j of done) await client.run(j);
  const failed = job("i1", "fail x", { max_attempts: 2 });
  await client.run(failed);
  const later = job("i1", "echo later", { run_at: new Date(Date.now() + 3_600_000).toISOString() });
  await client.submit(later);
  // Nobody serves i2: its job stays queued. And one stored through the store directly.
  const waiting = job("i2", "echo nobody");
  await client.submit(waiting);
  const stored = job("i2", "echo stored");
  await new JobStore(redis, ns).store(stored);

  const horus = (args: string[]) =>
    runToEnd(process.execPath, [
      distBin("horus"),
      "--redis-url",
      REDIS_URL,
      "--namespace",
      ns,
      ...args,
    ]);
  const all = JSON.parse((await horus(["jobs", "list", "--json"])).stdout) as {
    jobs: { id: string }[];
  };
  // Newest first.
  expect(all.jobs.map((j) => j.id)).toEqual(
    [stored, waiting, later, failed, ...done.reverse()].map((j) => j.id),
  );
  const errors = JSON.parse(
    (await horus(["jobs", "list", "--status", "error", "--json"])).stdout,
  ) as {
    jobs: { id: string }[];
  };
  expect(errors.jobs.map((j) => j.id)).toEqual([failed.id]);
  const i2 = await listJobs(client.store, { runner: "i2" });
  expect(i2.jobs.map((j) => j.status)).toEqual(["created", "dispatched"]);
  // Paging: two at a time, each page after the last.
  const first = await listJobs(client.store, { limit: 2 });
  const second = await listJobs(client.store, { limit: 2, after: first.next });
  expect([...first.jobs, ...second.jobs].map((j) => j.id)).toEqual(
    all.jobs.slice(0, 4).map((j) => j.id),
  );

  const counts = JSON.parse((await horus(["jobs", "counts", "--runner", "i1", "--json"])).stdout);
  expect(counts).toEqual([
    { runner: "i1", queued: 0, scheduled: 1, running: 0, finished: 2, error: 1, dead: 1 },
  ]);
  const bad = await horus(["jobs", "list", "--status", "done"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("--status: expected one of");
});

test("the sweep's trim drops index entries older than the retention and an hour, no newer", async () => {
  const ns = uniqueNamespace("index-trim");
  const store = new JobStore(redis, ns);
  cleanups.push(() => dropNamespace(redis, ns));
  const [secs] = await redis.time();
  const nowUs = Number(secs) * 1_000_000;
  const retentionS = 600;
  const edgeUs = nowUs - (retentionS + 3600) * 1_000_000;
  // 2,500 ids past the edge (more than one trimming call removes), and ids a minute inside it.
  const old: string[] = [];
  for (let i = 0; i < 2500; i++) old.push(String(edgeUs - 60_000_000 - i), `old-${i}`);
  await redis.zadd(store.keys.jobs(), ...old);
  await redis.zadd(store.keys.jobs(), edgeUs + 60_000_000, "kept-edge", nowUs, "kept-new");
  expect(await trimJobIndex(store, retentionS)).toBe(2500);
  expect(await redis.zrange(store.keys.jobs(), "0", "-1")).toEqual(["kept-edge", "kept-new"]);
  // Retention 0 keeps everything forever: nothing is trimmed.
  await redis.zadd(store.keys.jobs(), edgeUs - 1, "ancient");
  expect(await trimJobIndex(store, 0)).toBe(0);
  expect(await redis.zcard(store.keys.jobs())).toBe(3);
});

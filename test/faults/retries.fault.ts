// Retries under faults (npm run test:faults): runners killed with -9 while jobs with
// attempts left run. Each job must end, none may be lost, and none may run more often than
// its signed max_attempts, whoever crashes.
import { Redis } from "ioredis";
import { afterAll, expect, test } from "vitest";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { attemptHistory, JobStore, listInstances, RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { OwnRedis } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

const keys = generateKeyPair();
const NS = "retries";
const RUNNER = "rr";
const procs: Proc[] = [];
let server: OwnRedis | undefined;

afterAll(async () => {
  for (const p of procs) await p.stop("SIGKILL");
  await server?.destroy();
});

test("kill -9 mid-attempt: every job ends, none runs more than its max_attempts", async () => {
  server = await OwnRedis.start({ persistent: false });
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on("error", () => {});
  const store = new JobStore(redis, NS);
  const k = new RedisKeys(NS);
  const recordKey = `${NS}:executed`;
  const url = server.url;
  const spawn = async () => {
    const p = await startRunner({
      script: `${ROOT}test/fixtures/test-runner.mjs`,
      runnerId: RUNNER,
      namespace: NS,
      trustedKeys: [keys.public_key],
      redisUrl: url,
      args: ["--record-key", recordKey, "--concurrency", "10", "--heartbeat", "1"],
    });
    procs.push(p);
    return p;
  };
  const victim = await spawn();
  await spawn();
  const jobs: Job[] = Array.from({ length: 60 }, () =>
    signJob(
      {
        ...createJob({ payload: "sleep 400", runner: RUNNER, timeout: 30 }),
        max_attempts: 3,
        backoff: { type: "fixed", delay_ms: 100 },
      },
      keys.private_key,
    ),
  );
  for (const job of jobs) await store.submit(job);
  // Kill one runner while it holds jobs whose payload has started. Frozen first, so what it
  // holds can be read before it dies.
  const victimInstance = await until(
    async () =>
      (await listInstances(redis, k, RUNNER)).find((i) => i.pid === victim.child.pid)?.instance,
    { what: "the victim's instance to register" },
  );
  const runningOnVictim = async () => {
    const executed = new Set(await executedIds(redis, recordKey));
    const held = await redis.lrange(k.active(RUNNER, victimInstance), 0, -1);
    return held.filter((id) => executed.has(id));
  };
  await until(async () => ((await runningOnVictim()).length > 0 ? true : undefined), {
    what: "the victim to be running jobs",
    every: 20,
  });
  process.kill(victim.child.pid as number, "SIGSTOP");
  const caughtMidRun = await runningOnVictim();
  expect(caughtMidRun.length).toBeGreaterThan(0);
  await victim.stop("SIGKILL");
  await spawn();
  const statuses = await until(
    async () => {
      const all = await Promise.all(jobs.map((j) => redis.hget(k.job(j.id), "status")));
      return all.every((s) => s === "finished" || s === "error") ? all : undefined;
    },
    { what: "every job to end", timeout: 120_000, every: 250 },
  );
  const runs = new Map<string, number>();
  for (const id of await executedIds(redis, recordKey)) runs.set(id, (runs.get(id) ?? 0) + 1);
  expect(statuses.filter((s) => s === "finished")).toHaveLength(jobs.length);
  expect(Math.max(...runs.values())).toBeLessThanOrEqual(3);
  // The jobs the victim held crashed on their first attempt and finished on a later one.
  // One it had taken but not yet started (killed between the take and the executor's first
  // step) crashed with no run recorded, so every crashed job ran at least once, and those
  // caught mid-run ran twice.
  const crashed: string[] = [];
  for (const job of jobs) {
    const history = await attemptHistory(redis, k, job.id);
    if (history.some((a) => a.error_kind === "crashed")) crashed.push(job.id);
  }
  for (const id of caughtMidRun) expect(crashed).toContain(id);
  for (const id of crashed) expect(runs.get(id)).toBeGreaterThanOrEqual(1);
  for (const id of caughtMidRun) expect(runs.get(id)).toBeGreaterThanOrEqual(2);
  console.table([
    {
      scenario: "retries + kill -9",
      jobs: jobs.length,
      crashed: crashed.length,
      most_runs: Math.max(...runs.values()),
    },
  ]);
  redis.disconnect();
});

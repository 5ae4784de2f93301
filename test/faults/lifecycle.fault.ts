// Faults the first suite does not cover (#29): Redis refusing writes (maxmemory), a runner
// paused past its lease, a take whose reply is lost with its connection. In each, no job may
// run twice, and the records must say what happened.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { RedisKeys, RedisOutOfMemoryError } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, uniqueNamespace } from "../helpers/redis.js";
import { OwnRedis } from "../helpers/redis-server.js";
import { ReplyProxy } from "../helpers/reply-proxy.js";
import { until } from "../helpers/until.js";

const keys = generateKeyPair();
const RUNNER = "lf";
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function signed(payload: string, extra: Partial<Job> = {}): Job {
  return signJob(
    { ...createJob({ payload, runner: RUNNER, timeout: 60 }), ...extra },
    keys.private_key,
  );
}

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "horus-state-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A Redis of the test's own whose memory can be filled to its limit and freed again. */
async function smallRedis() {
  const server = await OwnRedis.start();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  cleanups.push(async () => {
    redis.disconnect();
    await server.destroy();
  });
  await redis.config("SET", "maxmemory-policy", "noeviction");
  return {
    server,
    redis,
    /**
     * Redis at its limit: maxmemory set below what it uses, so that every write of any size
     * is refused (filling it with data leaves room for small writes now and then, as
     * buffers are freed).
     */
    async fill(): Promise<void> {
      const info = await redis.info("memory");
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
      await redis.config("SET", "maxmemory", String(Math.floor(used / 2)));
    },
    async free(): Promise<void> {
      await redis.config("SET", "maxmemory", "0");
    },
  };
}

async function runner(url: string, ns: string, args: string[], recordKey?: string): Promise<Proc> {
  const proc = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [keys.public_key],
    redisUrl: url,
    args: [...(recordKey ? ["--record-key", recordKey] : []), ...args],
  });
  cleanups.push(() => proc.stop("SIGKILL"));
  return proc;
}

describe("Redis out of memory", () => {
  test("submits are refused whole with a clear error; freed, the job runs once", async () => {
    const r = await smallRedis();
    const ns = "oom1";
    const k = new RedisKeys(ns);
    const recordKey = `${ns}:executed`;
    await runner(r.server.url, ns, ["--state-dir", stateDir()], recordKey);
    const client = new HorusClient({ redisUrl: r.server.url, namespace: ns });
    cleanups.push(() => client.close());
    // Big enough that the job alone would not fit in what is left.
    const job = signed(`echo ${"y".repeat(300 * 1024)}`);
    await r.fill();
    const error = await client.submit(job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisOutOfMemoryError);
    expect(String(error)).toMatch(
      /Redis is out of memory \(maxmemory reached\): job .* was not submitted/,
    );
    // Nothing of it was written: no hash, no queue entry.
    expect(await r.redis.exists(k.job(job.id))).toBe(0);
    expect(await r.redis.llen(k.queue(RUNNER))).toBe(0);
    // The command line says the same.
    const cli = await runToEnd(
      process.execPath,
      [
        distBin("horus"),
        "--redis-url",
        r.server.url,
        "--namespace",
        ns,
        "submit",
        "--runner",
        RUNNER,
        "--script",
        "-",
      ],
      { env: { HORUS_SIGNING_KEY: keys.private_key }, input: "echo hi" },
    );
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("Redis is out of memory");

    await r.free();
    const record = await client.run(job, 30);
    expect(record.status).toBe("finished");
    expect(await executedIds(r.redis, recordKey)).toEqual([job.id]);
  });

  test("a job whose end is refused runs once: its outcome is kept and the write retried", async () => {
    const r = await smallRedis();
    const ns = "oom2";
    const recordKey = `${ns}:executed`;
    const proc = await runner(
      r.server.url,
      ns,
      ["--state-dir", stateDir(), "--heartbeat", "1", "--log-level", "debug"],
      recordKey,
    );
    const client = new HorusClient({ redisUrl: r.server.url, namespace: ns });
    cleanups.push(() => client.close());
    const job = signed("sleep 1500\necho done");
    await client.submit(job);
    await until(async () => (await executedIds(r.redis, recordKey)).length === 1, {
      what: "the job to start",
    });
    await r.fill();
    await proc.waitFor("cannot record the job's end");
    // Ten refused tries take about eight seconds: four orphan checks (every 2 s here), two of
    // which were enough for the old runner to run the job again.
    await until(
      () => proc.lines.some((l) => l.includes("job end still refused") && /"tries":1\d\b/.test(l)),
      {
        timeout: 60_000,
        what: "ten refused writes of the job's end",
      },
    );
    expect(await executedIds(r.redis, recordKey)).toEqual([job.id]);
    await r.free();
    const record = await client.wait(job.id, 30);
    expect(record).toMatchObject({ status: "finished", result: { success: "done" }, attempts: 1 });
    expect(await executedIds(r.redis, recordKey)).toEqual([job.id]);
    expect(proc.output()).not.toContain("adopting");
  });

  test("a runner stopped while its end is refused leaves it to the next start, which writes it", async () => {
    const r = await smallRedis();
    const ns = "oom3";
    const dir = stateDir();
    const recordKey = `${ns}:executed`;
    const args = ["--state-dir", dir, "--heartbeat", "1", "--grace-period", "1"];
    const first = await runner(r.server.url, ns, args, recordKey);
    const client = new HorusClient({ redisUrl: r.server.url, namespace: ns });
    cleanups.push(() => client.close());
    const job = signed("sleep 1000\necho kept");
    await client.submit(job);
    await until(async () => (await executedIds(r.redis, recordKey)).length === 1, {
      what: "the job to start",
    });
    await r.fill();
    await first.waitFor("cannot record the job's end");
    expect((await first.stop("SIGTERM")).code).toBe(0);
    expect(first.output()).toContain("left to the next start");
    const pending = join(dir, "pending", ns, RUNNER);
    expect(readdirSync(pending).filter((f) => f.endsWith(".json"))).toHaveLength(1);

    await r.free();
    const second = await runner(r.server.url, ns, args, recordKey);
    const record = await client.wait(job.id, 30);
    expect(record).toMatchObject({ status: "finished", result: { success: "kept" }, attempts: 1 });
    await second.waitFor("left job end written");
    expect(readdirSync(pending).filter((f) => f.endsWith(".json"))).toHaveLength(0);
    expect(await executedIds(r.redis, recordKey)).toEqual([job.id]);
  });
});

describe("a runner paused past its lease", () => {
  test("after SIGCONT it makes no host call, and the job's record says why", async () => {
    const ns = uniqueNamespace("pause");
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => {
      await dropNamespace(redis, ns);
      redis.disconnect();
    });
    const work = mkdtempSync(join(tmpdir(), "horus-pause-"));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const trail = join(work, "trail.txt");
    const start = () =>
      startRunner({
        script: distBin("runner_sal"),
        runnerId: RUNNER,
        namespace: ns,
        trustedKeys: [keys.public_key],
        redisUrl: REDIS_URL,
        args: ["--heartbeat", "1", "--state-dir", stateDir()],
      }).then((p) => {
        cleanups.push(() => p.stop("SIGKILL"));
        return p;
      });
    const a = await start();
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    cleanups.push(() => client.close());
    // Each step is two host calls: a line appended to the trail, a short sleep.
    const job = signed(
      `for i in 0..100000 { file_write_append("${trail}", i.to_string() + "\\n"); run_silent("sleep 0.1"); }`,
    );
    await client.submit(job);
    const lines = () => {
      try {
        return readFileSync(trail, "utf8")
          .split("\n")
          .filter((l) => l !== "").length;
      } catch {
        return 0;
      }
    };
    await until(() => lines() >= 3, { what: "the job to be writing its trail" });
    // A second instance, which will sweep the paused one's job (max attempts 1: crashed).
    await start();
    a.child.kill("SIGSTOP");
    cleanups.push(() => a.child.kill("SIGCONT"));
    const k = new RedisKeys(ns);
    await until(async () => (await redis.hget(k.job(job.id), "status")) === "error", {
      what: "the paused instance's job to be swept",
    });
    const before = lines();
    a.child.kill("SIGCONT");
    await a.waitFor("job taken over while our lease had lapsed");
    await a.waitFor('"msg":"job failed"');
    // The worker is gone with the job: give the trail a chance to grow if anything still ran.
    await a.waitFor("job result not recorded");
    expect(lines()).toBe(before);
    const record = await client.status(job.id);
    expect(record).toMatchObject({ status: "error", error_kind: "crashed" });
    expect(record?.error).toMatch(/stopped renewing its lease .*paused/);
  });
});

describe("a take whose reply is lost", () => {
  test("is recovered on the next round trip, not by the orphan checks", async () => {
    const ns = uniqueNamespace("lost");
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => {
      await dropNamespace(redis, ns);
      redis.disconnect();
    });
    const proxy = await ReplyProxy.start(6379);
    cleanups.push(() => proxy.close());
    const recordKey = `${ns}:executed`;
    // Heartbeat 30 s: the orphan check runs every minute and adopts only after two, so a
    // job started within the test's time was recovered by the new path.
    const proc = await runner(
      proxy.url,
      ns,
      ["--heartbeat", "30", "--state-dir", stateDir()],
      recordKey,
    );
    // The runner's blocking-take connection: named "...:take", and one of the proxy's.
    const clients = (await redis.client("LIST")) as string;
    const conn = clients
      .split("\n")
      .filter((l) => / name=horus:lf:\S*:take /.test(l))
      .map((l) => proxy.byUpstreamPort(Number(/ addr=127\.0\.0\.1:(\d+) /.exec(l)?.[1])))
      .find((c) => c !== undefined);
    expect(conn, `no proxied taker connection in:\n${clients}`).toBeDefined();
    if (conn === undefined) return;
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    cleanups.push(() => client.close());
    const job = signed("echo recovered");
    // Only the answers that carry this job are swallowed: the blocking take's timeouts (every
    // second) still reach the runner, so it keeps taking until the job comes.
    conn.dropRepliesWith = job.id;
    await client.submit(job);
    const k = new RedisKeys(ns);
    await until(async () => (await redis.hget(k.job(job.id), "status")) === "started", {
      what: "TAKE to have run (its reply swallowed)",
    });
    const cutAt = Date.now();
    conn.client.destroy();
    const record = await client.wait(job.id, 25);
    const tookMs = Date.now() - cutAt;
    expect(record).toMatchObject({ status: "finished", result: { success: "recovered" } });
    expect(proc.output()).toContain("adopting a job taken by a command whose reply was lost");
    expect(await executedIds(redis, recordKey)).toEqual([job.id]);
    console.log(`lost take reply: job ended ${tookMs} ms after the cut`);
  });
});

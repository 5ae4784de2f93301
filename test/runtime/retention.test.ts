// What finished jobs cost Redis: a count cap per runner id beside the retention, and a
// warning when the retention, at the rate jobs end, would not fit in maxmemory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { JobExistsError, RedisKeys } from "../../src/protocol/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, uniqueNamespace } from "../helpers/redis.js";
import { OwnRedis } from "../helpers/redis-server.js";

const keys = generateKeyPair();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function runner(url: string, ns: string, args: string[]): Promise<Proc> {
  const dir = mkdtempSync(join(tmpdir(), "horus-state-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const proc = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "rt",
    namespace: ns,
    trustedKeys: [keys.public_key],
    redisUrl: url,
    args: ["--state-dir", dir, ...args],
  });
  cleanups.push(() => proc.stop("SIGKILL"));
  return proc;
}

const job = (n: number) =>
  signJob(createJob({ payload: `echo ${n}`, runner: "rt", timeout: 10 }), keys.private_key);

describe("retention", () => {
  test("--keep-finished N keeps the newest N jobs; older ones go, their claims stay", async () => {
    const ns = uniqueNamespace("keep");
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => {
      await dropNamespace(redis, ns);
      redis.disconnect();
    });
    const k = new RedisKeys(ns);
    await runner(REDIS_URL, ns, ["--keep-finished", "5"]);
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    cleanups.push(() => client.close());
    const jobs = Array.from({ length: 8 }, (_, i) => job(i));
    for (const j of jobs) expect((await client.run(j)).status).toBe("finished");
    const kept = await Promise.all(jobs.map((j) => redis.exists(k.job(j.id), k.result(j.id))));
    expect(kept).toEqual([0, 0, 0, 2, 2, 2, 2, 2]);
    expect(await redis.zcard(k.done("rt"))).toBe(5);
    // A deleted job's claim is what still refuses its bytes.
    expect(await redis.exists(k.claim(jobs[0]?.id ?? ""))).toBe(1);
    await expect(client.submit(jobs[0] as (typeof jobs)[0])).rejects.toBeInstanceOf(JobExistsError);
  });

  test("a runner warns at start when the retention at the recent rate passes maxmemory", async () => {
    const server = await OwnRedis.start();
    const redis = new Redis(server.url);
    cleanups.push(async () => {
      redis.disconnect();
      await server.destroy();
    });
    const ns = "warn";
    const first = await runner(server.url, ns, []);
    const client = new HorusClient({ redisUrl: server.url, namespace: ns });
    cleanups.push(() => client.close());
    for (let i = 0; i < 20; i++) await client.run(job(i));
    await first.stop("SIGTERM");
    // 20 jobs in ten minutes, kept a day: about 2,900 jobs of a few KB, over 2 MB of room.
    const used = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
    await redis.config("SET", "maxmemory", String(used + 2 * 1024 * 1024));
    const second = await runner(server.url, ns, []);
    const line = await second.waitFor("retention would exceed Redis's maxmemory");
    expect(line).toMatch(/lower --result-ttl or --keep-finished, or raise maxmemory/);
    // With room enough, nothing is said.
    await redis.config("SET", "maxmemory", "0");
    const third = await runner(server.url, ns, ["--log-level", "debug"]);
    await third.waitFor("retention estimate fits in Redis");
    expect(third.output()).not.toContain("retention would exceed");
  });
});

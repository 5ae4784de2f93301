// Metrics and probes from real processes: a runner's /metrics after real jobs (counters and
// histograms move as the jobs did), the supervisor's, and /healthz and /readyz as Redis stops
// and starts again.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { Supervisor } from "../../src/supervisor/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { OwnRedis } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

const TEST_RUNNER = `${ROOT}test/fixtures/test-runner.mjs`;
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

/** The value of one sample in Prometheus text (labels matched exactly, in any order). */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      found[pair[1] as string] = pair[2] as string;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** Starts a runner with --metrics-port 0 and returns it with its probe port. */
async function runnerWithMetrics(
  ns: string,
  redisUrl: string,
  args: string[] = [],
): Promise<{ proc: Proc; base: string }> {
  const proc = await startRunner({
    script: TEST_RUNNER,
    runnerId: "m1",
    namespace: ns,
    trustedKeys: [trusted.public_key],
    redisUrl,
    args: ["--metrics-port", "0", "--heartbeat", "1", ...args],
  });
  cleanups.push(() => proc.stop("SIGKILL"));
  const line = await proc.waitFor("metrics and probes listening");
  const port = /"port":(\d+)/.exec(line)?.[1] ?? /"port":(\d+)/.exec(proc.output())?.[1];
  return { proc, base: `http://127.0.0.1:${port}` };
}

const job = (payload: string, extra: Partial<Job> = {}) =>
  signJob({ ...createJob({ payload, runner: "m1", timeout: 10 }), ...extra }, trusted.private_key);

describe("a runner's /metrics", () => {
  test("counters and histograms move as real jobs did", async () => {
    const ns = uniqueNamespace("metrics");
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    cleanups.push(async () => {
      await client.close();
      await dropNamespace(redis, ns);
    });
    const { base } = await runnerWithMetrics(ns, REDIS_URL);
    const before = (await get(`${base}/metrics`)).text;
    expect(sample(before, "horus_jobs_started_total", { runner_id: "m1" })).toBe(0);

    for (let i = 0; i < 3; i++) expect((await client.run(job("sleep 20"))).status).toBe("finished");
    expect((await client.run(job("fail boom", { max_attempts: 2 }))).status).toBe("error");
    const stranger = generateKeyPair();
    await client.run(
      signJob(createJob({ payload: "echo x", runner: "m1" }), stranger.private_key),
      20,
    );
    // Two queued for later, never due during the test.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await client.submit(job("echo later", { run_at: later }));

    const text = await until(
      async () => {
        const t = (await get(`${base}/metrics`)).text;
        return sample(t, "horus_jobs_dead_total") === 1 ? t : undefined;
      },
      { what: "the dead letter to be counted" },
    );
    const l = { runner_id: "m1" };
    expect(sample(text, "horus_jobs_started_total", l)).toBe(5);
    expect(
      sample(text, "horus_jobs_ended_total", { ...l, outcome: "finished", error_kind: "" }),
    ).toBe(3);
    expect(
      sample(text, "horus_jobs_ended_total", { ...l, outcome: "retry", error_kind: "script" }),
    ).toBe(1);
    expect(
      sample(text, "horus_jobs_ended_total", { ...l, outcome: "error", error_kind: "script" }),
    ).toBe(1);
    expect(sample(text, "horus_job_refusals_total", { ...l, reason: "untrusted" })).toBe(1);
    expect(sample(text, "horus_job_duration_seconds_count", { ...l, outcome: "finished" })).toBe(3);
    // Each finished job slept 20 ms: none took less than 10 ms.
    expect(
      sample(text, "horus_job_duration_seconds_bucket", { ...l, outcome: "finished", le: "0.01" }),
    ).toBe(0);
    expect(sample(text, "horus_job_queue_wait_seconds_count", l)).toBe(5);
    expect(sample(text, "horus_job_attempt_bucket", { ...l, le: "1" })).toBe(4);
    expect(sample(text, "horus_jobs_running", l)).toBe(0);
    expect(sample(text, "horus_queue_depth", l)).toBe(0);
    expect(sample(text, "horus_delayed_jobs", l)).toBe(1);
    expect(sample(text, "horus_dead_letters", l)).toBe(1);
    // Never a job id as a label.
    expect(text).not.toMatch(/job_id=/);
  });

  test("the process's own metrics are read at scrape time, with no observer left running", async () => {
    const ns = uniqueNamespace("metrics-process");
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    cleanups.push(async () => {
      await client.close();
      await dropNamespace(redis, ns);
    });
    const { base } = await runnerWithMetrics(ns, REDIS_URL);
    const first = (await get(`${base}/metrics`)).text;
    // A job that uses 300 ms of the process's CPU between two scrapes.
    expect((await client.run(job("spin 300"))).status).toBe("finished");
    const text = (await get(`${base}/metrics`)).text;
    const l = { runner_id: "m1" };
    const cpu0 = sample(first, "horus_process_cpu_seconds_total", l) ?? Number.NaN;
    const cpu1 = sample(text, "horus_process_cpu_seconds_total", l) ?? Number.NaN;
    expect(cpu1 - cpu0).toBeGreaterThanOrEqual(0.3);
    const started = sample(text, "horus_process_start_time_seconds", l) ?? Number.NaN;
    expect(Math.abs(started - Date.now() / 1000)).toBeLessThan(600);
    expect(sample(text, "horus_process_resident_memory_bytes", l)).toBeGreaterThan(1e7);
    const used = sample(text, "horus_process_heap_bytes", { ...l, state: "used" }) ?? Number.NaN;
    const total = sample(text, "horus_process_heap_bytes", { ...l, state: "total" }) ?? 0;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(total);
    expect(sample(text, "horus_process_open_fds", l)).toBeGreaterThan(3);
    // The loop was busy for the spin: a share well above nothing, never above one.
    const busy = sample(text, "horus_process_event_loop_utilization", l) ?? Number.NaN;
    expect(busy).toBeGreaterThan(0.05);
    expect(busy).toBeLessThanOrEqual(1);
    expect(sample(text, "horus_process_node_info", { ...l, version: process.version })).toBe(1);
    // prom-client's defaults (a GC observer, an event-loop delay timer) are not installed.
    expect(text).not.toMatch(/eventloop_lag|_gc_duration/);
  });

  test("queue depth and the oldest job's age are read at scrape time", async () => {
    const ns = uniqueNamespace("depth");
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    cleanups.push(async () => {
      await client.close();
      await dropNamespace(redis, ns);
    });
    const { base, proc } = await runnerWithMetrics(ns, REDIS_URL, ["--concurrency", "1"]);
    await client.submit(job("sleep 5000"));
    await until(
      async () => sample((await get(`${base}/metrics`)).text, "horus_jobs_running") === 1,
      {
        what: "the long job to run",
      },
    );
    const old = {
      ...createJob({ payload: "echo", runner: "m1" }),
      created_at: new Date(Date.now() - 120_000).toISOString(),
    };
    await client.submit(signJob(old, trusted.private_key));
    await client.submit(job("echo y", { priority: 8 }));
    const text = (await get(`${base}/metrics`)).text;
    expect(sample(text, "horus_queue_depth", { runner_id: "m1" })).toBe(2);
    expect(
      sample(text, "horus_queue_oldest_age_seconds", { runner_id: "m1" }),
    ).toBeGreaterThanOrEqual(120);
    await proc.stop("SIGKILL");
  });
});

describe("probes", () => {
  test("a runner's /healthz answers while /readyz follows Redis going and coming back", async () => {
    const server = await OwnRedis.start();
    cleanups.push(() => server.destroy());
    const { base } = await runnerWithMetrics("probe", server.url);
    expect((await get(`${base}/healthz`)).status).toBe(200);
    await until(async () => (await get(`${base}/readyz`)).status === 200, { what: "ready" });
    await server.stop();
    const down = await until(
      async () => {
        const r = await get(`${base}/readyz`);
        return r.status === 503 ? r : undefined;
      },
      { what: "not ready once Redis is gone" },
    );
    expect(JSON.parse(down.text)).toMatchObject({ ready: false, reasons: ["Redis unreachable"] });
    expect((await get(`${base}/healthz`)).status).toBe(200);
    await server.start();
    await until(async () => (await get(`${base}/readyz`)).status === 200, {
      what: "ready again",
      timeout: 30_000,
    });
  });

  test("the supervisor's /metrics counts calls; /readyz follows Redis", async () => {
    const server = await OwnRedis.start();
    cleanups.push(() => server.destroy());
    const sup = await Supervisor.start({
      redisUrl: server.url,
      port: 0,
      adminKey: "admin-key-for-tests-0123456789",
      version: "test",
    });
    cleanups.push(() => sup.close());
    const base = sup.baseUrl;
    const rpc = (method: string) =>
      fetch(base, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: "Bearer admin-key-for-tests-0123456789",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: {} }),
      });
    await rpc("rpc.discover");
    await rpc("no.such.method");
    const text = (await get(`${base}/metrics`)).text;
    expect(
      sample(text, "horus_rpc_requests_total", { method: "rpc.discover", outcome: "ok" }),
    ).toBe(1);
    expect(
      sample(text, "horus_rpc_requests_total", { method: "unknown", outcome: "methodNotFound" }),
    ).toBe(1);
    expect((await get(`${base}/readyz`)).status).toBe(200);
    await server.stop();
    await until(async () => (await get(`${base}/readyz`)).status === 503, { what: "not ready" });
    expect((await get(`${base}/healthz`)).status).toBe(200);
    await server.start();
    await until(async () => (await get(`${base}/readyz`)).status === 200, {
      what: "ready again",
      timeout: 30_000,
    });
  });
});

// The systems under test, driven the same way: a worker process of their own (our runner,
// a BullMQ Worker, a bee-queue worker), a producer in this process, completion observed from
// here. Each has start(concurrency, {paused}), stop(), produce(n, inflight) (one job per
// call, `inflight` calls outstanding), produceBulk(n, size) (batches of `size`, one at a
// time), prefill(n) (stored but not taken until release()), waitAll(what produce returned)
// and, where the system can tell a caller when one job ended, once() (ms for one job).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Bee from "bee-queue";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { HorusClient } from "../../dist/client/index.js";
import { beeSettings } from "./bee-settings.mjs";
import { sparePort } from "./redis.mjs";
import { sleep } from "./stats.mjs";

const STATUS_WINDOW = Number(process.env.BENCH_STATUS_WINDOW ?? 32);

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Keeps `inflight` calls of `one(i)` running until `n` have been made. */
export async function pool(n, inflight, one) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(n, inflight) }, async () => {
    while (next < n) await one(next++);
  });
  await Promise.all(lanes);
}

/**
 * A child process; `ready` resolves when `isReady()` holds, rejects if the child exits first.
 * With `stdin`, `send(text)` writes to the child's standard input.
 */
function startChild(args, { readyLine, isReady, what, stdin = false }) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: [stdin ? "pipe" : "ignore", readyLine ? "pipe" : "ignore", "inherit"],
  });
  const exited = new Promise((r) => child.once("exit", r));
  const ready = new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
    if (readyLine) {
      let seen = "";
      child.stdout.on("data", (chunk) => {
        seen += chunk;
        if (seen.includes(readyLine)) resolve();
      });
    } else {
      (async () => {
        const until = Date.now() + 30_000;
        while (Date.now() < until) {
          if (await isReady()) return resolve();
          await sleep(20);
        }
        reject(new Error(`${what} not ready within 30 s`));
      })();
    }
  });
  return {
    ready,
    pid: child.pid,
    send(text) {
      child.stdin.write(text);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * A small job as a real one looks: a loop, a print (which goes to the job's log) and a host
 * call (SAL's `exist`, answered by the runner's main thread), so it runs in a sandbox worker:
 * `1 + 1` is answered on the runner's own thread (src/sandbox/inline.ts), which no job that
 * calls a function takes. Its result is the sum of the squares 0..99.
 */
export const RHAI_JOB = `let total = 0;
for i in 0..100 { total += i * i; }
print(\`sum of squares: \${total}\`);
if !exist(".") { throw "no working directory"; }
total`;

const KINDS = {
  noop: { name: "ours", payload: "", expected: "" },
  rhai: { name: "ours (Rhai 1 + 1)", payload: "1 + 1", expected: "2" },
  "rhai-job": { name: "ours (Rhai job)", payload: RHAI_JOB, expected: "328350" },
};

/** How often the metrics-on runner is scraped: much more often than Prometheus's usual 15 s. */
const SCRAPE_MS = Number(process.env.BENCH_SCRAPE_MS ?? 1000);

/**
 * Our side: a real runner process (the line-language test executor for no-op jobs, or
 * `runner_sal` for Rhai) and a real client that signs every job; the runner verifies every
 * signature. Logs at `warn` (per-job `info` lines are for people, not for a benchmark).
 * With `metrics`, the runner serves /metrics (`--metrics-port`), scraped every SCRAPE_MS.
 */
export class Ours {
  constructor(url, keys, kind, { metrics = false } = {}) {
    this.url = url;
    this.keys = keys;
    this.kind = kind;
    this.metrics = metrics;
    const k = KINDS[kind];
    this.name = metrics ? `${k.name} (metrics on)` : k.name;
    this.payload = k.payload;
    this.expected = k.expected;
  }

  async start(concurrency) {
    this.runnerId = `bench-${this.kind}`;
    this.client = new HorusClient({ redisUrl: this.url });
    await this.client.ready();
    const script =
      this.kind === "noop" ? "test/fixtures/test-runner.mjs" : "dist/cli/runner_sal.js";
    // A state directory of its own: the run ledger of every earlier run would otherwise be
    // read at start-up and held in memory (an hour of ids by default), and each run would pay
    // more than the one before it (bench/RESULTS.md, session 9).
    this.stateDir = mkdtempSync(join(tmpdir(), "horus-bench-state-"));
    const extra = ["--state-dir", this.stateDir];
    if (this.metrics) {
      this.metricsPort = await sparePort();
      extra.push("--metrics-port", String(this.metricsPort));
    }
    this.child = startChild(
      [
        script,
        this.runnerId,
        "--redis-url",
        this.url,
        "--concurrency",
        String(concurrency),
        "--trusted-keys",
        this.keys.public_key,
        "--log-level",
        "warn",
        ...extra,
      ],
      {
        what: script,
        isReady: async () => (await this.client.runners(this.runnerId)).length > 0,
      },
    );
    await this.child.ready;
    if (this.metrics)
      this.scraper = setInterval(() => void this.scrape().catch(() => {}), SCRAPE_MS);
  }

  /** One scrape of the runner's /metrics; its text. */
  async scrape() {
    const res = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return res.text();
  }

  async stop() {
    try {
      if (this.scraper) {
        clearInterval(this.scraper);
        this.scraper = undefined;
        // The metrics were really on: the runner counted the jobs it ended.
        const text = await this.scrape();
        if (!/^horus_jobs_ended_total\{[^}]*\} [1-9]/m.test(text))
          throw new Error("metrics on, but /metrics shows no ended job");
      }
    } finally {
      await this.child?.stop();
      await this.client?.close();
      if (this.stateDir) rmSync(this.stateDir, { recursive: true, force: true });
    }
  }

  newJob() {
    return HorusClient.signedJob({ payload: this.payload, runner: this.runnerId, timeout: 60 }, [
      this.keys.private_key,
    ]);
  }

  /** Submits `n` jobs (signing each) with `inflight` submits outstanding; returns the ids. */
  async produce(n, inflight) {
    const ids = new Array(n);
    await pool(n, inflight, async (i) => {
      const job = this.newJob();
      ids[i] = job.id;
      await this.client.submit(job);
    });
    return ids;
  }

  /**
   * Submits `n` jobs in batches of `size` with HorusClient.submitMany, one batch at a time:
   * each batch is signed once (a Merkle root, docs/protocol.md "Batch signatures"), signing
   * inside the timed loop, and sent in one round trip. Returns the ids.
   */
  async produceBulk(n, size) {
    const ids = [];
    const spec = { payload: this.payload, runner: this.runnerId, timeout: 60 };
    for (let i = 0; i < n; i += size) {
      const specs = Array.from({ length: Math.min(size, n - i) }, () => spec);
      const outcomes = await this.client.submitMany(specs, {
        privateKeys: [this.keys.private_key],
      });
      for (const o of outcomes) {
        if (o.outcome !== "stored") throw new Error(`job ${o.id} not stored: ${o.outcome}`);
        ids.push(o.id);
      }
    }
    return ids;
  }

  /**
   * Stores `n` signed jobs without queueing them and returns a function that queues them all
   * at once (RENAME of a filled list onto the runner's queue, which wakes the runner).
   */
  async prefill(n) {
    const staging = `bench:staging:${this.runnerId}`;
    const ids = new Array(n);
    await pool(n, 200, async (i) => {
      const job = this.newJob();
      ids[i] = job.id;
      await this.client.store.store(job);
    });
    for (let i = 0; i < n; i += 1000) {
      await this.client.store.redis.lpush(staging, ...ids.slice(i, i + 1000));
    }
    return {
      ids,
      release: () =>
        this.client.store.redis.rename(staging, this.client.store.keys.queue(this.runnerId)),
    };
  }

  /**
   * Waits until every job has ended, checking statuses oldest first in pipelined windows of
   * STATUS_WINDOW; a window found all ended is followed at once by the next. The window is
   * small so that watching costs about what BullMQ's getJobCounts does: 256 HGETs every 5 ms
   * took Redis and this process from the runner on a 2-core machine.
   */
  async waitAll(ids) {
    const redis = this.client.store.redis;
    const keys = this.client.store.keys;
    let done = 0;
    let failed = 0;
    while (done < ids.length) {
      const end = Math.min(ids.length, done + STATUS_WINDOW);
      const pipe = redis.pipeline();
      for (let i = done; i < end; i++) pipe.hget(keys.job(ids[i]), "status");
      const statuses = await pipe.exec();
      let advanced = 0;
      for (const [, status] of statuses) {
        if (status !== "finished" && status !== "error") break;
        if (status === "error") failed += 1;
        advanced += 1;
      }
      done += advanced;
      if (done < end) await sleep(5);
    }
    if (failed > 0) throw new Error(`${failed} of ${ids.length} jobs ended in error`);
  }

  /** One job from submit to its recorded end, as a caller sees it (signing not timed). */
  async once() {
    const job = this.newJob();
    const t0 = performance.now();
    const record = await this.client.run(job);
    const ms = performance.now() - t0;
    if (record.status !== "finished" || record.result?.success !== this.expected) {
      throw new Error(
        `job ended ${record.status}: ${JSON.stringify(record.result ?? record.error)}`,
      );
    }
    return ms;
  }
}

/**
 * BullMQ: one Worker process with a no-op processor; a Queue and QueueEvents here. With
 * `keys` it does what we do per job: the producer makes and signs each job as our client
 * does (createJob + signJob: canonical bytes, libsecp256k1), inside the timed loop, and adds
 * it as the BullMQ job's data; the worker verifies its signatures before it runs it
 * (bench/lib/bullmq-worker.mjs).
 */
export class Bull {
  constructor(url, { keys } = {}) {
    this.url = url;
    this.keys = keys;
    this.name = keys ? "BullMQ (signed)" : "BullMQ";
    const { hostname, port } = new URL(url);
    this.connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  }

  /** The job's data: nothing, or one of our signed jobs. */
  data() {
    if (!this.keys) return {};
    return HorusClient.signedJob({ payload: "", runner: "bench", timeout: 60 }, [
      this.keys.private_key,
    ]);
  }

  async start(concurrency) {
    this.queueName = "bench";
    // Jobs added in this session: what waitAll counts completions up to.
    this.added = 0;
    this.queue = new Queue(this.queueName, { connection: this.connection });
    await this.queue.waitUntilReady();
    this.child = startChild(
      [
        "bench/lib/bullmq-worker.mjs",
        this.queueName,
        String(concurrency),
        this.url,
        ...(this.keys ? [this.keys.public_key] : []),
      ],
      { what: "bullmq worker", readyLine: "ready" },
    );
    await this.child.ready;
  }

  async stop() {
    await this.child?.stop();
    await this.events?.close();
    await this.queue?.close();
    this.events = undefined;
  }

  /** Adds `n` jobs; returns how many completed jobs mean these are done too (see waitAll). */
  async produce(n, inflight) {
    await pool(n, inflight, () => this.queue.add("noop", this.data()));
    this.added += n;
    return this.added;
  }

  /** Adds `n` jobs with addBulk, `size` at a time, one call at a time. */
  async produceBulk(n, size) {
    for (let i = 0; i < n; i += size) {
      const batch = Array.from({ length: Math.min(size, n - i) }, () => ({
        name: "noop",
        data: this.data(),
      }));
      await this.queue.addBulk(batch);
    }
    this.added += n;
    return this.added;
  }

  async prefill(n) {
    await this.queue.pause();
    for (let i = 0; i < n; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, n - i) }, () => ({
        name: "noop",
        data: this.data(),
      }));
      await this.queue.addBulk(batch);
    }
    this.added += n;
    return { ids: this.added, release: () => this.queue.resume() };
  }

  /** Waits until `n` jobs have completed since the session began (the store is emptied). */
  async waitAll(n) {
    for (;;) {
      const counts = await this.queue.getJobCounts("completed", "failed");
      if (counts.failed > 0) throw new Error(`${counts.failed} BullMQ jobs failed`);
      if (counts.completed >= n) return;
      await sleep(5);
    }
  }

  async once() {
    if (!this.events) {
      this.events = new QueueEvents(this.queueName, { connection: this.connection });
      await this.events.waitUntilReady();
    }
    const t0 = performance.now();
    const job = await this.queue.add("noop", {});
    await job.waitUntilFinished(this.events);
    return performance.now() - t0;
  }
}

/**
 * bee-queue 2: one worker process (bench/lib/bee-worker.mjs) with a no-op processor, a
 * producer Queue here, both with its lean options (bench/lib/bee-settings.mjs). Without
 * events it cannot tell a caller when one job ended, so it has no latency rows.
 */
export class BeeQueue {
  constructor(url) {
    this.url = url;
    this.name = "bee-queue";
  }

  async start(concurrency, { paused = false } = {}) {
    this.queueName = "bench";
    this.queue = new Bee(this.queueName, beeSettings(this.url, { isWorker: false }));
    await this.queue.ready();
    this.redis = new Redis(this.url);
    this.child = startChild(
      [
        "bench/lib/bee-worker.mjs",
        this.queueName,
        String(concurrency),
        this.url,
        ...(paused ? ["paused"] : []),
      ],
      { what: "bee-queue worker", readyLine: "ready", stdin: paused },
    );
    await this.child.ready;
  }

  async stop() {
    await this.child?.stop();
    await this.queue?.close();
    this.redis?.disconnect();
  }

  async produce(n, inflight) {
    await pool(n, inflight, () => this.queue.createJob({}).save());
  }

  /** Saves `n` jobs with saveAll (one pipeline of its add script), `size` at a time. */
  async produceBulk(n, size) {
    for (let i = 0; i < n; i += size) {
      const jobs = Array.from({ length: Math.min(size, n - i) }, () => this.queue.createJob({}));
      const errors = await this.queue.saveAll(jobs);
      if (errors.size > 0) throw new Error(`bee-queue saveAll: ${errors.size} jobs not saved`);
    }
  }

  /** Saves the jobs while the worker (started paused) waits; release() lets it start. */
  async prefill(n) {
    await this.produceBulk(n, 1000);
    return { ids: undefined, release: async () => this.child.send("go\n") };
  }

  /**
   * Waits until every job produced so far has ended: none waiting, none active (a job moves
   * from waiting to active in one BRPOPLPUSH, and leaves active when it ends).
   */
  async waitAll() {
    const key = (k) => `bq:${this.queueName}:${k}`;
    for (;;) {
      const [[, waiting], [, active], [, failed]] = await this.redis
        .pipeline()
        .llen(key("waiting"))
        .llen(key("active"))
        .scard(key("failed"))
        .exec();
      if (failed > 0) throw new Error(`${failed} bee-queue jobs failed`);
      if (waiting === 0 && active === 0) return;
      await sleep(5);
    }
  }
}

/** CPU time (user + system) a process has used so far, µs (Linux /proc; NaN elsewhere). */
export function processCpuUs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second).
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU time the Redis server has used so far, µs. */
export async function redisCpuUs(url) {
  const redis = new Redis(url);
  const info = await redis.info("cpu");
  await redis.quit();
  const field = (name) => Number(info.match(new RegExp(`${name}:([0-9.]+)`))?.[1] ?? Number.NaN);
  return (field("used_cpu_sys") + field("used_cpu_user")) * 1e6;
}

export async function flush(url) {
  const redis = new Redis(url);
  await redis.flushall();
  await redis.quit();
}

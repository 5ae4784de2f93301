// The two systems under test, driven the same way: a worker process of their own (our
// runner, or a BullMQ Worker), a producer in this process, completion observed from here.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { HorusClient } from "../../dist/client/index.js";
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

/** A child process; `ready` resolves when `isReady()` holds, rejects if the child exits first. */
function startChild(args, { readyLine, isReady, what }) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", readyLine ? "pipe" : "ignore", "inherit"],
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
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Our side: a real runner process (the line-language test executor for no-op jobs, or
 * `runner_sal` for Rhai) and a real client that signs every job; the runner verifies every
 * signature. Logs at `warn` (per-job `info` lines are for people, not for a benchmark).
 */
export class Ours {
  constructor(url, keys, kind) {
    this.url = url;
    this.keys = keys;
    this.kind = kind;
    this.name = kind === "rhai" ? "ours (Rhai 1 + 1)" : "ours";
    this.payload = kind === "rhai" ? "1 + 1" : "";
    this.expected = kind === "rhai" ? "2" : "";
  }

  async start(concurrency) {
    this.runnerId = `bench-${this.kind}`;
    this.client = new HorusClient({ redisUrl: this.url });
    await this.client.ready();
    const script =
      this.kind === "rhai" ? "dist/cli/runner_sal.js" : "test/fixtures/test-runner.mjs";
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
      ],
      {
        what: script,
        isReady: async () => (await this.client.runners(this.runnerId)).length > 0,
      },
    );
    await this.child.ready;
  }

  async stop() {
    await this.child?.stop();
    await this.client?.close();
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

/** BullMQ: one Worker process with a no-op processor; a Queue and QueueEvents here. */
export class Bull {
  constructor(url) {
    this.url = url;
    this.name = "BullMQ";
    const { hostname, port } = new URL(url);
    this.connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  }

  async start(concurrency) {
    this.queueName = "bench";
    // Jobs added in this session: what waitAll counts completions up to.
    this.added = 0;
    this.queue = new Queue(this.queueName, { connection: this.connection });
    await this.queue.waitUntilReady();
    this.child = startChild(
      ["bench/lib/bullmq-worker.mjs", this.queueName, String(concurrency), this.url],
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
    await pool(n, inflight, () => this.queue.add("noop", {}));
    this.added += n;
    return this.added;
  }

  async prefill(n) {
    await this.queue.pause();
    for (let i = 0; i < n; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, n - i) }, () => ({
        name: "noop",
        data: {},
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

// A runner's Prometheus metrics (prom-client), fed by its events (events.ts) and, at each
// scrape, by a few cheap reads of its runner id's queues. Label values are bounded: runner
// id, outcome, error kind, refusal reason; never a job id.
import type { Redis } from "ioredis";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { queueStats, type RedisKeys } from "../protocol/index.js";
import type { Executor } from "./executor.js";
import { processMetrics } from "./process-metrics.js";
import type { Runner } from "./runner.js";

/** Seconds: from a few milliseconds (a quick script) to hours (a long job). */
const DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];

export interface RunnerMetricsSource {
  runner: Runner;
  executor: Executor;
  redis: Redis;
  keys: RedisKeys;
  runnerId: string;
}

/** Builds the registry for one runner instance and wires it to the runner's events. */
export function runnerMetrics(src: RunnerMetricsSource): Registry {
  const register = new Registry();
  register.setDefaultLabels({ runner_id: src.runnerId });
  processMetrics(register);

  const taken = new Counter({
    name: "horus_jobs_started_total",
    help: "Job attempts this instance started",
    registers: [register],
  });
  const ended = new Counter({
    name: "horus_jobs_ended_total",
    help: "Job attempts ended, by outcome (finished, error, retry) and error kind",
    labelNames: ["outcome", "error_kind"] as const,
    registers: [register],
  });
  const dead = new Counter({
    name: "horus_jobs_dead_total",
    help: "Jobs that used their attempts and went to the dead letters",
    registers: [register],
  });
  const attempts = new Histogram({
    name: "horus_job_attempt",
    help: "Attempt number of each job start (1: a first run)",
    buckets: [1, 2, 3, 5, 10],
    registers: [register],
  });
  const duration = new Histogram({
    name: "horus_job_duration_seconds",
    help: "How long a job attempt ran, by outcome",
    labelNames: ["outcome"] as const,
    buckets: DURATION_BUCKETS,
    registers: [register],
  });
  const queueWait = new Histogram({
    name: "horus_job_queue_wait_seconds",
    help: "From when a job could run (run_at, else created_at) to its start",
    buckets: DURATION_BUCKETS,
    registers: [register],
  });
  const refused = new Counter({
    name: "horus_job_refusals_total",
    help: "Jobs refused before running, by reason (signature, untrusted, window, replay, invalid_job)",
    labelNames: ["reason"] as const,
    registers: [register],
  });
  const takeErrors = new Counter({
    name: "horus_take_errors_total",
    help: "Takes that failed (Redis away or refusing)",
    registers: [register],
  });
  const reconnects = new Counter({
    name: "horus_redis_reconnects_total",
    help: "Times the runner's Redis connection came back after losing Redis",
    registers: [register],
  });
  const lapses = new Counter({
    name: "horus_heartbeat_lapses_total",
    help: "Heartbeats that found the instance's lease lapsed (a pause, Redis away)",
    registers: [register],
  });
  new Gauge({
    name: "horus_jobs_running",
    help: "Jobs this instance is running",
    registers: [register],
    collect() {
      this.set(src.runner.runningCount);
    },
  });
  new Gauge({
    name: "horus_worker_pool_size",
    help: "Script workers alive or starting",
    registers: [register],
    collect() {
      this.set(src.executor.stats?.().workers ?? 0);
    },
  });
  new Gauge({
    name: "horus_worker_restarts",
    help: "Script workers replaced since the start (killed at a timeout, crashed)",
    registers: [register],
    collect() {
      this.set(src.executor.stats?.().workersReplaced ?? 0);
    },
  });
  // The queue gauges share one read per scrape.
  let stats: ReturnType<typeof queueStats> | undefined;
  const read = () => {
    stats ??= queueStats(src.redis, src.keys, src.runnerId).finally(() => {
      setImmediate(() => {
        stats = undefined;
      });
    });
    return stats;
  };
  const fromQueue = (
    name: string,
    help: string,
    pick: (s: Awaited<ReturnType<typeof queueStats>>) => number,
  ) =>
    new Gauge({
      name,
      help,
      registers: [register],
      async collect() {
        this.set(pick(await read()));
      },
    });
  fromQueue("horus_queue_depth", "Jobs queued for the runner id, every priority", (s) => s.queued);
  fromQueue(
    "horus_queue_oldest_age_seconds",
    "How long the oldest queued job has waited",
    (s) => s.oldestAgeS,
  );
  fromQueue(
    "horus_delayed_jobs",
    "Jobs waiting for their run_at or next attempt",
    (s) => s.delayed,
  );
  fromQueue("horus_dead_letters", "Dead letters kept for the runner id", (s) => s.dead);

  const r = src.runner;
  r.on("job:start", (e) => {
    taken.inc();
    attempts.observe(e.attempt);
    queueWait.observe(e.queueWaitMs / 1000);
  });
  r.on("job:end", (e) => {
    ended.inc({ outcome: e.outcome, error_kind: e.errorKind ?? "" });
    duration.observe({ outcome: e.outcome }, e.durationMs / 1000);
    if (e.dead) dead.inc();
  });
  r.on("job:refused", (e) => refused.inc({ reason: e.reason }));
  r.on("take:error", () => takeErrors.inc());
  r.on("redis:up", () => reconnects.inc());
  r.on("lease:lapsed", () => lapses.inc());
  return register;
}

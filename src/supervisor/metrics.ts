// The supervisor's Prometheus metrics: its JSON-RPC calls, and at each scrape the queues and
// live instances of every runner id it knows (registered, or with a live instance). Label
// values are bounded: method names from the method table, runner ids, outcomes.
import type { Redis } from "ioredis";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { SupervisorStore } from "../protocol/index.js";
import { type JobStore, listInstances, queueStats } from "../protocol/index.js";
import { processMetrics } from "../runtime/process-metrics.js";

export interface SupervisorMetrics {
  readonly registry: Registry;
  /** One JSON-RPC call: its method (a known name, else "unknown"), outcome and duration. */
  observeCall(method: string, outcome: string, seconds: number): void;
}

export function supervisorMetrics(
  redis: Redis,
  jobs: JobStore,
  sup: SupervisorStore,
): SupervisorMetrics {
  const registry = new Registry();
  processMetrics(registry);
  const calls = new Counter({
    name: "horus_rpc_requests_total",
    help: "JSON-RPC calls answered, by method and outcome (ok, or the error's name)",
    labelNames: ["method", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "horus_rpc_duration_seconds",
    help: "How long JSON-RPC calls took, by method",
    labelNames: ["method"] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  /** The runner ids worth a row: registered ones and those with a live instance. */
  const runnerIds = async (): Promise<string[]> => {
    const registered = (await sup.registeredRunners()).map((r) => r.name);
    const live = await redis.smembers(jobs.keys.runnerIds());
    return [...new Set([...registered, ...live])].sort();
  };
  // Every per-runner gauge of a scrape shares one read.
  type Row = { id: string; instances: number } & Awaited<ReturnType<typeof queueStats>>;
  let rows: Promise<Row[]> | undefined;
  const read = (): Promise<Row[]> => {
    rows ??= (async () => {
      const ids = await runnerIds();
      return Promise.all(
        ids.map(async (id) => ({
          id,
          instances: (await listInstances(redis, jobs.keys, id)).length,
          ...(await queueStats(redis, jobs.keys, id)),
        })),
      );
    })().finally(() =>
      setImmediate(() => {
        rows = undefined;
      }),
    );
    return rows;
  };
  const perRunner = (name: string, help: string, pick: (r: Row) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["runner_id"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await read()) this.set({ runner_id: r.id }, pick(r));
      },
    });
  perRunner(
    "horus_runner_instances",
    "Live instances of the runner id (heartbeat present)",
    (r) => r.instances,
  );
  perRunner("horus_queue_depth", "Jobs queued for the runner id, every priority", (r) => r.queued);
  perRunner(
    "horus_queue_oldest_age_seconds",
    "How long the oldest queued job has waited",
    (r) => r.oldestAgeS,
  );
  perRunner(
    "horus_delayed_jobs",
    "Jobs waiting for their run_at or next attempt",
    (r) => r.delayed,
  );
  perRunner("horus_dead_letters", "Dead letters kept for the runner id", (r) => r.dead);
  return {
    registry,
    observeCall(method, outcome, seconds) {
      calls.inc({ method, outcome });
      duration.observe({ method }, seconds);
    },
  };
}

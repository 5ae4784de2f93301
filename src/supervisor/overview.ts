// The console's overview (stats.overview): per runner id what an operator looks at first,
// read cheaply. Live instances from the heartbeats, queue depth and the oldest queued job's
// age from the queue lists (queue-stats.ts: lengths and the oldest entry of each), running
// jobs from the instances' active lists, totals from `runner:<id>:counts`; rates and
// durations from one backwards read of the namespace's event stream over the window asked
// for (the stream is capped near 10,000 entries, so that read is bounded too).
import type { Redis } from "ioredis";
import {
  type JobStore,
  listInstances,
  queueStats,
  registeredInstances,
  type SupervisorStore,
} from "../protocol/index.js";

/** Most entries one overview reads from the stream (it holds about this many at most). */
const STREAM_READ_MAX = 12_000;

export interface OverviewQuery {
  /** How far back the rates and durations look (s). */
  windowS: number;
  /** The width of a chart bucket (s). */
  bucketS: number;
}

/** One chart bucket of a runner id: ends and attempt durations in it. */
export interface Bucket {
  /** Its start (ms since the epoch). */
  t: number;
  finished: number;
  failed: number;
  retried: number;
  p50_s: number | null;
  p95_s: number | null;
}

export interface RunnerOverview {
  runner: string;
  registered: boolean;
  instances: number;
  concurrency: number;
  queued: number;
  scheduled: number;
  running: number;
  dead_letters: number;
  oldest_queued_age_s: number;
  totals: { finished: number; error: number; dead: number };
  window: {
    finished: number;
    failed: number;
    retried: number;
    /** Ended (finished, failed) per minute over the last 5 minutes of the window. */
    finished_per_min: number;
    failed_per_min: number;
    duration_p50_s: number | null;
    duration_p95_s: number | null;
    queue_wait_p50_s: number | null;
    queue_wait_p95_s: number | null;
  };
  series: Bucket[];
}

export interface Overview {
  now: string;
  window_s: number;
  bucket_s: number;
  /** The oldest event read: before it the stream was trimmed (or nothing happened). */
  events_since?: string;
  events_read: number;
  runners: RunnerOverview[];
}

/** The nearest-rank percentile of sorted values; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

interface Tally {
  finished: number[];
  failed: number[];
  retried: number[];
  /** Attempt durations (s) by the bucket of their end. */
  durations: number[][];
  all: number[];
  waits: number[];
  recentFinished: number;
  recentFailed: number;
}

const RATE_SPAN_MS = 5 * 60_000;
const END_EVENTS = new Set(["finished", "error", "dead", "retrying"]);

/** Rates, durations and queue waits per runner id from the window's events. */
async function tallyEvents(
  redis: Redis,
  jobs: JobStore,
  nowMs: number,
  q: OverviewQuery,
): Promise<{ tallies: Map<string, Tally>; since?: string; read: number; first: number }> {
  const buckets = Math.ceil(q.windowS / q.bucketS);
  const bucketMs = q.bucketS * 1000;
  // Buckets end at the next whole bucket after now, so they keep their edges between reads.
  const end = Math.ceil((nowMs + 1) / bucketMs) * bucketMs;
  const first = end - buckets * bucketMs;
  const entries = (await redis.xrevrange(
    jobs.keys.events(),
    "+",
    String(first),
    "COUNT",
    STREAM_READ_MAX,
  )) as [string, string[]][];
  entries.reverse();
  const tallies = new Map<string, Tally>();
  const tallyOf = (runner: string): Tally => {
    let t = tallies.get(runner);
    if (t === undefined) {
      const zeros = () => new Array<number>(buckets).fill(0);
      t = {
        finished: zeros(),
        failed: zeros(),
        retried: zeros(),
        durations: Array.from({ length: buckets }, () => []),
        all: [],
        waits: [],
        recentFinished: 0,
        recentFailed: 0,
      };
      tallies.set(runner, t);
    }
    return t;
  };
  // A job's last start and last queueing seen, to pair with its end (or its start).
  const started = new Map<string, number>();
  const queued = new Map<string, number>();
  for (const [id, flat] of entries) {
    const at = Number(id.split("-")[0]);
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
    const { event, job, runner } = f;
    if (!event || !job || !runner || event.startsWith("flow_")) continue;
    const t = tallyOf(runner);
    const b = Math.min(buckets - 1, Math.max(0, Math.floor((at - first) / bucketMs)));
    if (event === "queued") queued.set(job, at);
    else if (event === "started") {
      started.set(job, at);
      const since = queued.get(job);
      if (since !== undefined) t.waits.push((at - since) / 1000);
      queued.delete(job);
    } else if (END_EVENTS.has(event)) {
      const recent = at > nowMs - RATE_SPAN_MS;
      if (event === "finished") {
        (t.finished[b] as number)++;
        if (recent) t.recentFinished++;
      } else if (event === "retrying") (t.retried[b] as number)++;
      else {
        (t.failed[b] as number)++;
        if (recent) t.recentFailed++;
      }
      const from = started.get(job);
      if (from !== undefined) {
        const s = (at - from) / 1000;
        t.durations[b]?.push(s);
        t.all.push(s);
        started.delete(job);
      }
    } else if (event === "cancelled") {
      (t.failed[b] as number)++;
      if (at > nowMs - RATE_SPAN_MS) t.recentFailed++;
    }
  }
  const oldest = entries[0]?.[0];
  return {
    tallies,
    read: entries.length,
    first,
    ...(oldest ? { since: new Date(Number(oldest.split("-")[0])).toISOString() } : {}),
  };
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const round = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);

export async function readOverview(
  redis: Redis,
  jobs: JobStore,
  sup: SupervisorStore,
  q: OverviewQuery,
  nowMs: number = Date.now(),
): Promise<Overview> {
  const [registered, live, instances, events] = await Promise.all([
    sup.registeredRunners(),
    redis.smembers(jobs.keys.runnerIds()),
    listInstances(redis, jobs.keys),
    tallyEvents(redis, jobs, nowMs, q),
  ]);
  const names = [
    ...new Set([...registered.map((r) => r.name), ...live, ...events.tallies.keys()]),
  ].sort();
  const buckets = Math.ceil(q.windowS / q.bucketS);
  const rateMinutes = Math.min(RATE_SPAN_MS, q.windowS * 1000) / 60_000;
  const runners = await Promise.all(
    names.map(async (runner): Promise<RunnerOverview> => {
      const mine = instances.filter((i) => i.runner_id === runner);
      const [stats, registeredIds, totals] = await Promise.all([
        queueStats(redis, jobs.keys, runner, nowMs),
        registeredInstances(redis, jobs.keys, runner),
        redis.hmget(jobs.keys.counts(runner), "finished", "error", "dead"),
      ]);
      const pipe = redis.pipeline();
      for (const i of registeredIds) pipe.llen(jobs.keys.active(runner, i));
      const running = ((await pipe.exec()) ?? []).reduce((n, [, v]) => n + Number(v ?? 0), 0);
      const t = events.tallies.get(runner);
      const all = sorted(t?.all ?? []);
      const waits = sorted(t?.waits ?? []);
      return {
        runner,
        registered: registered.some((r) => r.name === runner),
        instances: mine.length,
        concurrency: mine.reduce((n, i) => n + i.concurrency, 0),
        queued: stats.queued,
        scheduled: stats.delayed,
        running,
        dead_letters: stats.dead,
        oldest_queued_age_s: Math.round(stats.oldestAgeS * 1000) / 1000,
        totals: {
          finished: Number(totals[0] ?? 0),
          error: Number(totals[1] ?? 0),
          dead: Number(totals[2] ?? 0),
        },
        window: {
          finished: sum(t?.finished),
          failed: sum(t?.failed),
          retried: sum(t?.retried),
          finished_per_min: Math.round(((t?.recentFinished ?? 0) / rateMinutes) * 100) / 100,
          failed_per_min: Math.round(((t?.recentFailed ?? 0) / rateMinutes) * 100) / 100,
          duration_p50_s: round(percentile(all, 50)),
          duration_p95_s: round(percentile(all, 95)),
          queue_wait_p50_s: round(percentile(waits, 50)),
          queue_wait_p95_s: round(percentile(waits, 95)),
        },
        series: Array.from({ length: buckets }, (_, b) => {
          const d = sorted(t?.durations[b] ?? []);
          return {
            t: events.first + b * q.bucketS * 1000,
            finished: t?.finished[b] ?? 0,
            failed: t?.failed[b] ?? 0,
            retried: t?.retried[b] ?? 0,
            p50_s: round(percentile(d, 50)),
            p95_s: round(percentile(d, 95)),
          };
        }),
      };
    }),
  );
  return {
    now: new Date(nowMs).toISOString(),
    window_s: q.windowS,
    bucket_s: q.bucketS,
    ...(events.since ? { events_since: events.since } : {}),
    events_read: events.read,
    runners,
  };
}

function sum(values: number[] | undefined): number {
  return (values ?? []).reduce((a, b) => a + b, 0);
}

/**
 * The overview shared by every caller for a second: a console refreshing on each event,
 * however many are open, costs Redis one read a second at most.
 */
export class OverviewCache {
  private readonly cached = new Map<string, { at: number; value: Promise<Overview> }>();

  constructor(
    private readonly read: (q: OverviewQuery) => Promise<Overview>,
    private readonly ttlMs = 1000,
  ) {}

  get(q: OverviewQuery): Promise<Overview> {
    const key = `${q.windowS}/${q.bucketS}`;
    const now = Date.now();
    const hit = this.cached.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = this.read(q);
    this.cached.set(key, { at: now, value });
    value.catch(() => this.cached.delete(key));
    // Few distinct queries ever; drop the stale ones so the map stays small.
    for (const [k, v] of this.cached)
      if (now - v.at >= this.ttlMs && k !== key) this.cached.delete(k);
    return value;
  }
}

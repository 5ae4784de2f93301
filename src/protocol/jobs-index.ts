// Jobs as lists and counts, whoever submitted them: pages of the namespace's job index
// (keys.jobs(), kept by the scripts through INDEX_FN) filtered by runner and status, and per
// runner id the jobs in each state.
import { registeredInstances } from "./instances.js";
import { queueStats } from "./queue-stats.js";
import type { ScriptDef } from "./scripts.js";
import { runScript } from "./scripts-runner.js";
import type { JobRecord, JobStore } from "./store.js";

export interface JobListQuery {
  runner?: string;
  status?: string;
  /** Only jobs stored at or after this time (ms). */
  sinceMs?: number;
  /** The `next` of the previous page: this page starts where that one ended. */
  after?: string;
  limit?: number;
  /** Whether a job matching the filters is listed (who may see it); all when absent. */
  keep?: (id: string, record: JobRecord) => boolean | Promise<boolean>;
}

export interface JobListPage {
  jobs: (JobRecord & { stored_at: string })[];
  /** Where the next page starts (pass as `after`), when there may be more. */
  next?: string;
}

/** How many index entries one page may look through before it stops (filters that match little). */
const SCAN_LIMIT = 20_000;

/** The newest jobs first, filtered; ids whose jobs are gone leave the index as they are met. */
export async function listJobs(store: JobStore, query: JobListQuery = {}): Promise<JobListPage> {
  const limit = Math.max(1, Math.min(1000, query.limit ?? 50));
  const index = store.keys.jobs();
  const out: JobListPage["jobs"] = [];
  // Scores are microseconds (INDEX_FN); a cursor is the last score seen.
  let max: string = query.after === undefined ? "+inf" : `(${Number(query.after)}`;
  const min = query.sinceMs === undefined ? "-inf" : String(query.sinceMs * 1000);
  let scanned = 0;
  for (;;) {
    const flat = await store.redis.zrange(
      index,
      max,
      min,
      "BYSCORE",
      "REV",
      "LIMIT",
      0,
      200,
      "WITHSCORES",
    );
    if (flat.length === 0) return { jobs: out };
    const gone: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i] as string;
      const score = Number(flat[i + 1]);
      scanned += 1;
      const record = await store.record(id);
      if (record === undefined) gone.push(id);
      else if (
        (query.runner === undefined || record.runner === query.runner) &&
        (query.status === undefined || record.status === query.status) &&
        (query.keep === undefined || (await query.keep(id, record)))
      ) {
        out.push({ ...record, stored_at: new Date(Math.floor(score / 1000)).toISOString() });
        if (out.length === limit) {
          if (gone.length > 0) await store.redis.zrem(index, ...gone);
          return { jobs: out, next: String(score) };
        }
      }
      max = `(${score}`;
    }
    if (gone.length > 0) await store.redis.zrem(index, ...gone);
    if (scanned >= SCAN_LIMIT) return { jobs: out, next: max.slice(1) };
  }
}

export interface RunnerCounts {
  runner: string;
  queued: number;
  scheduled: number;
  running: number;
  /** Totals since the counts began (they are never reset by retention). */
  finished: number;
  error: number;
  dead: number;
}

/** Per runner id (those given, else every one with an instance or counts), jobs by state. */
export async function jobCounts(
  store: JobStore,
  runnerIds: readonly string[],
): Promise<RunnerCounts[]> {
  const rows: RunnerCounts[] = [];
  for (const runner of runnerIds) {
    const stats = await queueStats(store.redis, store.keys, runner);
    let running = 0;
    for (const instance of await registeredInstances(store.redis, store.keys, runner))
      running += await store.redis.llen(store.keys.active(runner, instance));
    const totals = await store.redis.hmget(store.keys.counts(runner), "finished", "error", "dead");
    rows.push({
      runner,
      queued: stats.queued,
      scheduled: stats.delayed,
      running,
      finished: Number(totals[0] ?? 0),
      error: Number(totals[1] ?? 0),
      dead: Number(totals[2] ?? 0),
    });
  }
  return rows;
}

/** Index entries one trimming call removes at most (Redis runs nothing else meanwhile). */
const TRIM_BATCH = 1000;
/** Trimming calls one sweep makes at most; a longer backlog waits for the next sweeps. */
const TRIM_CALLS_PER_SWEEP = 20;

/**
 * Takes out of the job index the ids stored longer ago than the retention and an hour (their
 * jobs have expired, or are about to): at most TRIM_BATCH a call, oldest first.
 */
const TRIM_INDEX: ScriptDef = {
  name: "horusTrimIndex",
  keys: 1,
  lua: `
-- KEYS[1] the job index
-- ARGV[1] retention in seconds, ARGV[2] most ids to remove
-- returns how many ids were removed
local t = redis.call('TIME')
local cutoff = (tonumber(t[1]) - tonumber(ARGV[1]) - 3600) * 1000000
local old = redis.call('ZRANGE', KEYS[1], '-inf', cutoff, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
if #old > 0 then redis.call('ZREM', KEYS[1], unpack(old)) end
return #old
`,
};

/**
 * Trims the namespace's job index to the retention, from a runner's sweep rather than at
 * every job's end: a job's end costs Redis two calls fewer, and ids of expired jobs stay
 * listed (until the next sweep, or until a listing meets them) only a little longer.
 */
export async function trimJobIndex(store: JobStore, retentionS: number): Promise<number> {
  if (retentionS <= 0) return 0;
  let removed = 0;
  for (let call = 0; call < TRIM_CALLS_PER_SWEEP; call++) {
    const n = Number(
      await runScript(store.redis, TRIM_INDEX, [store.keys.jobs()], [retentionS, TRIM_BATCH]),
    );
    removed += n;
    if (n < TRIM_BATCH) break;
  }
  return removed;
}

// A job's life after a failed attempt or before its time: the RETRY call that sends it to
// the delayed set, the PROMOTE that brings due jobs back to their queues, and the dead letters
// (listed, shown, run again, purged: the same for `horus dead` and the supervisor's dead.*).
import type { Redis } from "ioredis";
import type { ErrorKind, Job } from "../job/index.js";
import type { RedisKeys } from "./keys.js";
import { PROMOTE, TAKE_DEAD } from "./retry-scripts.js";
import { runScript } from "./scripts-runner.js";
import type { FinishCall, JobRecord, JobStore } from "./store.js";

/** One attempt of a job, as its history keeps it (`job:<id>:attempts`). */
export interface AttemptEntry {
  attempt: number;
  instance: string;
  started_at?: string;
  ended_at: string;
  status: "finished" | "error";
  error_kind?: ErrorKind;
  error?: string;
  /** When the next attempt is due, if there is one. */
  next_run_at?: string;
}

export interface RetryRequest {
  id: string;
  runnerId: string;
  instance: string;
  kind: ErrorKind;
  message: string;
  /** When the next attempt is due (ms since the epoch). */
  dueMs: number;
  entry: AttemptEntry;
  retentionS: number;
}

/** A failed attempt's RETRY call, decided once like any end (see JobStore.prepareEnd). */
export function prepareRetry(keys: RedisKeys, req: RetryRequest): FinishCall {
  const retryAt = new Date(req.dueMs).toISOString();
  return {
    id: req.id,
    status: "error",
    error: { kind: req.kind, message: req.message },
    retryAt,
    keys: [
      keys.job(req.id),
      keys.delayed(req.runnerId),
      keys.active(req.runnerId, req.instance),
      keys.attempts(req.id),
      keys.running(req.runnerId),
    ],
    args: [
      req.instance,
      req.id,
      Math.floor(req.dueMs),
      retryAt,
      req.message,
      req.kind,
      req.entry.ended_at,
      JSON.stringify(req.entry),
      keys.control(req.runnerId),
      req.retentionS,
    ],
  };
}

/** What PROMOTE did: how many jobs it queued, and when the next one is due (ms), if any. */
export interface PromoteResult {
  moved: number;
  nextDueMs: number | undefined;
}

/** Queues the runner id's due delayed jobs (at most `max` a call). */
export async function promoteDue(
  redis: Redis,
  keys: RedisKeys,
  runnerId: string,
  max = 100,
): Promise<PromoteResult> {
  const reply = (await runScript(
    redis,
    PROMOTE,
    [keys.delayed(runnerId), keys.queue(runnerId)],
    [keys.job(""), max],
  )) as [number, number];
  const [moved, next] = reply;
  return { moved: Number(moved), nextDueMs: Number(next) >= 0 ? Number(next) : undefined };
}

/** A job's attempts as its history recorded them, oldest first. */
export async function attemptHistory(
  redis: Redis,
  keys: RedisKeys,
  id: string,
): Promise<AttemptEntry[]> {
  const entries = await redis.lrange(keys.attempts(id), 0, -1);
  const out: AttemptEntry[] = [];
  for (const text of entries) {
    try {
      out.push(JSON.parse(text) as AttemptEntry);
    } catch {
      // A line some writer put there: not an attempt of ours.
    }
  }
  return out;
}

/** A dead letter: the job's record with its last error, and when it died. */
export interface DeadLetter {
  id: string;
  died_at: string;
  record: JobRecord;
}

/** One page of a runner id's dead letters. */
export interface DeadPage {
  letters: DeadLetter[];
  /** Whether letters lie past this page. */
  has_more: boolean;
}

/**
 * Which of `ids` a listing or a purge may touch (a supervisor's user key: the jobs it stored),
 * answered for a batch of ids at once, in their order.
 */
export type DeadFilter = (ids: readonly string[]) => Promise<readonly boolean[]>;

/** Most dead letters one page holds. */
const PAGE_MAX = 1000;
/** Ids read per round trip while a filtered listing walks the set. */
const SCAN_BATCH = 200;

function pageOf(opts: { offset?: number; limit?: number }): { offset: number; limit: number } {
  return {
    offset: Math.max(0, opts.offset ?? 0),
    limit: Math.max(1, Math.min(PAGE_MAX, opts.limit ?? 50)),
  };
}

/**
 * The letters of ids read from the set with their scores, in that order. Ids whose jobs are
 * gone (retention, purge by hand) are dropped from the set as they are met; returns how many.
 */
async function lettersOf(
  store: JobStore,
  runnerId: string,
  entries: readonly { id: string; score: string }[],
): Promise<{ letters: DeadLetter[]; gone: number }> {
  const letters: DeadLetter[] = [];
  const gone: string[] = [];
  for (const { id, score } of entries) {
    const record = await store.record(id);
    if (record === undefined) gone.push(id);
    else letters.push({ id, died_at: new Date(Number(score)).toISOString(), record });
  }
  if (gone.length > 0) await store.redis.zrem(store.keys.dead(runnerId), ...gone);
  return { letters, gone: gone.length };
}

/** ZRANGE ... WITHSCORES's flat answer as entries. */
function entriesOf(flat: readonly string[]): { id: string; score: string }[] {
  const out: { id: string; score: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ id: flat[i] as string, score: flat[i + 1] as string });
  return out;
}

/** The runner id's dead letters, newest first, and how many it holds. */
export async function listDead(
  store: JobStore,
  runnerId: string,
  opts: { offset?: number; limit?: number } = {},
): Promise<DeadPage & { total: number }> {
  const key = store.keys.dead(runnerId);
  const { offset, limit } = pageOf(opts);
  const flat = await store.redis.zrange(
    key,
    String(offset),
    String(offset + limit - 1),
    "REV",
    "WITHSCORES",
  );
  const { letters } = await lettersOf(store, runnerId, entriesOf(flat));
  const total = await store.redis.zcard(key);
  return { total, letters, has_more: total > offset + letters.length };
}

/**
 * The runner id's dead letters that `keep` lets through, newest first, paged among those. It
 * walks the set from the newest until the page is full (and one more letter shows whether
 * there are more), so it costs in proportion to the letters it passes over.
 */
export async function listDeadWhere(
  store: JobStore,
  runnerId: string,
  keep: DeadFilter,
  opts: { offset?: number; limit?: number } = {},
): Promise<DeadPage> {
  const key = store.keys.dead(runnerId);
  const { offset, limit } = pageOf(opts);
  const page: { id: string; score: string }[] = [];
  let passed = 0;
  let hasMore = false;
  for (let start = 0; !hasMore; start += SCAN_BATCH) {
    const batch = entriesOf(
      await store.redis.zrange(
        key,
        String(start),
        String(start + SCAN_BATCH - 1),
        "REV",
        "WITHSCORES",
      ),
    );
    if (batch.length === 0) break;
    const kept = await keep(batch.map((e) => e.id));
    for (let i = 0; i < batch.length && !hasMore; i++) {
      if (kept[i] !== true) continue;
      if (passed >= offset + limit) hasMore = true;
      else if (passed >= offset) page.push(batch[i] as { id: string; score: string });
      passed += 1;
    }
  }
  const { letters } = await lettersOf(store, runnerId, page);
  return { letters, has_more: hasMore };
}

/** Whether a job id is among the runner id's dead letters. */
export async function isDead(store: JobStore, runnerId: string, id: string): Promise<boolean> {
  return (await store.redis.zscore(store.keys.dead(runnerId), id)) !== null;
}

/** A job as `horus dead show` prints it: its record, its attempts, whether it is dead. */
export interface DeadLetterDetail {
  record: JobRecord;
  dead: boolean;
  attempts: AttemptEntry[];
}

/** A job's record, its attempts and whether it is a dead letter; undefined if it is gone. */
export async function deadLetterOf(
  store: JobStore,
  id: string,
): Promise<DeadLetterDetail | undefined> {
  const record = await store.record(id);
  if (record === undefined) return undefined;
  return {
    record,
    dead: await isDead(store, record.runner, id),
    attempts: await attemptHistory(store.redis, store.keys, id),
  };
}

/** The job to run again is not (or no longer) among its runner id's dead letters. */
export class NotDeadError extends Error {
  override readonly name = "NotDeadError";
}

/**
 * Runs a dead letter again as `retry`, a new job someone signed (see retryJobOf), and takes
 * the original out of the dead letters, noting `retried_as` in it. The letter leaves its set
 * before `submit` stores and queues the retry, so of two retries at once only one goes on
 * (the other gets NotDeadError); when `submit` fails the letter goes back as it was.
 */
export async function resubmitDead(
  store: JobStore,
  original: Job,
  retry: Job,
  submit: (job: Job) => Promise<void> = (job) => store.submit(job),
): Promise<void> {
  const letters = store.keys.dead(original.runner);
  const score = await runScript(
    store.redis,
    TAKE_DEAD,
    [letters, store.keys.job(original.id)],
    [original.id, retry.id],
  );
  if (score === null)
    throw new NotDeadError(
      `job ${original.id} is not among runner ${original.runner}'s dead letters`,
    );
  try {
    await submit(retry);
  } catch (e) {
    await store.redis.zadd(letters, String(score), original.id);
    await store.redis.hdel(store.keys.job(original.id), "retried_as");
    throw e;
  }
}

/**
 * Deletes dead letters and their jobs: all of the runner id's, or the ids given, and of
 * those only the ones `keep` lets through. Their claims stay, so their signed bytes can
 * never run again. Returns the ids purged.
 */
export async function purgeDead(
  store: JobStore,
  runnerId: string,
  ids?: readonly string[],
  keep?: DeadFilter,
): Promise<string[]> {
  const key = store.keys.dead(runnerId);
  let targets = ids ?? (await store.redis.zrange(key, "0", "-1"));
  if (keep !== undefined && targets.length > 0) {
    const kept = await keep(targets);
    targets = targets.filter((_, i) => kept[i] === true);
  }
  const purged: string[] = [];
  for (const id of targets) {
    if ((await store.redis.zrem(key, id)) === 0) continue;
    const k = store.keys;
    await store.redis.del(k.job(id), k.result(id), k.reply(id), k.logs(id), k.attempts(id));
    purged.push(id);
  }
  return purged;
}

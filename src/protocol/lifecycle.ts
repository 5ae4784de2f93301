// A job's life after a failed attempt or before its time: the RETRY call that sends it to
// the delayed set, the PROMOTE that brings due jobs back to their queues, and the dead letters.
import type { Redis } from "ioredis";
import type { ErrorKind } from "../job/index.js";
import type { RedisKeys } from "./keys.js";
import { PROMOTE } from "./retry-scripts.js";
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

/**
 * The runner id's dead letters, newest first. Ids whose jobs are gone (retention, purge by
 * hand) are dropped from the set as they are met.
 */
export async function listDead(
  store: JobStore,
  runnerId: string,
  opts: { offset?: number; limit?: number } = {},
): Promise<{ total: number; letters: DeadLetter[] }> {
  const key = store.keys.dead(runnerId);
  const offset = Math.max(0, opts.offset ?? 0);
  const limit = Math.max(1, Math.min(1000, opts.limit ?? 50));
  const flat = await store.redis.zrange(
    key,
    String(offset),
    String(offset + limit - 1),
    "REV",
    "WITHSCORES",
  );
  const letters: DeadLetter[] = [];
  const gone: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const id = flat[i] as string;
    const record = await store.record(id);
    if (record === undefined) gone.push(id);
    else letters.push({ id, died_at: new Date(Number(flat[i + 1])).toISOString(), record });
  }
  if (gone.length > 0) await store.redis.zrem(key, ...gone);
  const total = await store.redis.zcard(key);
  return { total, letters };
}

/** Whether a job id is among the runner id's dead letters. */
export async function isDead(store: JobStore, runnerId: string, id: string): Promise<boolean> {
  return (await store.redis.zscore(store.keys.dead(runnerId), id)) !== null;
}

/**
 * Deletes dead letters and their jobs (all of the runner id's, or the ids given). Their
 * claims stay, so their signed bytes can never run again. Returns how many were purged.
 */
export async function purgeDead(
  store: JobStore,
  runnerId: string,
  ids?: readonly string[],
): Promise<number> {
  const key = store.keys.dead(runnerId);
  const targets = ids ?? (await store.redis.zrange(key, "0", "-1"));
  let purged = 0;
  for (const id of targets) {
    if ((await store.redis.zrem(key, id)) === 0) continue;
    const k = store.keys;
    await store.redis.del(k.job(id), k.result(id), k.reply(id), k.logs(id), k.attempts(id));
    purged += 1;
  }
  return purged;
}

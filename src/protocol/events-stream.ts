// The namespace's event stream (keys.events(), written by the scripts through EVENT_FN):
// every job's state changes in order, for `horus events`, the supervisor and dashboards.
import type { Redis } from "ioredis";
import type { RedisKeys } from "./keys.js";

export interface JobStateEvent {
  /** The stream entry id (`<ms>-<seq>`): where to continue from. */
  stream_id: string;
  /** When Redis recorded it (from the entry id). */
  at: string;
  /** queued, scheduled, started, retrying, finished, error, dead, cancelled, handed_back. */
  event: string;
  job: string;
  runner: string;
  /** The other fields: attempt, instance, error_kind, next_run_at. */
  [field: string]: string;
}

function parse(entries: [string, string[]][]): JobStateEvent[] {
  return entries.map(([id, flat]) => {
    const e: Record<string, string> = {
      stream_id: id,
      at: new Date(Number(id.split("-")[0])).toISOString(),
    };
    for (let i = 0; i + 1 < flat.length; i += 2) e[flat[i] as string] = flat[i + 1] as string;
    return e as JobStateEvent;
  });
}

/**
 * Events after `after` (a stream id; "0" for the oldest kept, "$" for only new ones), at most
 * `count`. With `blockMs` the call waits that long for one to arrive (use a connection of
 * its own: it blocks).
 */
export async function readEvents(
  redis: Redis,
  keys: RedisKeys,
  opts: { after?: string; count?: number; blockMs?: number } = {},
): Promise<JobStateEvent[]> {
  const count = Math.max(1, Math.min(10_000, opts.count ?? 100));
  const after = opts.after ?? "0";
  const reply =
    opts.blockMs === undefined
      ? await redis.xread("COUNT", count, "STREAMS", keys.events(), after)
      : await redis.xread("COUNT", count, "BLOCK", opts.blockMs, "STREAMS", keys.events(), after);
  const entries = (reply?.[0]?.[1] ?? []) as [string, string[]][];
  return parse(entries);
}

/** The newest `count` events, oldest first. */
export async function recentEvents(
  redis: Redis,
  keys: RedisKeys,
  count = 100,
): Promise<JobStateEvent[]> {
  const entries = (await redis.xrevrange(keys.events(), "+", "-", "COUNT", count)) as [
    string,
    string[],
  ][];
  return parse(entries.reverse());
}

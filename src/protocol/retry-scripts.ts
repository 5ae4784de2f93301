// The scripts of a job's later runs: an attempt that failed waits in the runner id's delayed
// set (RETRY), due jobs, delayed or retried, move from that set to their queues (PROMOTE),
// and a dead letter leaves its set for the new job that runs it again (TAKE_DEAD).
import { COUNT_FN, EVENT_FN, NOW_FN, QUEUE_FN } from "./lua-parts.js";
import type { ScriptDef } from "./scripts.js";

/**
 * Records a failed attempt of a job that may run again: the attempt goes to the job's
 * history, the job to the delayed set until its next run is due (status `scheduled`). Only
 * the instance that started the attempt may write it, as FINISH's "holder" mode.
 */
export const RETRY: ScriptDef = {
  name: "horusRetry",
  keys: 5,
  lua: `
-- KEYS[1] job hash, KEYS[2] the runner id's delayed set, KEYS[3] the instance's active list,
-- KEYS[4] the job's attempts (history), KEYS[5] the runner id's running jobs
-- ARGV[1] instance, ARGV[2] job id, ARGV[3] next run's due time in ms, ARGV[4] the same as
-- RFC 3339, ARGV[5] error message, ARGV[6] error kind, ARGV[7] now, ARGV[8] the attempt's
-- history entry (JSON), ARGV[9] the runner id's control channel, ARGV[10] retention seconds
-- returns 1 written, 2 written before by this very call (a resend), -1 no such job, -2
-- already terminal, -4 held by another instance
redis.call('LREM', KEYS[3], 0, ARGV[2])
redis.call('ZREM', KEYS[5], ARGV[2])
local f = redis.call('HMGET', KEYS[1], 'status', 'runner_instance', 'next_run_at',
  'updated_at')
if not f[1] then return -1 end
if f[1] == 'finished' or f[1] == 'error' then return -2 end
if f[1] == 'scheduled' and f[3] == ARGV[4] and f[4] == ARGV[7] then return 2 end
if f[1] ~= 'started' or f[2] ~= ARGV[1] then return -4 end
redis.call('HSET', KEYS[1], 'status', 'scheduled', 'error', ARGV[5], 'error_kind', ARGV[6],
  'next_run_at', ARGV[4], 'updated_at', ARGV[7])
redis.call('HDEL', KEYS[1], 'runner_instance', 'started_at')
redis.call('RPUSH', KEYS[4], ARGV[8])
local ttl = tonumber(ARGV[10]) or 0
if ttl > 0 then redis.call('EXPIRE', KEYS[4], ttl) end
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[2])
redis.call('PUBLISH', ARGV[9], '{"due":' .. ARGV[3] .. '}')
${EVENT_FN}
emit(KEYS[1], ARGV[2], 'retrying', redis.call('HGET', KEYS[1], 'runner'), 'error_kind',
  ARGV[6], 'next_run_at', ARGV[4])
return 1
`,
};

/**
 * Moves the due jobs of a runner id's delayed set to their queues (by priority), oldest due
 * first, and says when the next one is due, so the caller can sleep until then. An id whose
 * job is no longer `scheduled` (cancelled, deleted) is dropped from the set.
 */
export const PROMOTE: ScriptDef = {
  name: "horusPromote",
  keys: 2,
  lua: `
-- KEYS[1] the runner id's delayed set, KEYS[2] its queue
-- ARGV[1] job key prefix (the job key is prefix .. id), ARGV[2] most ids to move
-- returns {moved, next due time in ms or -1 when the set is empty}
${COUNT_FN}
${NOW_FN}
${QUEUE_FN}
${EVENT_FN}
local now = now_ms()
local due = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0,
  math.max(1, count(ARGV[2])))
local moved = 0
local stamp
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[1] .. id
  -- An id some writer put here that names another kind of key: HMGET fails, the id goes.
  local f = redis.pcall('HMGET', key, 'status', 'priority', 'runner')
  if not f.err and f[1] == 'scheduled' then
    stamp = stamp or now_rfc3339()
    redis.call('HSET', key, 'status', 'dispatched', 'updated_at', stamp)
    redis.call('HDEL', key, 'next_run_at')
    push_queued(KEYS[2], f[2], id, false)
    emit(key, id, 'queued', f[3])
    moved = moved + 1
  end
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {moved, nxt[2] and math.floor(tonumber(nxt[2])) or -1}
`,
};

/**
 * Takes a dead letter out of its runner id's dead letters for the new job that runs it again,
 * and notes that job's id in the letter's hash (only while the hash is there: a letter whose
 * job has expired is not made again as a hash of one field). Of two retries of one letter at
 * once, only the first gets it.
 */
export const TAKE_DEAD: ScriptDef = {
  name: "horusTakeDead",
  keys: 2,
  lua: `
-- KEYS[1] the runner id's dead letters, KEYS[2] the dead job's hash
-- ARGV[1] the dead job's id, ARGV[2] the id of the job that runs it again
-- returns the letter's score (when it died, ms) as text, or nil when it was no dead letter
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return nil end
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'retried_as', ARGV[2])
end
return score
`,
};

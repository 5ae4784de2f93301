// Lua shared by several scripts, written once and spliced into each script's text (Redis
// has no includes). Each part defines local functions only; nothing runs when it is spliced.

/**
 * A job's `attempts` (or any count read from a hash nobody has checked) as a count: nothing
 * read from an unchecked hash may make a call fail (HINCRBY on "lots", EX with "1e999", cjson
 * with inf): the failing call would fail again at every retry.
 */
export const COUNT_FN = `
local function count(v)
  local n = tonumber(v)
  if n == nil or n ~= n or n < 0 or n > 1e9 then return 0 end
  return math.floor(n)
end
`;

/**
 * Redis's own clock (TIME) as RFC 3339 UTC with milliseconds, like every other stamp, and as
 * milliseconds. A take is stamped with the moment the script runs, not with the caller's
 * clock when it sent the script: a runner sends TAKE behind a blocking wait, and stamping the
 * time it started waiting made `started_at` earlier than the `created_at` of the job it woke
 * for.
 */
export const NOW_FN = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function now_rfc3339()
  local t = redis.call('TIME')
  local secs = tonumber(t[1])
  local ms = math.floor(tonumber(t[2]) / 1000)
  local days = math.floor(secs / 86400)
  local rest = secs - days * 86400
  -- Civil date from days since 1970-01-01 (proleptic Gregorian, eras of 400 years).
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
    - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local day = doy - math.floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400
  if month <= 2 then year = year + 1 end
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
    math.floor(rest / 3600), math.floor(rest % 3600 / 60), rest % 60, ms)
end
`;

/**
 * Queues by priority. A job of priority 5 (the default, and anything unreadable) waits in
 * the runner's queue itself; priority p waits in `<queue>:p<p>`, and p is recorded in
 * `<queue>:prios` so TAKE looks only at lists that may hold jobs. A runner blocked on the
 * queue would not see a job pushed on another list: an empty queue gets the wake marker `~`
 * (never a job id), which TAKE throws away. `front` puts the id where it is taken next (a
 * job handed back); otherwise it joins the back.
 */
export const QUEUE_FN = `
local function push_queued(queue, p, id, front)
  p = tonumber(p)
  local list = queue
  if p ~= nil and p == math.floor(p) and p >= 0 and p <= 9 and p ~= 5 then
    list = queue .. ':p' .. p
    redis.call('ZADD', queue .. ':prios', p, p)
    if redis.call('LLEN', queue) == 0 then redis.call('LPUSH', queue, '~') end
  end
  if front then redis.call('RPUSH', list, id) else redis.call('LPUSH', list, id) end
end
`;

/**
 * The claim of a job's nth attempt: the first is the job's claim key itself (the one that
 * keeps a finished id from being submitted again), later ones `<claim>:<n>`. Each attempt is
 * claimed once, so a Redis writer re-queuing an id can at most start attempts the job's
 * signer allowed (the runner checks n against the signed max_attempts).
 */
export const CLAIM_FN = `
local function claim_of(claim, n)
  if n <= 1 then return claim end
  return claim .. ':' .. n
end
`;

/**
 * Ends a job as `error` in one place: its fields, its result, the reply its waiters get, and
 * the expiry of its keys (`logs` may be '' when the caller has no log key to expire).
 */
export const END_AS_ERROR_FN = `
local function end_as_error(job, result, reply, logs, kind, message, now, result_json,
    reply_json, ttl)
  redis.call('HSET', job, 'status', 'error', 'error', message, 'error_kind', kind,
    'finished_at', now, 'updated_at', now)
  redis.call('SET', result, result_json)
  redis.call('DEL', reply)
  redis.call('LPUSH', reply, reply_json)
  if ttl > 0 then
    for _, k in ipairs({job, result, reply, logs}) do
      if k ~= '' then redis.call('EXPIRE', k, ttl) end
    end
  end
end
`;

/**
 * Adds an ended job to a ZSET of ended jobs (finished, or dead letters) scored by the time,
 * and deletes the oldest past `keep` (at most 100 a call, so a lowered cap catches up over
 * the next ends rather than in one long script). Their claims stay: a deleted job's id must
 * still be refused as a replay. `job_key` is the job's hash key, `id` its id.
 */
export const KEEP_FN = `
local function keep_newest(zset, keep, job_key, id, ttl)
  if keep <= 0 or zset == '' then return end
  local t = redis.call('TIME')
  redis.call('ZADD', zset, t[1] * 1000 + math.floor(t[2] / 1000), id)
  local over = redis.call('ZCARD', zset) - keep
  if over > 0 then
    local prefix = string.sub(job_key, 1, #job_key - #id)
    -- ZPOPMIN answers member, score, member, score...; the suffixes are keys.ts's.
    local popped = redis.call('ZPOPMIN', zset, math.min(over, 100))
    -- The namespace's job index sits next to the job keys (<prefix> is <ns>:job:).
    local index = string.sub(prefix, 1, #prefix - 4) .. 'jobs'
    for i = 1, #popped, 2 do
      local k = prefix .. popped[i]
      redis.call('DEL', k, k .. ':result', k .. ':reply', k .. ':logs', k .. ':attempts')
      redis.call('ZREM', index, popped[i])
    end
  end
  if ttl > 0 then redis.call('EXPIRE', zset, ttl) end
end
`;

/** Entries the event stream keeps, about (XADD's MAXLEN ~ trims whole nodes). */
const EVENTS_MAX_LEN = 10_000;

/**
 * Appends a state change to the namespace's event stream (`<prefix>events`, next to the
 * job keys: `job_key` is `<prefix>job:<id>`), capped near EVENTS_MAX_LEN entries. Fields:
 * event, job, runner, then any extra pairs (attempt, error_kind...).
 */
export const EVENT_FN = `
local function emit(job_key, id, event, runner, ...)
  local stream = string.sub(job_key, 1, #job_key - #id - 4) .. 'events'
  redis.call('XADD', stream, 'MAXLEN', '~', ${EVENTS_MAX_LEN}, '*', 'event', event, 'job', id,
    'runner', runner or '', ...)
end
`;

/**
 * The namespace's job index (`<prefix>jobs`, next to the job keys: `job_key` is
 * `<prefix>job:<id>`): every job by the time it was stored (µs), for listing jobs however
 * they were submitted; and a runner id's ended-job totals (`<prefix>runner:<id>:counts`).
 */
export const INDEX_FN = `
local function index_key(job_key, id)
  return string.sub(job_key, 1, #job_key - #id - 4) .. 'jobs'
end
-- Scored in microseconds: two jobs stored in one millisecond keep their order, and a page
-- that ends between them loses neither.
local function index_job(job_key, id)
  local t = redis.call('TIME')
  redis.call('ZADD', index_key(job_key, id), t[1] * 1000000 + t[2], id)
end
local function count_end(job_key, id, runner, field)
  if not runner then return end
  local key = string.sub(job_key, 1, #job_key - #id - 4) .. 'runner:' .. runner .. ':counts'
  redis.call('HINCRBY', key, field, 1)
end
`;

/**
 * SUBMIT's work for one job, shared by SUBMIT and SUBMIT_MANY so both store, index, announce
 * and queue a job the same way: refuse an id that exists or was claimed (-1, -7), store the
 * hash, add it to the job index, then either the delayed set (due later: `scheduled`, and
 * the runners told when) or its priority's list (`queued`). The job hash's field, value
 * pairs are ARGV[first..last]. Needs EVENT_FN, INDEX_FN and QUEUE_FN spliced before it.
 */
export const SUBMIT_FN = `
local function submit_job(job, queue, reply, claim, delayed, id, due, prio, control, first, last)
  -- One call for the common case (neither exists); which one did only when one does.
  if redis.call('EXISTS', job, claim) > 0 then
    if redis.call('EXISTS', job) == 1 then return -1 end
    return -7
  end
  -- A reply left under this id (an earlier job's, kept longer) must not answer this one's waiter.
  redis.call('DEL', reply)
  redis.call('HSET', job, unpack(ARGV, first, last))
  due = tonumber(due) or 0
  index_job(job, id)
  -- The runner id as just stored (the last pair wins in HSET), read from the arguments
  -- rather than back from the hash.
  local runner = false
  for i = first, last - 1, 2 do
    if ARGV[i] == 'runner' then runner = ARGV[i + 1] end
  end
  if due > 0 then
    emit(job, id, 'scheduled', runner)
    redis.call('ZADD', delayed, due, id)
    -- The runners' delayed watch sleeps until the earliest due time it knows: tell it.
    redis.call('PUBLISH', control, '{"due":' .. string.format('%d', due) .. '}')
    return 1
  end
  emit(job, id, 'queued', runner)
  push_queued(queue, prio, id, false)
  return 1
end
`;

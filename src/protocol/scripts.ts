// Every state change that touches more than one key runs as one Lua script, so a crash or a
// second runner can never see half of it. Each script states its KEYS, ARGV and return
// codes at the top; `codes.ts` turns the negative codes into words in one place, and
// `lua-parts.ts` holds the Lua several scripts share.
import {
  CLAIM_FN,
  COUNT_FN,
  END_AS_ERROR_FN,
  EVENT_FN,
  INDEX_FN,
  KEEP_FN,
  NOW_FN,
  QUEUE_FN,
  SUBMIT_FN,
} from "./lua-parts.js";

export { NOW_FN };

/** FINISH's keys and arguments per job (FINISH_MANY takes them once per job). */
const FINISH_KEYS = 10;
const FINISH_ARGS = 17;

export interface ScriptDef {
  readonly name: string;
  readonly keys: number;
  readonly lua: string;
  /**
   * The script never writes. Every script is sent with a `#!lua` first line (see
   * scriptSource): without one, Redis judges a script's memory only at its first write
   * command, and SUBMIT's first write was a DEL, which Redis lets through when out of
   * memory, so the HSET and LPUSH behind it went through too. With it, Redis refuses a
   * writing script as a whole while `maxmemory` is reached, and runs a read-only one
   * (`flags=no-writes`) whatever the memory.
   */
  readonly readOnly?: boolean;
  /** The script may run when Redis is out of memory (it writes next to nothing). */
  readonly allowOom?: boolean;
  /**
   * `keys` is the count for one item (one job): a call passes any positive multiple of it,
   * one set of keys per item, so every key a call touches is still declared in KEYS.
   */
  readonly keysPerItem?: boolean;
  /**
   * The same work for several items in one call (`keysPerItem`, and the arguments of each
   * item one after the other, as many per item as this script takes), answering one reply
   * per item: calls of this script sent in the same tick go as one call of that one.
   */
  readonly many?: ScriptDef;
}

/** What is sent to Redis for a script: its flags line, then its Lua. */
export function scriptSource(def: ScriptDef): string {
  const flags =
    def.readOnly === true ? " flags=no-writes" : def.allowOom === true ? " flags=allow-oom" : "";
  return `#!lua${flags}\n${def.lua}`;
}

/**
 * Store a new job and queue it; a job id that exists already is refused, and so is one a
 * runner has claimed (run or started) even if its hash is gone: deleting a finished job
 * must not make its signed bytes runnable again.
 */
export const SUBMIT: ScriptDef = {
  name: "horusSubmit",
  keys: 5,
  lua: `
-- KEYS[1] job hash, KEYS[2] runner queue, KEYS[3] reply list, KEYS[4] the job's claim,
-- KEYS[5] the runner id's delayed set
-- ARGV[1] job id, ARGV[2] due time in ms (0: now), ARGV[3] priority ("" for 5), ARGV[4] the
-- runner id's control channel, ARGV[5..] field, value pairs of the job hash (status
-- included: "scheduled" when due later, else "dispatched")
-- returns 1 queued (or scheduled), -1 the id exists already, -7 the id was claimed by a
-- runner before
${EVENT_FN}
${INDEX_FN}
${QUEUE_FN}
${SUBMIT_FN}
return submit_job(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2], ARGV[3],
  ARGV[4], 5, #ARGV)
`,
};

/**
 * SUBMIT for many jobs in one call (a client submitting a batch): each job is judged and
 * stored exactly as SUBMIT would, in order, and refused on its own (its id exists, or was
 * claimed) without stopping the others. The call's layout is checked before anything is
 * written, so a malformed call changes nothing. Callers bound how many jobs one call holds
 * (see JobStore.submitMany): Redis runs nothing else while a script runs.
 */
export const SUBMIT_MANY: ScriptDef = {
  name: "horusSubmitMany",
  keys: 5,
  keysPerItem: true,
  lua: `
-- KEYS: for each job, SUBMIT's five keys in SUBMIT's order (job hash, runner queue, reply
-- list, claim, the runner id's delayed set)
-- ARGV: for each job, in the same order: id, due time in ms (0: now), priority ("" for 5),
-- the runner id's control channel, n, then n items: the job hash's field, value pairs
-- returns one SUBMIT code per job, in order: 1 queued (or scheduled), -1 the id exists
-- already, -7 the id was claimed by a runner before
local jobs = #KEYS / 5
local a = 1
for j = 1, jobs do
  local n = tonumber(ARGV[a + 4])
  if n == nil or n < 2 or n % 2 ~= 0 then
    return redis.error_reply('SUBMIT_MANY: job ' .. j .. ' has no field count')
  end
  a = a + 5 + n
end
if a ~= #ARGV + 1 or jobs ~= math.floor(jobs) then
  return redis.error_reply('SUBMIT_MANY: ARGV does not hold KEYS/5 jobs')
end
${EVENT_FN}
${INDEX_FN}
${QUEUE_FN}
${SUBMIT_FN}
local out = {}
a = 1
for k = 1, #KEYS, 5 do
  local n = tonumber(ARGV[a + 4])
  out[#out + 1] = submit_job(KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4],
    ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], a + 5, a + 4 + n)
  a = a + 5 + n
end
return out
`,
};

/**
 * Store a job without queueing it (the supervisor's jobs.create): its status is `created`.
 * Refused as SUBMIT refuses.
 */
export const STORE: ScriptDef = {
  name: "horusStore",
  keys: 2,
  lua: `
-- KEYS[1] job hash, KEYS[2] the job's claim
-- ARGV[1..] field, value pairs of the job hash (status included)
-- returns 1 stored, -1 the id exists already, -7 the id was claimed by a runner before
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -7 end
redis.call('HSET', KEYS[1], unpack(ARGV))
${INDEX_FN}
local id = redis.call('HGET', KEYS[1], 'id')
if id and string.sub(KEYS[1], -#id) == id then index_job(KEYS[1], id) end
return 1
`,
};

/**
 * A runner takes up to N job ids at once (one per free slot) into its active list, oldest
 * first, claims and starts each job it can (as START does), and returns the jobs with how
 * each start went, all in one round trip. The runner checks each job (signature, policy)
 * after this and before running it, and ends a job it refuses as an error: what is claimed
 * here is the right to decide, not yet a run. An id a blocking BLMOVE has just dropped in
 * the instance's `taking` list comes first: the runner sends this script right behind the
 * BLMOVE, in one write, so being woken by a job and holding it cost one round trip.
 * Job keys are built from the ids inside the script, which is legal in a Cluster only
 * because every key of a namespace carries its hash tag (see keys.ts).
 */
export const TAKE: ScriptDef = {
  name: "horusTake",
  keys: 6,
  lua: `
-- KEYS[1] runner queue (its priority lists are KEYS[1] .. ':p' .. p), KEYS[2] the instance's
-- active list, KEYS[3] its taking list, KEYS[4] the queue's priorities in use, KEYS[5] the
-- runner id's running jobs (id by lease end in ms), KEYS[6] its started-jobs counter for the
-- rate limit
-- ARGV[1] most ids to move, ARGV[2] job key prefix (the job key is prefix .. id),
-- ARGV[3] claim key suffix (the claim key is the job key .. suffix), ARGV[4] instance,
-- ARGV[5] unused (the start is stamped with Redis's TIME), ARGV[6] claim ttl seconds before
-- the job's own timeout is added, ARGV[7] most jobs running across the runner id's
-- instances (0: no limit), ARGV[8] most jobs started per window (0: no limit), ARGV[9] the
-- window in ms
-- returns id1, code1, hash1, id2, code2, hash2, ... with START's codes (1 started, -1 no
-- such job, -2 already run, -3 cancelled, -6 running elsewhere, -8 a limit is reached: the
-- id went back to its list's front, and its "hash" is {"retry_ms", ms to wait}); each hash a
-- flat field, value array, empty unless started; then the queued ids left once the take is
-- done
${COUNT_FN}
${NOW_FN}
${CLAIM_FN}
${EVENT_FN}
local out = {}
local left = tonumber(ARGV[1])
local conc, rate = tonumber(ARGV[7]) or 0, tonumber(ARGV[8]) or 0
local now
-- How long to wait before a take may start a job, 0 when one may start now.
local function limited()
  if conc > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now_ms())
    if redis.call('ZCARD', KEYS[5]) >= conc then return 100 end
  end
  if rate > 0 and (tonumber(redis.call('GET', KEYS[6])) or 0) >= rate then
    return math.max(1, redis.call('PTTL', KEYS[6]))
  end
  return 0
end
local function start(id, key)
  -- A queue item that is no job id is no job (the pattern is the runner's own check on ids);
  -- nor is one naming some other kind of key ("<id>:result"), where HMGET fails.
  if #id > 128 or not string.find(id, '^[%w._:-]+$') then return -1 end
  local f = redis.pcall('HMGET', key, 'status', 'error_kind', 'timeout', 'attempts', 'runner')
  if f.err or not f[1] then return -1 end
  local status = f[1]
  if status == 'finished' or status == 'error' then
    if f[2] == 'cancelled' then return -3 end
    return -2
  end
  -- Its id queued twice (by hand, say) while another instance runs it: not a replay.
  if status == 'started' then return -6 end
  -- The hash is not checked yet (the runner does that next), so nothing read from it may
  -- make a call fail and stop every take after it: the timeout is held to the schema's
  -- bounds, and attempts to a count.
  local timeout = math.min(math.max(0, tonumber(f[3]) or 0), 604800)
  local ttl = math.floor(tonumber(ARGV[6]) + timeout)
  local attempt = count(f[4]) + 1
  if redis.call('SET', claim_of(key .. ARGV[3], attempt), ARGV[4], 'NX', 'EX', ttl) == false then
    return -2
  end
  now = now or now_rfc3339()
  redis.call('HSET', key, 'status', 'started', 'runner_instance', ARGV[4],
    'started_at', now, 'updated_at', now, 'attempts', attempt)
  emit(key, id, 'started', f[5], 'attempt', attempt, 'instance', ARGV[4])
  if conc > 0 then redis.call('ZADD', KEYS[5], now_ms() + ttl * 1000, id) end
  if rate > 0 and redis.call('INCR', KEYS[6]) == 1 then
    redis.call('PEXPIRE', KEYS[6], tonumber(ARGV[9]))
  end
  return 1
end
local function take(from, back)
  while left > 0 do
    local wait = (conc > 0 or rate > 0) and limited() or 0
    if wait > 0 then
      local id = redis.call('LMOVE', from, back, 'RIGHT', 'RIGHT')
      if id and id ~= '~' then
        out[#out + 1] = id
        out[#out + 1] = -8
        out[#out + 1] = {'retry_ms', tostring(wait)}
      end
      left = 0
      return
    end
    local id = redis.call('LMOVE', from, KEYS[2], 'RIGHT', 'LEFT')
    if not id then return true end
    if id == '~' then
      redis.call('LPOP', KEYS[2])
    else
      left = left - 1
      local key = ARGV[2] .. id
      local code = start(id, key)
      out[#out + 1] = id
      out[#out + 1] = code
      out[#out + 1] = code == 1 and redis.call('HGETALL', key) or {}
    end
  end
end
-- Higher priorities first; then the queue itself (5), the id a blocking take moved out of it
-- (its oldest) ahead of the rest; then the lower priorities. A moved id the take had no room
-- left for goes back to the queue's front.
local prios = redis.call('ZRANGE', KEYS[4], 0, -1, 'REV')
local queued = 0
local function take_level(p)
  local list = KEYS[1] .. ':p' .. p
  take(list, list)
  local n = redis.call('LLEN', list)
  if n == 0 then redis.call('ZREM', KEYS[4], p) end
  queued = queued + n
end
for _, p in ipairs(prios) do if tonumber(p) > 5 then take_level(p) end end
-- take() answers true when its list ran dry: only a take that filled up first may have
-- left ids in \`taking\`.
if not take(KEYS[3], KEYS[1]) then
  while redis.call('LMOVE', KEYS[3], KEYS[1], 'RIGHT', 'RIGHT') do end
end
take(KEYS[1], KEYS[1])
queued = queued + redis.call('LLEN', KEYS[1])
for _, p in ipairs(prios) do if tonumber(p) < 5 then take_level(p) end end
out[#out + 1] = queued
return out
`,
};

/**
 * A runner claims a job it took: it must exist, not be finished, and never have been
 * claimed before (the claim key outlives the maximum job age, which is what makes a
 * replayed job id visible). Marks it started by this instance.
 */
export const START: ScriptDef = {
  name: "horusStart",
  keys: 3,
  lua: `
-- KEYS[1] job hash, KEYS[2] claim key (of the first attempt; see claim_of), KEYS[3] the
-- instance's active list
-- ARGV[1] instance, ARGV[2] unused (the start is stamped with Redis's TIME), ARGV[3] claim
-- ttl seconds, ARGV[4] job id
-- returns 1 started, -1 no such job, -2 already run (terminal or claimed), -3 cancelled,
-- -6 not ours to run (a sweep took it back from an instance it believed gone, or another
-- instance runs it)
${COUNT_FN}
${CLAIM_FN}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'finished' or status == 'error' then
  if redis.call('HGET', KEYS[1], 'error_kind') == 'cancelled' then return -3 end
  return -2
end
if redis.call('LPOS', KEYS[3], ARGV[4]) == false then return -6 end
local attempts = count(redis.call('HGET', KEYS[1], 'attempts'))
-- A retried call of our own (the reply was lost to a dropped connection) is not a replay;
-- a job another instance runs is not ours to refuse.
if status == 'started' then
  if redis.call('GET', claim_of(KEYS[2], attempts)) == ARGV[1] then return 1 end
  return -6
end
if redis.call('SET', claim_of(KEYS[2], attempts + 1), ARGV[1], 'NX', 'EX',
    tonumber(ARGV[3])) == false then
  return -2
end
${NOW_FN}
local now = now_rfc3339()
redis.call('HSET', KEYS[1], 'status', 'started', 'runner_instance', ARGV[1],
  'started_at', now, 'updated_at', now, 'attempts', attempts + 1)
${EVENT_FN}
emit(KEYS[1], ARGV[4], 'started', redis.call('HGET', KEYS[1], 'runner'), 'attempt',
  attempts + 1, 'instance', ARGV[1])
return 1
`,
};

/**
 * FINISH's work for one job, shared by FINISH and FINISH_MANY: K is FINISH's KEYS, A its
 * ARGV. Needs COUNT_FN, KEEP_FN, EVENT_FN and INDEX_FN spliced before it.
 */
const FINISH_FN = `
local function finish(K, A)
  -- Whatever the answer, the id is no longer ours to hold: an id left in the active list
  -- would be found by the orphan check and handled again, every sweep, for ever.
  if K[6] ~= '' then redis.call('LREM', K[6], 0, A[9]) end
  if K[9] ~= '' then redis.call('ZREM', K[9], A[9]) end
  -- One read for every field this script looks at (a hash always has a status).
  local f = redis.call('HMGET', K[1], 'status', 'runner_instance', 'runner', 'created_at',
    'started_at', 'attempts', 'error', 'error_kind', 'finished_at', 'log_lines')
  local status = f[1]
  if not status then return -1 end
  if status == 'finished' or status == 'error' then
    if f[9] == A[7] and f[2] == A[1] then return 2 end
    return -2
  end
  if A[2] == 'holder' and (status ~= 'started' or f[2] ~= A[1]) then return -4 end
  local error, error_kind = f[7], f[8]
  if A[3] == 'error' then
    error, error_kind = A[5], A[6]
    redis.call('HSET', K[1], 'status', A[3], 'finished_at', A[7], 'updated_at', A[7],
      'error', error, 'error_kind', error_kind)
  else
    redis.call('HSET', K[1], 'status', A[3], 'finished_at', A[7], 'updated_at', A[7])
  end
  -- A signed outcome names the instance that wrote it, as its signature does.
  -- The proof is written even when empty (signed alone): a stale one (a Redis writer's)
  -- never stays beside a signature it does not belong to.
  local proof = A[17] or ''
  if A[11] ~= '' then
    redis.call('HSET', K[1], 'result_signature', A[11], 'result_signer', A[12],
      'runner_instance', A[1], 'result_proof', proof)
    f[2] = A[1]
  end
  local ttl = tonumber(A[8])
  if ttl > 0 then
    redis.call('SET', K[2], A[4], 'EX', ttl)
  else
    redis.call('SET', K[2], A[4])
  end
  -- The reply carries the job's final record, so a waiter needs no second read; the result
  -- JSON is spliced in as it came (never decoded here), and a large one is left out (the
  -- waiter reads it from its key) rather than kept twice.
  local reply = A[10]
  if string.len(A[4]) <= 65536 then
    local record = cjson.encode({
      id = A[9], status = A[3], runner = f[3] or nil, created_at = f[4] or nil,
      started_at = f[5] or nil, finished_at = A[7], attempts = count(f[6]),
      runner_instance = f[2] or nil, error = error or nil, error_kind = error_kind or nil,
      result_signature = A[11] ~= '' and A[11] or nil,
      result_signer = A[12] ~= '' and A[12] or nil,
      result_proof = proof ~= '' and proof or nil
    })
    reply = string.sub(A[10], 1, -2) .. ',"record":' .. string.sub(record, 1, -2) ..
      ',"result":' .. A[4] .. '}}'
  end
  redis.call('DEL', K[3])
  redis.call('LPUSH', K[3], reply)
  if A[16] ~= '' and K[10] ~= '' then redis.call('RPUSH', K[10], A[16]) end
  if ttl > 0 then
    -- The result was set with its expiry; a job that never logged has no log list.
    for _, k in ipairs({K[1], K[3], f[10] and K[4] or '', K[10]}) do
      if k ~= '' then redis.call('EXPIRE', k, ttl) end
    end
  end
  if A[14] == 'dead' then
    emit(K[1], A[9], 'dead', f[3], 'error_kind', error_kind or '', 'attempt', count(f[6]))
    count_end(K[1], A[9], f[3], 'dead')
  else
    emit(K[1], A[9], A[3], f[3], 'error_kind', error_kind or '', 'attempt', count(f[6]))
  end
  count_end(K[1], A[9], f[3], A[3])
  -- The count caps: a dead letter is kept among the dead, any other end among the finished.
  if A[14] == 'dead' then
    keep_newest(K[8], tonumber(A[15]) or 0, K[1], A[9], ttl)
  else
    keep_newest(K[7], tonumber(A[13]) or 0, K[1], A[9], ttl)
  end
  return 1
end
`;

/**
 * FINISH for several jobs in one call (ends recorded in the same tick: a runner whose jobs
 * end close together): each is judged and written exactly as FINISH would, in order.
 */
export const FINISH_MANY: ScriptDef = {
  name: "horusFinishMany",
  keys: FINISH_KEYS,
  keysPerItem: true,
  lua: `
-- KEYS: for each job, FINISH's ${FINISH_KEYS} keys in FINISH's order; ARGV: for each job,
-- FINISH's ${FINISH_ARGS} arguments
-- returns one FINISH code (or error) per job, in order
local jobs = #KEYS / ${FINISH_KEYS}
if jobs ~= math.floor(jobs) or #ARGV ~= jobs * ${FINISH_ARGS} then
  return redis.error_reply('FINISH_MANY: KEYS and ARGV do not hold the same jobs')
end
${COUNT_FN}
${KEEP_FN}
${EVENT_FN}
${INDEX_FN}
${FINISH_FN}
-- A job whose write fails (a Redis writer made one of its keys another type, say) answers
-- its error, as its own FINISH would, and does not stop the others.
local out = {}
for j = 0, jobs - 1 do
  local ok, code = pcall(finish,
    {unpack(KEYS, j * ${FINISH_KEYS} + 1, (j + 1) * ${FINISH_KEYS})},
    {unpack(ARGV, j * ${FINISH_ARGS} + 1, (j + 1) * ${FINISH_ARGS})})
  if ok then
    out[j + 1] = code
  else
    out[j + 1] = {err = type(code) == 'table' and code.err or tostring(code)}
  end
end
return out
`,
};

/**
 * Records the end of a job exactly once: status, result, reply for waiters, and expiry of
 * every key of the job. With ARGV[2] = "holder" only the instance that started the job may
 * write (a second writer loses); with "open" any non-terminal job may be ended (rejections
 * before start, cancel of a queued job).
 */
export const FINISH: ScriptDef = {
  name: "horusFinish",
  keys: FINISH_KEYS,
  many: FINISH_MANY,
  lua: `
-- KEYS[1] job hash, KEYS[2] result, KEYS[3] reply list, KEYS[4] logs, KEYS[5] claim,
-- KEYS[6] active list of the instance ("" key name allowed: nothing to remove), KEYS[7] the
-- runner id's finished jobs by end time ("" when no count is kept), KEYS[8] its dead
-- letters by end time, KEYS[9] its running jobs (see TAKE), KEYS[10] the job's attempts
-- (its history, when it may run more than once)
-- ARGV[1] instance, ARGV[2] mode "holder"|"open", ARGV[3] status finished|error,
-- ARGV[4] result JSON, ARGV[5] error message, ARGV[6] error kind, ARGV[7] now,
-- ARGV[8] retention seconds (0 keeps forever), ARGV[9] job id, ARGV[10] reply JSON, an
-- object (the job's final record is added to it as "record"), ARGV[11] the runner's
-- signature over the outcome and ARGV[12] its public key ("" and "": unsigned), ARGV[13]
-- finished jobs the runner id keeps at most (0: no count cap), ARGV[14] "dead" when the
-- job goes to the dead letters (it used its attempts) and then ARGV[15] how many dead
-- letters are kept, ARGV[16] this attempt's entry for the history ("" for none), ARGV[17]
-- the outcome's place in the batch its signature covers (JSON, "" when signed alone)
-- returns 1 written, 2 written before by this very call (a resend: same instance, same
-- finished_at), -1 no such job, -2 already terminal, -4 held by another instance
${COUNT_FN}
${KEEP_FN}
${EVENT_FN}
${INDEX_FN}
${FINISH_FN}
return finish(KEYS, ARGV)
`,
};

/**
 * Gives a job an instance holds back to its queue (shutdown): a started one becomes
 * `dispatched` again, its claim is released and it goes to the front of the queue; one
 * never started goes back to the front as it is.
 */
export const HAND_BACK: ScriptDef = {
  name: "horusHandBack",
  keys: 5,
  lua: `
-- KEYS[1] job hash, KEYS[2] queue, KEYS[3] active list, KEYS[4] claim (of the first
-- attempt; see claim_of), KEYS[5] the runner id's running jobs
-- ARGV[1] job id, ARGV[2] instance, ARGV[3] now
-- returns 1 handed back, 2 never started (queued again as it was), -4 not held by this
-- instance (nothing changed but the active list)
${COUNT_FN}
${CLAIM_FN}
${QUEUE_FN}
redis.call('LREM', KEYS[3], 0, ARGV[1])
local f = redis.call('HMGET', KEYS[1], 'status', 'runner_instance', 'attempts', 'priority')
if f[1] == 'dispatched' then
  push_queued(KEYS[2], f[4], ARGV[1], true)
  return 2
end
if f[1] ~= 'started' or f[2] ~= ARGV[2] then return -4 end
redis.call('HSET', KEYS[1], 'status', 'dispatched', 'updated_at', ARGV[3])
redis.call('HDEL', KEYS[1], 'runner_instance', 'started_at')
-- The attempt never ran to an end: it does not count, and its claim is released.
local attempts = count(f[3])
redis.call('HSET', KEYS[1], 'attempts', math.max(0, attempts - 1))
redis.call('DEL', claim_of(KEYS[4], attempts))
redis.call('ZREM', KEYS[5], ARGV[1])
push_queued(KEYS[2], f[4], ARGV[1], true)
${EVENT_FN}
emit(KEYS[1], ARGV[1], 'handed_back', redis.call('HGET', KEYS[1], 'runner'))
return 1
`,
};

/**
 * Asks for a job to stop. A job still waiting in its queue ends `error`/`cancelled` here
 * and will never start; a running one is flagged (the caller then tells its runner).
 */
export const CANCEL: ScriptDef = {
  name: "horusCancel",
  keys: 3,
  lua: `
-- KEYS[1] job hash, KEYS[2] result, KEYS[3] reply list
-- ARGV[1] now, ARGV[2] retention seconds, ARGV[3] message, ARGV[4] result JSON,
-- ARGV[5] reply JSON, ARGV[6] job id
-- returns 1 cancelled before start, 2 running (flagged), -1 no such job, -2 already ended
${END_AS_ERROR_FN}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'finished' or status == 'error' then return -2 end
if status == 'started' then
  redis.call('HSET', KEYS[1], 'cancel_requested', ARGV[1])
  return 2
end
-- Queued, stored or scheduled: the id left in a queue or the delayed set is skipped when
-- reached (TAKE and PROMOTE look at the status).
end_as_error(KEYS[1], KEYS[2], KEYS[3], '', 'cancelled', ARGV[3], ARGV[1], ARGV[4], ARGV[5],
  tonumber(ARGV[2]))
${EVENT_FN}
local runner = redis.call('HGET', KEYS[1], 'runner')
emit(KEYS[1], ARGV[6], 'cancelled', runner)
${INDEX_FN}
count_end(KEYS[1], ARGV[6], runner, 'error')
return 1
`,
};

/**
 * Recovers one job from the active list of an instance whose heartbeat has expired (it
 * crashed or was killed). A job it had taken but not started goes back to the front of the
 * queue; a started one is retried while its attempts allow, else ends `error`/`crashed`; a
 * job that had ended (the holder died before cleaning up) is left as it is.
 */
export const RECOVER: ScriptDef = {
  name: "horusRecover",
  keys: 12,
  lua: `
-- KEYS[1] job hash, KEYS[2] queue, KEYS[3] dead instance's active list, KEYS[4] claim,
-- KEYS[5] result, KEYS[6] reply list, KEYS[7] logs, KEYS[8] dead instance's heartbeat key,
-- KEYS[9] the runner id's delayed set, KEYS[10] its running jobs, KEYS[11] its dead
-- letters, KEYS[12] the job's attempts (history)
-- ARGV[1] job id, ARGV[2] dead instance, ARGV[3] how many times the job may start in all,
-- ARGV[4] now, ARGV[5] retention seconds, ARGV[6] message, ARGV[7] result JSON, ARGV[8]
-- reply JSON, ARGV[9] the retry's due time in ms (0: queued at once), ARGV[10] how many
-- dead letters are kept, ARGV[11] the runner id's control channel, ARGV[12] the crashed
-- attempt's history entry ("" for none), ARGV[13] the retry's due time as RFC 3339
-- returns 0 no such job, 1 had ended, 2 requeued (never started), 3 held by another
-- instance, 4 retried, 5 ended as crashed, -5 the instance is alive after all (untouched)
${COUNT_FN}
${QUEUE_FN}
${END_AS_ERROR_FN}
${KEEP_FN}
${EVENT_FN}
${INDEX_FN}
if redis.call('EXISTS', KEYS[8]) == 1 then return -5 end
redis.call('LREM', KEYS[3], 0, ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local f = redis.call('HMGET', KEYS[1], 'status', 'runner_instance', 'attempts', 'priority')
local status = f[1]
if status == 'finished' or status == 'error' then return 1 end
if status ~= 'started' then
  push_queued(KEYS[2], f[4], ARGV[1], true)
  return 2
end
if f[2] ~= ARGV[2] then return 3 end
redis.call('ZREM', KEYS[10], ARGV[1])
if ARGV[12] ~= '' then redis.call('RPUSH', KEYS[12], ARGV[12]) end
-- The crashed attempt counts, and its claim stays: the next attempt claims its own.
if count(f[3]) < tonumber(ARGV[3]) then
  redis.call('HDEL', KEYS[1], 'runner_instance', 'started_at')
  local due = tonumber(ARGV[9]) or 0
  if due > 0 then
    redis.call('HSET', KEYS[1], 'status', 'scheduled', 'updated_at', ARGV[4],
      'error', ARGV[6], 'error_kind', 'crashed', 'next_run_at', ARGV[13])
    redis.call('ZADD', KEYS[9], due, ARGV[1])
    redis.call('PUBLISH', ARGV[11], '{"due":' .. string.format('%d', due) .. '}')
  else
    redis.call('HSET', KEYS[1], 'status', 'dispatched', 'updated_at', ARGV[4])
    push_queued(KEYS[2], f[4], ARGV[1], false)
  end
  emit(KEYS[1], ARGV[1], 'retrying', redis.call('HGET', KEYS[1], 'runner'), 'error_kind',
    'crashed', 'attempt', count(f[3]))
  return 4
end
local ttl = tonumber(ARGV[5])
end_as_error(KEYS[1], KEYS[5], KEYS[6], KEYS[7], 'crashed', ARGV[6], ARGV[4], ARGV[7],
  ARGV[8], ttl)
if ARGV[12] ~= '' and ttl > 0 then redis.call('EXPIRE', KEYS[12], ttl) end
keep_newest(KEYS[11], tonumber(ARGV[10]) or 0, KEYS[1], ARGV[1], ttl)
local runner = redis.call('HGET', KEYS[1], 'runner')
emit(KEYS[1], ARGV[1], 'dead', runner, 'error_kind', 'crashed', 'attempt', count(f[3]))
count_end(KEYS[1], ARGV[1], runner, 'error')
count_end(KEYS[1], ARGV[1], runner, 'dead')
return 5
`,
};

/**
 * An instance's heartbeat, and its place in the registry the sweep reads: written together,
 * so a registered instance always has (or had) a lease, and a registered instance whose
 * lease is missing is one that stopped renewing it.
 */
export const HEARTBEAT: ScriptDef = {
  name: "horusHeartbeat",
  keys: 3,
  // A few bytes rewritten in place: refusing it when Redis is full would make every live
  // runner look dead to the others, and their jobs be swept while they run.
  allowOom: true,
  lua: `
-- KEYS[1] the instance's heartbeat, KEYS[2] its runner's instance registry, KEYS[3] the set
-- of runner ids
-- ARGV[1] instance info JSON, ARGV[2] lease in milliseconds, ARGV[3] instance, ARGV[4]
-- runner id
-- returns 1 the lease was held and is renewed, 0 it had lapsed (or never was) and is taken
-- anew: a sweep may have recovered the instance's jobs meanwhile
local held = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'GET')
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
if held then return 1 end
return 0
`,
};

/**
 * Takes an instance out of its runner's registry once nothing is left to recover from it:
 * its lease gone and its lists empty. An instance stopping cleanly drops its lease first
 * (ARGV[2] "stop"); left with jobs it could not hand back, it stays registered, leaseless,
 * and the next sweep recovers them.
 */
export const UNREGISTER: ScriptDef = {
  name: "horusUnregister",
  keys: 5,
  lua: `
-- KEYS[1] the instance's heartbeat, KEYS[2] its active list, KEYS[3] its taking list,
-- KEYS[4] its runner's instance registry, KEYS[5] the set of runner ids
-- ARGV[1] instance, ARGV[2] "stop" (the instance itself, dropping its lease) or "swept",
-- ARGV[3] runner id (dropped from KEYS[5] with its last instance)
-- returns 1 unregistered, 0 alive (lease held), -1 its lists still hold ids
if ARGV[2] == 'stop' then redis.call('DEL', KEYS[1]) end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('LLEN', KEYS[2]) > 0 or redis.call('LLEN', KEYS[3]) > 0 then return -1 end
redis.call('SREM', KEYS[4], ARGV[1])
if redis.call('SCARD', KEYS[4]) == 0 then redis.call('SREM', KEYS[5], ARGV[3]) end
return 1
`,
};

/**
 * Appends a line to a job's log, keeping its newest lines within a line cap and a byte
 * budget, and counts every line ever appended in the job's hash (`log_lines`): once old
 * lines are trimmed, list positions move, and that count is what lets a follower know where
 * it is (LOG_TAIL). The bytes the list holds are counted alongside (`log_bytes`), so the
 * budget costs one pop per trimmed line, never a walk of the list.
 */
export const APPEND_LOG: ScriptDef = {
  name: "appendLog",
  keys: 2,
  lua: `
-- KEYS[1] the job's log list, KEYS[2] the job's hash
-- ARGV[1] the line, ARGV[2] how many lines to keep, ARGV[3] how many bytes to keep (0 or
-- absent: no byte budget); the newest line is always kept, whatever its size
${COUNT_FN}
redis.call('RPUSH', KEYS[1], ARGV[1])
local keep = math.max(1, tonumber(ARGV[2]) or 1)
-- A line for a job that is gone (deleted meanwhile) must not make up a hash for it.
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('LTRIM', KEYS[1], -keep, -1)
  return 1
end
local budget = tonumber(ARGV[3]) or 0
local f = redis.call('HMGET', KEYS[2], 'log_lines', 'log_bytes')
local bytes = count(f[2]) + #ARGV[1]
local len = redis.call('LLEN', KEYS[1])
while len > 1 and (len > keep or (budget > 0 and bytes > budget)) do
  bytes = bytes - #redis.call('LPOP', KEYS[1])
  len = len - 1
end
redis.call('HSET', KEYS[2], 'log_lines', count(f[1]) + 1, 'log_bytes', math.max(0, bytes))
return 1
`,
};

/**
 * A job's log lines from line number ARGV[1] on, counting every line ever appended (see
 * APPEND_LOG), whatever the list has dropped since; and the number to continue from.
 */
export const LOG_TAIL: ScriptDef = {
  name: "horusLogTail",
  keys: 2,
  readOnly: true,
  lua: `
-- KEYS[1] the job's log list, KEYS[2] the job's hash
-- ARGV[1] the first line wanted (0: the first line the job ever logged)
-- returns {next, dropped, lines}: the line number after the last one returned, how many
-- wanted lines the list no longer holds, and the lines
${COUNT_FN}
local len = redis.call('LLEN', KEYS[1])
-- Lines appended without the count (no hash): the list is all there is.
local total = math.max(count(redis.call('HGET', KEYS[2], 'log_lines')), len)
local first = total - len
local from = math.min(count(ARGV[1]), total)
local start, dropped = from - first, 0
if start < 0 then start, dropped = 0, -start end
local lines = redis.call('LRANGE', KEYS[1], start, -1)
return {first + start + #lines, dropped, lines}
`,
};

// The Lua scripts of flows (docs/flows.md), one per transition, kept beside scripts.ts's and
// written the same way. A flow's state is its hash (`flow:<id>`: signed JSON, status, plan,
// each node's SUBMIT arguments) and its node states (`flow:<id>:nodes`). Advancing is one
// idempotent script that reads the node jobs' statuses and queues or cancels what they
// allow, so any runner instance may run it at any time, as often as it likes: the one that
// ended a node's job runs it at once, and every instance's sweep runs it for started flows
// (what a coordinator killed between the two leaves behind).
import { EVENT_FN, NOW_FN } from "./lua-parts.js";
import { type ScriptDef, SUBMIT } from "./scripts.js";

/**
 * Shared by FLOW_START and FLOW_ADVANCE. Node states: pending (not queued), queued (its job
 * exists; its own status says more), finished, error, cancelled. The plan is in topological
 * order, so one pass sees every parent's state before its children. A node is queued by
 * SUBMIT's own Lua when all its parents finished; cancelled when a parent failed or was
 * cancelled, or under fail_fast when any node failed. Job key names are built from the flow
 * key's prefix as keys.ts builds them (`<prefix>job:<id>`, `<prefix>runner:<id>:jobs`...).
 */
const ADVANCE_FN = `
local function submit(KEYS, ARGV)
${SUBMIT.lua}
end
local function advance_flow(flow_key, nodes_key, flows_key, fid, ttl)
  local status = redis.call('HGET', flow_key, 'status')
  if status ~= 'started' then return status or 'missing' end
  local prefix = string.sub(flow_key, 1, #flow_key - #fid - 5)
  local plan = cjson.decode(redis.call('HGET', flow_key, 'plan'))
  local fail_fast = redis.call('HGET', flow_key, 'policy') == 'fail_fast'
  local state = {}
  local failed = false
  for _, n in ipairs(plan) do
    local s = redis.call('HGET', nodes_key, n.id) or 'pending'
    if s == 'queued' then
      local js = redis.call('HGET', prefix .. 'job:' .. n.job, 'status')
      -- A job gone before the flow saw it end (deleted, expired) did not finish.
      if js == 'finished' or js == 'error' then s = js elseif not js then s = 'error' end
      if s ~= 'queued' then redis.call('HSET', nodes_key, n.id, s) end
    end
    if s == 'error' then failed = true end
    state[n.id] = s
  end
  local flow_json = nil
  local open = 0
  for _, n in ipairs(plan) do
    if state[n.id] == 'pending' then
      local ready, blocked = true, fail_fast and failed
      for _, p in ipairs(n.deps) do
        local ps = state[p]
        if ps == 'error' or ps == 'cancelled' then blocked = true
        elseif ps ~= 'finished' then ready = false end
      end
      if blocked then
        state[n.id] = 'cancelled'
        redis.call('HSET', nodes_key, n.id, 'cancelled')
      elseif ready then
        flow_json = flow_json or redis.call('HGET', flow_key, 'flow')
        local args = cjson.decode(redis.call('HGET', flow_key, 'job:' .. n.id))
        table.insert(args, 'flow')
        table.insert(args, flow_json)
        table.insert(args, 'node')
        table.insert(args, n.id)
        local job = prefix .. 'job:' .. n.job
        local runner = prefix .. 'runner:' .. n.runner
        -- -1 or -7 (the id exists, or was claimed): a job under the id exists or ran; the
        -- node is queued either way, and its job's status says how it ended.
        submit({job, runner .. ':jobs', job .. ':reply', job .. ':claim', runner .. ':delayed'},
          args)
        state[n.id] = 'queued'
        redis.call('HSET', nodes_key, n.id, 'queued')
        open = open + 1
      else
        open = open + 1
      end
    elseif state[n.id] == 'queued' then
      open = open + 1
    end
  end
  if open > 0 then return 'started' end
  local final = 'finished'
  for _, n in ipairs(plan) do
    if state[n.id] ~= 'finished' then final = 'error' end
  end
  redis.call('HSET', flow_key, 'status', final, 'finished_at', now_rfc3339())
  redis.call('ZREM', flows_key, fid)
  emit(prefix .. 'job:' .. fid, fid, 'flow_' .. final, '', 'flow', fid)
  if ttl > 0 then
    redis.call('EXPIRE', flow_key, ttl)
    redis.call('EXPIRE', nodes_key, ttl)
  end
  return final
end
`;

/** Stores a flow as `created`, every node pending; nothing is queued until FLOW_START. */
export const FLOW_CREATE: ScriptDef = {
  name: "horusFlowCreate",
  keys: 3,
  lua: `
-- KEYS[1] the flow's hash, KEYS[2] its node states
-- ARGV[1] flow id, ARGV[2] the signed flow's JSON, ARGV[3] the plan (JSON: nodes in
-- topological order, each {id, job, runner, deps}), ARGV[4] failure policy, ARGV[5] the
-- retention (s), ARGV[6] more field/value pairs for the flow's hash (JSON array: who stored
-- it), ARGV[7..] node id, SUBMIT's ARGV for the node's job (JSON array) pairs
-- KEYS[3] the namespace's flow index
-- returns 1 stored, -1 a flow under the id exists already
${NOW_FN}
${EVENT_FN}
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
-- Listed by creation time; ids older than the retention and an hour (their flows expired
-- or about to) leave the index, a few at each create.
local now = now_ms()
redis.call('ZADD', KEYS[3], now, ARGV[1])
local ttl = tonumber(ARGV[5]) or 0
if ttl > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - (ttl + 3600) * 1000)
end
redis.call('HSET', KEYS[1], 'flow', ARGV[2], 'plan', ARGV[3], 'policy', ARGV[4],
  'status', 'created', 'created_at', now_rfc3339())
local extra = cjson.decode(ARGV[6])
if #extra > 0 then redis.call('HSET', KEYS[1], unpack(extra)) end
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[1], 'job:' .. ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i], 'pending')
end
local prefix = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1] - 5)
emit(prefix .. 'job:' .. ARGV[1], ARGV[1], 'flow_created', '', 'flow', ARGV[1])
return 1
`,
};

/** Starts a created flow: queues its root nodes (and ends it at once if nothing can run). */
export const FLOW_START: ScriptDef = {
  name: "horusFlowStart",
  keys: 3,
  lua: `
-- KEYS[1] the flow's hash, KEYS[2] its node states, KEYS[3] the namespace's started flows
-- ARGV[1] flow id, ARGV[2] seconds an ended flow is kept (0: for ever)
-- returns the flow's status after: started, finished or error; for a flow that was not
-- created (started before, or missing) its status as it was, or "missing"
${NOW_FN}
${EVENT_FN}
${ADVANCE_FN}
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'created' then return status or 'missing' end
redis.call('HSET', KEYS[1], 'status', 'started', 'started_at', now_rfc3339())
redis.call('ZADD', KEYS[3], now_ms(), ARGV[1])
local prefix = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1] - 5)
emit(prefix .. 'job:' .. ARGV[1], ARGV[1], 'flow_started', '', 'flow', ARGV[1])
return advance_flow(KEYS[1], KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2]) or 0)
`,
};

/**
 * Moves a started flow on from its node jobs' statuses: queues the nodes whose parents all
 * finished, cancels what failures rule out, ends the flow when no node is left open.
 * Idempotent: run by the runner that ended a node's job, and by every instance's sweep.
 */
export const FLOW_ADVANCE: ScriptDef = {
  name: "horusFlowAdvance",
  keys: 3,
  lua: `
-- KEYS[1] the flow's hash, KEYS[2] its node states, KEYS[3] the namespace's started flows
-- ARGV[1] flow id, ARGV[2] seconds an ended flow is kept (0: for ever)
-- returns the flow's status after: started, finished, error, created, or "missing"
${NOW_FN}
${EVENT_FN}
${ADVANCE_FN}
return advance_flow(KEYS[1], KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2]) or 0)
`,
};

/**
 * Cancels a flow: every node not yet queued is cancelled at once; the queued ones' job ids
 * are answered, for the caller to cancel as jobs (CANCEL), after which the flow ends in
 * error as they end (FLOW_ADVANCE). A flow never started ends in error here.
 */
export const FLOW_CANCEL: ScriptDef = {
  name: "horusFlowCancel",
  keys: 2,
  lua: `
-- KEYS[1] the flow's hash, KEYS[2] its node states
-- ARGV[1] flow id, ARGV[2] seconds an ended flow is kept (0: for ever)
-- returns the job ids of the nodes queued (possibly none), -1 no such flow, -2 the flow
-- ended already
${NOW_FN}
${EVENT_FN}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if status == 'finished' or status == 'error' then return -2 end
local plan = cjson.decode(redis.call('HGET', KEYS[1], 'plan'))
local queued = {}
for _, n in ipairs(plan) do
  local s = redis.call('HGET', KEYS[2], n.id) or 'pending'
  if s == 'pending' then redis.call('HSET', KEYS[2], n.id, 'cancelled')
  elseif s == 'queued' then table.insert(queued, n.job) end
end
local now = now_rfc3339()
redis.call('HSET', KEYS[1], 'cancelled_at', now)
local prefix = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1] - 5)
emit(prefix .. 'job:' .. ARGV[1], ARGV[1], 'flow_cancelled', '', 'flow', ARGV[1])
if status == 'created' then
  redis.call('HSET', KEYS[1], 'status', 'error', 'finished_at', now)
  emit(prefix .. 'job:' .. ARGV[1], ARGV[1], 'flow_error', '', 'flow', ARGV[1])
  local ttl = tonumber(ARGV[2]) or 0
  if ttl > 0 then
    redis.call('EXPIRE', KEYS[1], ttl)
    redis.call('EXPIRE', KEYS[2], ttl)
  end
end
return queued
`,
};

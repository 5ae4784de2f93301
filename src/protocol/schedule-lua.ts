// The Lua scripts of schedules (docs/protocol.md, "Schedules"), kept beside scripts.ts's and
// written the same way: KEYS, ARGV and return codes at the top, codes named in codes.ts.
import { type ScriptDef, SUBMIT } from "./scripts.js";

/**
 * Mints one occurrence of a schedule: stores and queues its job by running SUBMIT's own Lua
 * (so an id that exists, or was claimed, is refused exactly as a submit is, and whatever
 * SUBMIT does to queue a job it does here), then records the occurrence. Refused before
 * anything is written when the schedule stored under the name is no longer the one the
 * minter read (removed or replaced meanwhile), or when a later occurrence was minted already
 * (a minter that lost its lease while paused, racing the one that took it over).
 */
export const MINT: ScriptDef = {
  name: "horusMint",
  keys: SUBMIT.keys + 3,
  lua: `
-- KEYS[1..S] SUBMIT's keys for the occurrence's job (S = ${SUBMIT.keys}: job hash, runner
-- queue, reply list, claim), KEYS[S+1] the namespace's schedules hash, KEYS[S+2] the
-- schedule's runs (sorted set), KEYS[S+3] the schedule's last minted time
-- ARGV[1] schedule name, ARGV[2] occurrence time (ms), ARGV[3] runs kept, ARGV[4] the
-- schedule's JSON as stored, ARGV[5] the occurrence time (RFC 3339), ARGV[6..] SUBMIT's ARGV
-- (the job id first)
-- returns SUBMIT's codes (1 queued, -1 the id exists already, -7 the id was claimed before),
-- -8 this or a later occurrence was minted already, -9 the schedule stored under the name is
-- not the one given (nothing written for -8 and -9)
local S = ${SUBMIT.keys}
if redis.call('HGET', KEYS[S + 1], ARGV[1]) ~= ARGV[4] then return -9 end
local t = tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[S + 3]) or '')
if last ~= nil and t <= last then return -8 end
redis.call('SET', KEYS[S + 3], ARGV[2])
local function submit(KEYS, ARGV)
${SUBMIT.lua}
end
local code = submit({unpack(KEYS, 1, S)}, {unpack(ARGV, 6)})
if code == 1 then
  redis.call('HSET', KEYS[1], 'schedule', ARGV[4], 'occurrence', ARGV[5])
  redis.call('ZADD', KEYS[S + 2], ARGV[2], ARGV[6])
  redis.call('ZREMRANGEBYRANK', KEYS[S + 2], 0, -(tonumber(ARGV[3]) + 1))
end
return code
`,
};

/**
 * The minting lease of a runner id: one instance at a time mints its schedules'
 * occurrences. Taken when free, renewed by its holder, released when the holder stops; a
 * holder killed outright leaves it to lapse, and another instance takes it then.
 */
export const MINTER_LEASE: ScriptDef = {
  name: "horusMinterLease",
  keys: 1,
  lua: `
-- KEYS[1] the runner id's minting lease
-- ARGV[1] instance, ARGV[2] lease in milliseconds, ARGV[3] "hold" (take or renew) or
-- "release"
-- returns 1 held by this instance (taken, renewed, or for "release": released), 0 another
-- instance holds it (or for "release": this instance did not hold it)
local holder = redis.call('GET', KEYS[1])
if ARGV[3] == 'release' then
  if holder ~= ARGV[1] then return 0 end
  redis.call('DEL', KEYS[1])
  return 1
end
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`,
};

/** Removes a schedule with its record of minted occurrences; occurrences queued stay. */
export const REMOVE_SCHEDULE: ScriptDef = {
  name: "horusRemoveSchedule",
  keys: 3,
  lua: `
-- KEYS[1] the namespace's schedules hash, KEYS[2] the schedule's runs, KEYS[3] its last
-- minted time
-- ARGV[1] schedule name
-- returns 1 removed, 0 no such schedule
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`,
};

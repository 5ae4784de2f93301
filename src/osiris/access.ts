// Who may read and write a context, decided by the job's signatories (their public keys).
//
// A context may carry an access list: admins, writers and readers, as three Redis sets.
// With a list in place a job may read when one of its signatories is a reader, writer or
// admin, write when one is a writer or admin, and change the list when one is an admin.
// Without a list nobody owns the context yet: reading is allowed (there is nothing to
// read) and the first job that writes becomes its owner: its signatories become admins.
//
// Checking a right and claiming an ownerless context happen in one Lua script, so two
// first writers racing cannot both become owners. Changes to the list check the admin
// right inside their own script for the same reason. A write that starts just as its
// writer is revoked may still land: the check and the write are two steps.

import type { Redis } from "ioredis";
import { JobFailure } from "../job/index.js";
import { RhaiRuntimeError } from "../rhai/index.js";
import { coerceError } from "../util/index.js";
import type { ContextKeys } from "./keys.js";
import { LuaScript } from "./lua.js";

export type Right = "read" | "write" | "admin";
export type Role = "admin" | "writer" | "reader";

export interface AccessList {
  readonly admins: readonly string[];
  readonly writers: readonly string[];
  readonly readers: readonly string[];
}

const CHECK = new LuaScript(
  "osiris-access-check",
  `
-- Checks that one of the job's signatories holds a right; claims an ownerless context.
-- KEYS[1] acl:admins   KEYS[2] acl:writers   KEYS[3] acl:readers
-- ARGV[1] the right: "read", "write" or "admin"
-- ARGV[2..] the job's signatories (lower-case hex public keys)
-- Returns {1, "granted"} when a signatory has the right, {1, "open"} for a read of a context
-- without a list, {1, "claimed"} when the context had no list and the signatories became
-- its admins, or {0, role of ARGV[2], role of ARGV[3], ...} (roles: admin, writer, reader,
-- none) when the right is denied.
local right = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then
  if right == 'read' then return {1, 'open'} end
  if #ARGV < 2 then return {0} end
  for i = 2, #ARGV do redis.call('SADD', KEYS[1], ARGV[i]) end
  return {1, 'claimed'}
end
local roles = {0}
for i = 2, #ARGV do
  local key = ARGV[i]
  local role = 'none'
  if redis.call('SISMEMBER', KEYS[1], key) == 1 then role = 'admin'
  elseif redis.call('SISMEMBER', KEYS[2], key) == 1 then role = 'writer'
  elseif redis.call('SISMEMBER', KEYS[3], key) == 1 then role = 'reader' end
  if role == 'admin' or (role == 'writer' and right ~= 'admin') or (role == 'reader' and right == 'read') then
    return {1, 'granted'}
  end
  roles[#roles + 1] = role
end
return roles
`,
);

const CHANGE = new LuaScript(
  "osiris-access-change",
  `
-- Changes the access list, when a signatory is an admin (or the context has no list yet, in
-- which case the job is its first writer and owns it).
-- KEYS[1] acl:admins   KEYS[2] acl:writers   KEYS[3] acl:readers
-- ARGV[1] n, the number of signatories; ARGV[2 .. n+1] the signatories
-- ARGV[n+2] the operation, then its arguments:
--   "replace" a w r <a admins> <w writers> <r readers>   (a >= 1)
--   "grant" <set index: 1 admins, 2 writers, 3 readers> <key>
--   "revoke" <key>                                       (from every set)
-- Returns 1, or the error "OSIRIS_DENIED" when no signatory is an admin, or
-- "OSIRIS_LAST_ADMIN" when the change would leave the list without an admin.
local n = tonumber(ARGV[1])
local owned = redis.call('EXISTS', KEYS[1]) == 1
if owned then
  local admin = false
  for i = 2, n + 1 do
    if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 1 then admin = true end
  end
  if not admin then return redis.error_reply('OSIRIS_DENIED') end
elseif n == 0 then
  return redis.error_reply('OSIRIS_DENIED')
end
local op = ARGV[n + 2]
if op == 'replace' then
  local counts = {tonumber(ARGV[n + 3]), tonumber(ARGV[n + 4]), tonumber(ARGV[n + 5])}
  if counts[1] < 1 then return redis.error_reply('OSIRIS_LAST_ADMIN') end
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  local at = n + 6
  for set = 1, 3 do
    for _ = 1, counts[set] do
      redis.call('SADD', KEYS[set], ARGV[at])
      at = at + 1
    end
  end
  return 1
end
if not owned then
  for i = 2, n + 1 do redis.call('SADD', KEYS[1], ARGV[i]) end
end
if op == 'grant' then
  redis.call('SADD', KEYS[tonumber(ARGV[n + 3])], ARGV[n + 4])
  return 1
end
if op == 'revoke' then
  local key = ARGV[n + 3]
  if redis.call('SISMEMBER', KEYS[1], key) == 1 and redis.call('SCARD', KEYS[1]) == 1 then
    return redis.error_reply('OSIRIS_LAST_ADMIN')
  end
  for set = 1, 3 do redis.call('SREM', KEYS[set], key) end
  return 1
end
return redis.error_reply('unknown operation ' .. tostring(op))
`,
);

const PUBLIC_KEY = /^(?:[0-9a-f]{66}|[0-9a-f]{130})$/;

/** A public key as the lists hold it: lower-case hex, 33 (compressed) or 65 bytes. */
export function normaliseKey(key: string): string {
  const k = key.trim().toLowerCase();
  if (!PUBLIC_KEY.test(k)) {
    throw new RhaiRuntimeError(
      "ErrorRuntime",
      `invalid public key ${JSON.stringify(key)}: expected hex of a 33-byte compressed or 65-byte uncompressed key`,
    );
  }
  return k;
}

export class AccessControl {
  private readonly sets: readonly [string, string, string];

  constructor(
    private readonly redis: Redis,
    keys: ContextKeys,
    private readonly contextId: string,
  ) {
    this.sets = [keys.accessList("admins"), keys.accessList("writers"), keys.accessList("readers")];
  }

  /** The access list, or undefined when the context has none (nobody has written yet). */
  async list(): Promise<AccessList | undefined> {
    const replies = await this.redis
      .multi()
      .smembers(this.sets[0])
      .smembers(this.sets[1])
      .smembers(this.sets[2])
      .exec();
    const [admins, writers, readers] = (replies ?? []).map(([err, members]) => {
      if (err) throw err;
      return (members as string[]).sort();
    });
    if (!admins || admins.length === 0) return undefined;
    return { admins, writers: writers ?? [], readers: readers ?? [] };
  }

  /**
   * Throws `JobFailure("unauthorized")` unless a signatory holds `right`. A write or admin
   * check on a context without a list makes the signatories its admins.
   */
  async require(
    signatories: readonly string[],
    right: Right,
  ): Promise<"granted" | "open" | "claimed"> {
    const keys = signatories.map((k) => k.toLowerCase());
    const reply = (await CHECK.run(this.redis, this.sets, [right, ...keys])) as [
      number,
      ...string[],
    ];
    if (reply[0] === 1) return reply[1] as "granted" | "open" | "claimed";
    throw this.denied(keys, right, reply.slice(1) as string[]);
  }

  /** Replaces the whole list (admins only; the first writer of an ownerless context may). */
  async replace(signatories: readonly string[], list: AccessList): Promise<void> {
    const admins = [...new Set(list.admins.map(normaliseKey))];
    const writers = [...new Set(list.writers.map(normaliseKey))];
    const readers = [...new Set(list.readers.map(normaliseKey))];
    if (admins.length === 0) {
      throw new RhaiRuntimeError("ErrorRuntime", "an access list needs at least one admin");
    }
    await this.change(signatories, [
      "replace",
      admins.length,
      writers.length,
      readers.length,
      ...admins,
      ...writers,
      ...readers,
    ]);
  }

  /** Adds a key to one role (admins only). */
  async grant(signatories: readonly string[], role: Role, key: string): Promise<void> {
    const set = { admin: 1, writer: 2, reader: 3 }[role];
    await this.change(signatories, ["grant", set, normaliseKey(key)]);
  }

  /** Removes a key from every role (admins only); the last admin cannot be removed. */
  async revoke(signatories: readonly string[], key: string): Promise<void> {
    await this.change(signatories, ["revoke", normaliseKey(key)]);
  }

  private async change(
    signatories: readonly string[],
    op: readonly (string | number)[],
  ): Promise<void> {
    const keys = signatories.map((k) => k.toLowerCase());
    try {
      await CHANGE.run(this.redis, this.sets, [keys.length, ...keys, ...op]);
    } catch (e) {
      const message = coerceError(e).message;
      if (message.includes("OSIRIS_DENIED")) {
        const list = await this.list();
        const roles = keys.map((k) => roleIn(list, k));
        throw this.denied(keys, "admin", roles);
      }
      if (message.includes("OSIRIS_LAST_ADMIN")) {
        throw new RhaiRuntimeError(
          "ErrorRuntime",
          `context '${this.contextId}' must keep at least one admin`,
        );
      }
      throw e;
    }
  }

  private denied(keys: readonly string[], right: Right, roles: readonly string[]): JobFailure {
    const where = `on context '${this.contextId}'`;
    if (keys.length === 0) {
      return new JobFailure(
        "unauthorized",
        `the job has no signatories, so it lacks the ${right} right ${where}`,
      );
    }
    const standing = (i: number): string => {
      const role = roles[i] ?? "none";
      return role === "none" ? "not in the access list" : `only a ${role}`;
    };
    if (keys.length === 1) {
      return new JobFailure(
        "unauthorized",
        `key ${keys[0]} lacks the ${right} right ${where}: it is ${standing(0)}`,
      );
    }
    const each = keys.map((k, i) => `${k} is ${standing(i)}`).join("; ");
    return new JobFailure(
      "unauthorized",
      `none of the job's signatories has the ${right} right ${where}: ${each}`,
    );
  }
}

function roleIn(list: AccessList | undefined, key: string): Role | "none" {
  if (!list) return "none";
  if (list.admins.includes(key)) return "admin";
  if (list.writers.includes(key)) return "writer";
  if (list.readers.includes(key)) return "reader";
  return "none";
}

// The Osiris object store over Redis: objects as JSON, chosen fields indexed in sets, a
// keyword scan, all under one prefix per context (see keys.ts for the layout).
//
// Every write that touches several keys is one Lua script, so a reader never sees an
// object without its index entries or an index pointing at a stale value, and concurrent
// writers of one object cannot leave it in two title indexes. Reads are plain commands:
// an index may name an object deleted a moment later, which a read simply skips.
//
// This module knows nothing of access control (access.ts) or of Rhai's calling conventions
// (rhai-module.ts); it is the TypeScript API both of those use.

import type { Redis } from "ioredis";
import { type RhaiMap, RhaiRuntimeError, typeName, type Value } from "../rhai/index.js";
import { fromJson } from "./json.js";
import { ContextKeys, checkId, checkNamespace } from "./keys.js";
import { LuaScript } from "./lua.js";
import { checkFieldName, checkTagKey, indexText, type PreparedObject } from "./models.js";

const SAVE = new LuaScript(
  "osiris-save",
  `
-- Saves one object and moves its index entries, atomically.
-- KEYS[1]  <ns>obj:<id>     the object's JSON
-- KEYS[2]  <ns>meta:<id>    set of the index entries the object is in
-- KEYS[3]  <ns>scan:index   hash id -> search text
-- KEYS[4..] the index sets (<ns>field:<name>:<value>) the object must be in
-- ARGV[1]  id
-- ARGV[2]  type ("note", "event", "object")
-- ARGV[3]  the object's JSON without created_at/modified_at (a JSON object: starts with '{')
-- ARGV[4]  search text
-- ARGV[5]  <ns>: the namespace's key prefix; meta entries are relative to it
-- ARGV[6..] the index entries (relative to ARGV[5]) of KEYS[4..], in the same order
-- The old entries (from meta) that are not wanted any more are also keys under ARGV[5]: they
-- share the context's hash tag, so they live in the same cluster slot as KEYS.
-- Returns {created_at, modified_at, 1 if new else 0} (unix seconds, server clock), or the
-- error "OSIRIS_TYPE <type>" when the id already holds an object of another type.
local id = ARGV[1]
local now = tonumber(redis.call('TIME')[1])
local created = now
local fresh = 1
local old = redis.call('GET', KEYS[1])
if old then
  fresh = 0
  -- This script always writes the times, id and type first: read them without decoding
  -- the whole (possibly large) object; decode only what someone else wrote.
  local was_created, was_type = string.match(old, '^{"created_at":(%-?%d+),"modified_at":%-?%d+,"id":"[^"]*","type":"([^"]*)"')
  if was_created then
    created = tonumber(was_created)
  else
    local ok, decoded = pcall(cjson.decode, old)
    if ok and type(decoded) == 'table' then
      was_type = decoded['type']
      if type(decoded['created_at']) == 'number' then created = decoded['created_at'] end
    end
  end
  if was_type and was_type ~= ARGV[2] then
    return redis.error_reply('OSIRIS_TYPE ' .. tostring(was_type))
  end
end
local wanted = {}
for i = 6, #ARGV do wanted[ARGV[i]] = true end
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not wanted[entry] then redis.call('SREM', ARGV[5] .. entry, id) end
end
redis.call('DEL', KEYS[2])
for i = 4, #KEYS do
  redis.call('SADD', KEYS[i], id)
  redis.call('SADD', KEYS[2], ARGV[i + 2])
end
redis.call('HSET', KEYS[3], id, ARGV[4])
local stamps = string.format('{"created_at":%d,"modified_at":%d,', created, now)
redis.call('SET', KEYS[1], stamps .. string.sub(ARGV[3], 2))
return {created, now, fresh}
`,
);

const DELETE = new LuaScript(
  "osiris-delete",
  `
-- Deletes one object and removes it from every index, atomically.
-- KEYS[1] <ns>obj:<id>   KEYS[2] <ns>meta:<id>   KEYS[3] <ns>scan:index
-- ARGV[1] id   ARGV[2] <ns>: the namespace's key prefix (meta entries are relative to it)
-- Returns 1 when the object was there, 0 when it was not.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('SREM', ARGV[2] .. entry, ARGV[1])
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`,
);

/** How many objects one MGET fetches. */
const FETCH_BATCH = 500;

export interface SaveResult {
  readonly id: string;
  /** True when no object had this id before. */
  readonly created: boolean;
  readonly createdAt: number;
  readonly modifiedAt: number;
}

/** The store of one context. Cheap to create: one per job. */
export class ContextStore {
  readonly keys: ContextKeys;

  constructor(
    private readonly redis: Redis,
    readonly contextId: string,
    runnerNamespace = "",
  ) {
    this.keys = new ContextKeys(contextId, runnerNamespace);
  }

  /** Writes an object (new or replacing the one with its id) and its index entries. */
  async save(obj: PreparedObject): Promise<SaveResult> {
    const prefix = this.keys.ns(obj.ns);
    const keys = [
      this.keys.object(obj.ns, obj.id),
      this.keys.meta(obj.ns, obj.id),
      this.keys.scanIndex(obj.ns),
      ...obj.entries.map((e) => prefix + e),
    ];
    let reply: unknown;
    try {
      reply = await SAVE.run(this.redis, keys, [
        obj.id,
        obj.type,
        obj.body,
        obj.searchText,
        prefix,
        ...obj.entries,
      ]);
    } catch (e) {
      const m = e instanceof Error ? /OSIRIS_TYPE (\S+)/.exec(e.message) : null;
      if (m) {
        throw new RhaiRuntimeError(
          "ErrorRuntime",
          `id ${obj.id} in namespace ${obj.ns} holds an object of type ${m[1]}: cannot save one of type ${obj.type} over it (delete it first)`,
        );
      }
      throw e;
    }
    const [createdAt, modifiedAt, fresh] = reply as [number, number, number];
    return { id: obj.id, created: fresh === 1, createdAt, modifiedAt };
  }

  /** The object with this id, or undefined. */
  async get(ns: string, id: string): Promise<RhaiMap | undefined> {
    const text = await this.redis.get(this.keys.object(checkNamespace(ns), checkId(id)));
    return text === null ? undefined : parseObject(text);
  }

  /** Ids of every object of the namespace, sorted. */
  async ids(ns: string): Promise<string[]> {
    const ids = await this.redis.hkeys(this.keys.scanIndex(ns));
    return ids.sort();
  }

  /** Every object of the namespace, oldest first. */
  async list(ns: string): Promise<RhaiMap[]> {
    return this.fetch(ns, await this.redis.hkeys(this.keys.scanIndex(ns)));
  }

  async count(ns: string): Promise<number> {
    return this.redis.hlen(this.keys.scanIndex(ns));
  }

  /**
   * Objects whose indexed `field` has `value` (a tag as `"tags:<key>"`), oldest first. A
   * field that nothing indexes finds nothing.
   */
  async query(ns: string, field: string, value: Value): Promise<RhaiMap[]> {
    const text = indexText(value);
    if (text === undefined) {
      throw new RhaiRuntimeError(
        "ErrorRuntime",
        `a query compares with a string, number or bool, not ${typeName(value)}`,
      );
    }
    const ids = await this.redis.smembers(this.keys.index(ns, checkQueryField(field), text));
    return this.fetch(ns, ids);
  }

  /**
   * Objects whose indexed and text fields contain every word of `words` (case-insensitive,
   * substring match), oldest first. Scans the namespace's search texts: cost grows with the
   * namespace, not with the result.
   */
  async search(ns: string, words: string): Promise<RhaiMap[]> {
    const wanted = words
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w !== "");
    if (wanted.length === 0) {
      throw new RhaiRuntimeError("ErrorRuntime", "a search needs at least one word");
    }
    const key = this.keys.scanIndex(ns);
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, "COUNT", 1000);
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const text = flat[i + 1] as string;
        if (wanted.every((w) => text.includes(w))) found.push(flat[i] as string);
      }
      cursor = next;
    } while (cursor !== "0");
    // HSCAN may return an element twice when the hash is rehashed meanwhile.
    return this.fetch(ns, [...new Set(found)]);
  }

  /** Removes the object and its index entries; false when there was no such object. */
  async delete(ns: string, id: string): Promise<boolean> {
    checkId(id);
    const reply = await DELETE.run(
      this.redis,
      [this.keys.object(ns, id), this.keys.meta(ns, id), this.keys.scanIndex(ns)],
      [id, this.keys.ns(ns)],
    );
    return reply === 1;
  }

  /** Objects by id, skipping ids deleted meanwhile, sorted by creation time then id. */
  private async fetch(ns: string, ids: readonly string[]): Promise<RhaiMap[]> {
    const objects: RhaiMap[] = [];
    for (let i = 0; i < ids.length; i += FETCH_BATCH) {
      const batch = ids.slice(i, i + FETCH_BATCH).map((id) => this.keys.object(ns, id));
      for (const text of await this.redis.mget(batch)) {
        if (text !== null) objects.push(parseObject(text));
      }
    }
    return objects.sort(byCreation);
  }
}

function parseObject(text: string): RhaiMap {
  const value = fromJson(text);
  if (!(value instanceof Map))
    throw new Error(`a stored Osiris object is not a JSON object: ${text.slice(0, 80)}`);
  return value;
}

function byCreation(a: RhaiMap, b: RhaiMap): number {
  const ca = Number(a.get("created_at") ?? 0);
  const cb = Number(b.get("created_at") ?? 0);
  if (ca !== cb) return ca - cb;
  const ia = String(a.get("id"));
  const ib = String(b.get("id"));
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/** A queryable field: a field name, or `tags:<key>`. */
function checkQueryField(field: string): string {
  if (field.startsWith("tags:")) checkTagKey(field.slice(5));
  else checkFieldName(field);
  return field;
}

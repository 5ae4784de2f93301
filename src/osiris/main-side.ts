// The main-thread half of the Osiris module: the `osiris_*` functions. They run on the
// runner's thread (async), check the job's rights and talk to Redis through the runner's
// data connection. The context and signatories come from the job itself, never from the
// script, so a script cannot reach another context by forging its `ctx`.

import { Redis } from "ioredis";
import { mainFn as hostMainFn, type MainFunction, type MainSideContext } from "../host/index.js";
import { errorKindOf, JobFailure } from "../job/index.js";
import {
  isRhaiError,
  type RhaiMap,
  RhaiRuntimeError,
  typeName,
  type Value,
} from "../rhai/index.js";
import { coerceError } from "../util/index.js";
import { AccessControl, type Right, type Role } from "./access.js";
import { prepareObject } from "./models.js";
import { ContextStore } from "./store.js";

/** Where the data connection is kept in the module's per-runner state. */
const SHARED_REDIS = "osiris.redis";
const DEFAULT_DATA_URL = "redis://127.0.0.1:6379";

function runtimeError(message: string): never {
  throw new RhaiRuntimeError("ErrorRuntime", message);
}

/** The runner's data connection, created on first use from `options.dataUrl`. */
function dataConnection(ctx: MainSideContext): Redis {
  let redis = ctx.shared.get(SHARED_REDIS) as Redis | undefined;
  if (!redis) {
    const url = ctx.job.options.dataUrl;
    redis = new Redis(typeof url === "string" && url !== "" ? url : DEFAULT_DATA_URL, {
      // A store that cannot be reached fails the call after a few tries instead of
      // holding the script until its timeout.
      maxRetriesPerRequest: 3,
    });
    // Connection errors surface on the commands; this keeps them out of the process log.
    redis.on("error", () => {});
    ctx.shared.set(SHARED_REDIS, redis);
  }
  return redis;
}

interface Session {
  readonly store: ContextStore;
  readonly access: AccessControl;
  readonly signatories: readonly string[];
}

function sessionOf(ctx: MainSideContext): Session {
  const redis = dataConnection(ctx);
  const namespace = ctx.job.options.namespace;
  const store = new ContextStore(
    redis,
    ctx.job.contextId,
    typeof namespace === "string" ? namespace : "",
  );
  return {
    store,
    access: new AccessControl(redis, store.keys, ctx.job.contextId),
    signatories: ctx.job.signatories,
  };
}

/**
 * A main-side function. Script mistakes stay `RhaiRuntimeError`s (catchable), denials
 * `JobFailure("unauthorized")`; anything else (Redis down, a corrupt object) ends the job
 * as `internal`, saying it came from the store.
 */
function mainFn(
  name: string,
  params: readonly string[],
  returns: string,
  doc: string,
  example: string,
  run: (s: Session, args: Value[]) => Promise<Value>,
): MainFunction {
  return hostMainFn({
    name,
    params,
    returns,
    doc,
    example,
    async run(ctx, args) {
      try {
        return await run(sessionOf(ctx), args);
      } catch (e) {
        if (isRhaiError(e) || errorKindOf(e) !== undefined) throw e;
        const message = coerceError(e).message;
        throw new JobFailure("internal", `osiris store: ${message}`, { cause: e });
      }
    },
  });
}

async function allowed(s: Session, right: Right): Promise<void> {
  await s.access.require(s.signatories, right);
}

function str(v: Value, what: string): string {
  if (typeof v !== "string") runtimeError(`${what} must be a string, not ${typeName(v)}`);
  return v;
}

function accessListToMap(list: {
  admins: readonly string[];
  writers: readonly string[];
  readers: readonly string[];
}): RhaiMap {
  return new Map<string, Value>([
    ["admins", [...list.admins]],
    ["writers", [...list.writers]],
    ["readers", [...list.readers]],
  ]);
}

function keysOf(map: RhaiMap, role: string): string[] {
  const v = map.get(role);
  if (v === undefined) return [];
  if (!Array.isArray(v))
    runtimeError(`access list: ${role} must be an array of public keys, not ${typeName(v)}`);
  return v.map((k, i) => str(k, `access list: ${role}[${i}]`));
}

const ROLES: Readonly<Record<string, Role>> = {
  admin: "admin",
  writer: "writer",
  reader: "reader",
};

export const MAIN_FUNCTIONS: readonly MainFunction[] = [
  mainFn(
    "osiris_save",
    ["map"],
    "string",
    "Saves an object given as a map (type, ns, optional id, fields); returns its id.",
    'osiris_save(#{type: "note", ns: "notes", title: "Hello"})',
    async (s, [obj]) => {
      const prepared = prepareObject(obj as RhaiMap);
      await allowed(s, "write");
      return (await s.store.save(prepared)).id;
    },
  ),
  mainFn(
    "osiris_get",
    ["string", "string"],
    "map or ()",
    "The object with this id in a namespace, or () when there is none.",
    'osiris_get("notes", id)',
    async (s, [ns, id]) => {
      await allowed(s, "read");
      return await s.store.get(ns as string, id as string);
    },
  ),
  mainFn(
    "osiris_list",
    ["string"],
    "array",
    "Every object of a namespace, oldest first.",
    'osiris_list("notes")',
    async (s, [ns]) => {
      await allowed(s, "read");
      return await s.store.list(ns as string);
    },
  ),
  mainFn(
    "osiris_query",
    ["string", "string", "any"],
    "array",
    'Objects whose indexed field has a value (tags as "tags:<key>"), oldest first.',
    'osiris_query("notes", "tags:topic", "rust")',
    async (s, [ns, field, value]) => {
      await allowed(s, "read");
      return await s.store.query(ns as string, field as string, value);
    },
  ),
  mainFn(
    "osiris_search",
    ["string", "string"],
    "array",
    "Objects whose indexed and text fields contain every word (any case), oldest first.",
    'osiris_search("notes", "shopping milk")',
    async (s, [ns, words]) => {
      await allowed(s, "read");
      return await s.store.search(ns as string, words as string);
    },
  ),
  mainFn(
    "osiris_delete",
    ["string", "string"],
    "bool",
    "Deletes an object and its index entries; false when there was none.",
    'osiris_delete("notes", id)',
    async (s, [ns, id]) => {
      await allowed(s, "write");
      return await s.store.delete(ns as string, id as string);
    },
  ),
  mainFn(
    "osiris_count",
    ["string"],
    "i64",
    "How many objects a namespace holds.",
    'osiris_count("notes")',
    async (s, [ns]) => {
      await allowed(s, "read");
      return await s.store.count(ns as string);
    },
  ),
  mainFn(
    "osiris_access",
    [],
    "map or ()",
    "The context's access list (#{admins, writers, readers}), or () when it has none.",
    "osiris_access()",
    async (s) => {
      await allowed(s, "read");
      const list = await s.access.list();
      return list && accessListToMap(list);
    },
  ),
  mainFn(
    "osiris_set_access",
    ["map"],
    "()",
    "Replaces the access list (admins only; at least one admin).",
    "osiris_set_access(#{admins: [me], writers: [], readers: [friend]})",
    async (s, [list]) => {
      const map = list as RhaiMap;
      for (const k of map.keys()) {
        if (k !== "admins" && k !== "writers" && k !== "readers") {
          runtimeError(
            `access list: unknown entry ${JSON.stringify(k)} (expected admins, writers, readers)`,
          );
        }
      }
      await s.access.replace(s.signatories, {
        admins: keysOf(map, "admins"),
        writers: keysOf(map, "writers"),
        readers: keysOf(map, "readers"),
      });
      return undefined;
    },
  ),
  mainFn(
    "osiris_grant",
    ["string", "string"],
    "()",
    'Gives a public key a role: "admin", "writer" or "reader" (admins only).',
    'osiris_grant("reader", key)',
    async (s, [role, key]) => {
      const r = Object.hasOwn(ROLES, role as string) ? ROLES[role as string] : undefined;
      if (!r)
        runtimeError(
          `unknown role ${JSON.stringify(role)}: expected "admin", "writer" or "reader"`,
        );
      await s.access.grant(s.signatories, r, key as string);
      return undefined;
    },
  ),
  mainFn(
    "osiris_revoke",
    ["string"],
    "()",
    "Removes a public key from every role (admins only; the last admin stays).",
    "osiris_revoke(key)",
    async (s, [key]) => {
      await s.access.revoke(s.signatories, key as string);
      return undefined;
    },
  ),
];

/** Closes the data connection kept in the module's shared state (when the runner stops). */
export async function closeDataConnection(shared: Map<string, unknown>): Promise<void> {
  const redis = shared.get(SHARED_REDIS) as Redis | undefined;
  shared.delete(SHARED_REDIS);
  if (redis) await redis.quit().catch(() => redis.disconnect());
}

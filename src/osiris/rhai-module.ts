// The Osiris host module: what Rhai scripts of `runner_osiris` call.
//
// Worker side (synchronous, in the script's thread): the builders `note(ns)`, `event(ns)`,
// `object(ns)` with one setter and one getter per model field, `get_context()`, and the
// context methods `ctx.save(..)`, `ctx.get(..)`... which turn builders into maps and call
// the main side. Main side (the runner's thread, async): `osiris_save`, `osiris_get`... which
// check the job's rights and talk to Redis. The main side takes the context and the
// signatories from the job itself, never from the script, so a script cannot reach another
// context by forging its `ctx`. Scripts may call the `osiris_*` functions directly; the
// context methods are the documented way.

import { Redis } from "ioredis";
import { errorKindOf, JobFailure } from "../job/index.js";
import {
  isRhaiError,
  type RhaiMap,
  RhaiRuntimeError,
  typeName,
  type Value,
} from "../rhai/index.js";
import type {
  HostFunction,
  HostModule,
  MainFunction,
  MainSideContext,
  WorkerFunction,
} from "../sandbox/index.js";
import { AccessControl, type Right, type Role } from "./access.js";
import { copy, ModelObject, OsirisContext } from "./builders.js";
import {
  checkField,
  checkFieldName,
  checkTagKey,
  MODELS,
  type ModelSpec,
  prepareObject,
  RESERVED_FIELDS,
} from "./models.js";
import { ContextStore } from "./store.js";

/** Where the data connection is kept in the module's per-runner state. */
const SHARED_REDIS = "osiris.redis";
const DEFAULT_DATA_URL = "redis://127.0.0.1:6379";
const MODULE = "osiris";

function runtimeError(message: string): never {
  throw new RhaiRuntimeError("ErrorRuntime", message);
}

// ---------------------------------------------------------------------------------------
// Main side

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
  return {
    name,
    params,
    returns,
    doc,
    example,
    side: "main",
    async run(ctx, args) {
      try {
        return await run(sessionOf(ctx), args);
      } catch (e) {
        if (isRhaiError(e) || errorKindOf(e) !== undefined) throw e;
        const message = e instanceof Error ? e.message : String(e);
        throw new JobFailure("internal", `osiris store: ${message}`, { cause: e });
      }
    },
  };
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

const MAIN_FUNCTIONS: MainFunction[] = [
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
      const r = ROLES[role as string];
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

// ---------------------------------------------------------------------------------------
// Worker side

function workerFn(
  name: string,
  params: readonly string[],
  returns: string,
  doc: string,
  example: string,
  run: WorkerFunction["run"],
): WorkerFunction {
  return { name, params, returns, doc, example, side: "worker", run };
}

function builderOf(v: Value): ModelObject {
  if (!(v instanceof ModelObject)) runtimeError(`expected an Osiris object, not ${typeName(v)}`);
  return v;
}

/** The setters and getters of one model, from its declaration. */
function modelFunctions(model: ModelSpec): WorkerFunction[] {
  const T = model.rhaiType;
  const sample = `${model.constructorName}("ns")`;
  const fns: WorkerFunction[] = [
    workerFn(
      model.constructorName,
      ["string"],
      T,
      `Starts a new ${T} in a namespace. ${model.doc}`,
      `let x = ${sample};`,
      (_ctx, [ns]) => {
        return new ModelObject(model, ns as string);
      },
    ),
    workerFn(
      "id",
      [T, "string"],
      T,
      `Sets the id (to update an existing ${T}); new ids are UUIDs.`,
      `${sample}.id("my-id")`,
      (_c, [b, id]) => builderOf(b).withId(id as string),
    ),
    workerFn(
      "get$id",
      [T],
      "string or ()",
      "The id, when set.",
      "x.id",
      (_c, [b]) => builderOf(b).id,
    ),
    workerFn("get$ns", [T], "string", "The namespace.", "x.ns", (_c, [b]) => builderOf(b).ns),
    workerFn("to_map", [T], "map", `The ${T} as the map that is stored.`, "x.to_map()", (_c, [b]) =>
      builderOf(b).toMap(),
    ),
    workerFn("to_string", [T], "string", `The ${T} as text.`, "print(x)", (_c, [b]) =>
      describe(builderOf(b)),
    ),
    workerFn("to_debug", [T], "string", `The ${T} as text.`, "debug(x)", (_c, [b]) =>
      describe(builderOf(b)),
    ),
  ];
  for (const field of model.fields) {
    const get = (b: Value): Value => copy(builderOf(b).fields.get(field.name));
    switch (field.kind) {
      case "tags":
        fns.push(
          workerFn(
            "tag",
            [T, "string", "string"],
            T,
            "Adds or replaces one tag.",
            `${sample}.tag("topic", "rust")`,
            (_c, [b, k, v]) => {
              const o = builderOf(b);
              const tags = new Map((o.fields.get("tags") as RhaiMap | undefined) ?? []);
              tags.set(checkTagKey(k as string), v as string);
              return o.with("tags", checkField(model, field, tags));
            },
          ),
          workerFn(
            "tags",
            [T, "map"],
            T,
            "Replaces all tags.",
            `${sample}.tags(#{topic: "rust"})`,
            (_c, [b, m]) => builderOf(b).with("tags", checkField(model, field, m)),
          ),
          workerFn("get$tags", [T], "map", "The tags.", "x.tags", (_c, [b]) => get(b) ?? new Map()),
        );
        break;
      case "list":
        fns.push(
          workerFn(
            field.itemSetter ?? field.name,
            [T, "string"],
            T,
            `Adds one to ${field.name}.`,
            `${sample}.${field.itemSetter}("alice")`,
            (_c, [b, item]) => {
              const o = builderOf(b);
              const items = [...((o.fields.get(field.name) as Value[] | undefined) ?? []), item];
              return o.with(field.name, checkField(model, field, items));
            },
          ),
          workerFn(
            field.name,
            [T, "array"],
            T,
            `Replaces ${field.name}.`,
            `${sample}.${field.name}(["alice", "bob"])`,
            (_c, [b, items]) => builderOf(b).with(field.name, checkField(model, field, items)),
          ),
          workerFn(
            `get$${field.name}`,
            [T],
            "array",
            `The ${field.name}.`,
            `x.${field.name}`,
            (_c, [b]) => get(b) ?? [],
          ),
        );
        break;
      default: {
        const example =
          field.kind === "int"
            ? `${sample}.${field.name}(1767225600)`
            : `${sample}.${field.name}("...")`;
        fns.push(
          workerFn(field.name, [T, "any"], T, field.doc, example, (_c, [b, v]) =>
            builderOf(b).with(field.name, checkField(model, field, v)),
          ),
          workerFn(
            `get$${field.name}`,
            [T],
            `${field.kind === "int" ? "i64" : "string"} or ()`,
            `The ${field.name}, when set.`,
            `x.${field.name}`,
            (_c, [b]) => get(b),
          ),
        );
      }
    }
  }
  if (model.open) {
    fns.push(
      workerFn(
        "set",
        [T, "string", "any"],
        T,
        "Sets a field (any value JSON can hold).",
        `${sample}.set("color", "red")`,
        (_c, [b, name, v]) => {
          const field = checkFieldName(name as string);
          if (RESERVED_FIELDS.has(field) || model.fields.some((f) => f.name === field)) {
            runtimeError(
              `${T}: ${JSON.stringify(field)} cannot be set with set(); it is kept by the store or has its own setter`,
            );
          }
          return builderOf(b).with(field, copy(v));
        },
      ),
      workerFn(
        "index",
        [T, "string"],
        T,
        "Indexes a field, so ctx.query finds the object by it.",
        `${sample}.index("color")`,
        (_c, [b, name]) => {
          const field = checkFieldName(name as string);
          if (RESERVED_FIELDS.has(field))
            runtimeError(`${T} cannot index ${JSON.stringify(field)}: the name is reserved`);
          return builderOf(b).withIndexed(field);
        },
      ),
      workerFn(
        "get",
        [T, "string"],
        "any",
        "A field's value, or ().",
        'x.get("color")',
        (_c, [b, name]) => copy(builderOf(b).fields.get(name as string)),
      ),
    );
  }
  return fns;
}

function describe(o: ModelObject): string {
  const fields = [...o.fields].map(
    ([k, v]) => `${k}: ${JSON.stringify(v instanceof Map ? Object.fromEntries(v) : v)}`,
  );
  return `${o.model.rhaiType}(${o.ns}/${o.id ?? "new"}) {${fields.join(", ")}}`;
}

function osirisCtx(v: Value): OsirisContext {
  if (!(v instanceof OsirisContext)) runtimeError(`expected an OsirisContext, not ${typeName(v)}`);
  return v;
}

const CTX = "OsirisContext";

function contextFunctions(): WorkerFunction[] {
  const call = (name: string) => `${MODULE}.${name}`;
  const fns: WorkerFunction[] = [
    workerFn(
      "get_context",
      [],
      CTX,
      "The job's context: where ctx.save and the others read and write.",
      "let ctx = get_context();",
      (ctx) => new OsirisContext(ctx.job.contextId, ctx.job.callerId, ctx.job.signatories),
    ),
    workerFn(
      "get$context_id",
      [CTX],
      "string",
      "The job's context_id.",
      "ctx.context_id",
      (_c, [x]) => osirisCtx(x).contextId,
    ),
    workerFn(
      "get$caller_id",
      [CTX],
      "string",
      "The job's caller_id.",
      "ctx.caller_id",
      (_c, [x]) => osirisCtx(x).callerId,
    ),
    workerFn(
      "get$signatories",
      [CTX],
      "array",
      "The public keys that signed the job.",
      "ctx.signatories",
      (_c, [x]) => [...osirisCtx(x).signatories],
    ),
    workerFn(
      "to_string",
      [CTX],
      "string",
      "The context as text.",
      "print(ctx)",
      (_c, [x]) => `OsirisContext(${osirisCtx(x).contextId})`,
    ),
    workerFn(
      "save",
      [CTX, "map"],
      "string",
      "Saves an object given as a map (e.g. one read back and changed); returns its id.",
      "ctx.save(n)",
      (ctx, [x, obj]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_save"), [obj]);
      },
    ),
    workerFn(
      "get",
      [CTX, "string", "string"],
      "map or ()",
      "The object with this id, or ().",
      'ctx.get("notes", id)',
      (ctx, [x, ns, id]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_get"), [ns, id]);
      },
    ),
    workerFn(
      "list",
      [CTX, "string"],
      "array",
      "Every object of a namespace, oldest first.",
      'ctx.list("notes")',
      (ctx, [x, ns]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_list"), [ns]);
      },
    ),
    workerFn(
      "query",
      [CTX, "string", "string", "any"],
      "array",
      'Objects whose indexed field has a value; a tag is "tags:<key>".',
      'ctx.query("notes", "title", "Groceries")',
      (ctx, [x, ns, field, value]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_query"), [ns, field, value]);
      },
    ),
    workerFn(
      "search",
      [CTX, "string", "string"],
      "array",
      "Objects whose indexed and text fields contain every word.",
      'ctx.search("notes", "milk eggs")',
      (ctx, [x, ns, words]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_search"), [ns, words]);
      },
    ),
    workerFn(
      "delete",
      [CTX, "string", "string"],
      "bool",
      "Deletes an object; false when there was none.",
      'ctx.delete("notes", id)',
      (ctx, [x, ns, id]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_delete"), [ns, id]);
      },
    ),
    workerFn(
      "count",
      [CTX, "string"],
      "i64",
      "How many objects a namespace holds.",
      'ctx.count("notes")',
      (ctx, [x, ns]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_count"), [ns]);
      },
    ),
    workerFn(
      "access",
      [CTX],
      "map or ()",
      "The access list (#{admins, writers, readers}), or ().",
      "ctx.access()",
      (ctx, [x]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_access"), []);
      },
    ),
    workerFn(
      "set_access",
      [CTX, "map"],
      "()",
      "Replaces the access list (admins only).",
      "ctx.set_access(#{admins: [me], readers: [friend]})",
      (ctx, [x, list]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_set_access"), [list]);
      },
    ),
    workerFn(
      "grant",
      [CTX, "string", "string"],
      "()",
      'Gives a key a role: "admin", "writer" or "reader".',
      'ctx.grant("writer", key)',
      (ctx, [x, role, key]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_grant"), [role, key]);
      },
    ),
    workerFn(
      "revoke",
      [CTX, "string"],
      "()",
      "Removes a key from every role.",
      "ctx.revoke(key)",
      (ctx, [x, key]) => {
        osirisCtx(x);
        return ctx.callMain(call("osiris_revoke"), [key]);
      },
    ),
  ];
  for (const model of MODELS) {
    fns.push(
      workerFn(
        "save",
        [CTX, model.rhaiType],
        "string",
        `Saves a ${model.rhaiType}; returns its id.`,
        `ctx.save(${model.constructorName}("ns"))`,
        (ctx, [x, obj]) => {
          osirisCtx(x);
          return ctx.callMain(call("osiris_save"), [builderOf(obj).toMap()]);
        },
      ),
    );
  }
  return fns;
}

const FUNCTIONS: HostFunction[] = [
  ...MODELS.flatMap(modelFunctions),
  ...contextFunctions(),
  ...MAIN_FUNCTIONS,
];

const osiris: HostModule = {
  name: MODULE,
  description:
    "Osiris: an object store in the job's context. Build notes, events or generic objects, save them with `get_context().save(obj)`, read them back by id, index lookup or keyword search. Access is decided by the job's signatories.",
  functions: FUNCTIONS,
  async close(shared) {
    const redis = shared.get(SHARED_REDIS) as Redis | undefined;
    shared.delete(SHARED_REDIS);
    if (redis) await redis.quit().catch(() => redis.disconnect());
  },
};

export default osiris;

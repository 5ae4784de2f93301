// The worker half of the Osiris module: what runs synchronously in the script's thread.
// The builders `note(ns)`, `event(ns)`, `object(ns)` get one setter and one getter per
// field of their model declaration; `get_context()` gives the context handle whose methods
// (`ctx.save(..)`, `ctx.get(..)`...) turn builders into maps and call the main side.

import { type RhaiMap, RhaiRuntimeError, typeName, type Value } from "../rhai/index.js";
import type { WorkerFunction } from "../sandbox/index.js";
import { copy, ModelObject, OsirisContext } from "./builders.js";
import { toJson } from "./json.js";
import {
  checkField,
  checkFieldName,
  checkTagKey,
  MODELS,
  type ModelSpec,
  RESERVED_FIELDS,
} from "./models.js";

/** The module's name: main-side functions are called as `osiris.<name>`. */
export const MODULE = "osiris";

function runtimeError(message: string): never {
  throw new RhaiRuntimeError("ErrorRuntime", message);
}

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
          toJson(v, `${T}.${field}`); // refuses what cannot be stored, here rather than at save
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

/** `Note(notes/n1) {"title":"Groceries",...}`: the builder as print shows it. */
function describe(o: ModelObject): string {
  const fields = [...o.fields].map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`);
  return `${o.model.rhaiType}(${o.ns}/${o.id ?? "new"}) {${fields.join(",")}}`;
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

/** Every worker-side function: the models' builders, then the context's methods. */
export const WORKER_FUNCTIONS: readonly WorkerFunction[] = [
  ...MODELS.flatMap(modelFunctions),
  ...contextFunctions(),
];

// The worker half of the Osiris module: what runs synchronously in the script's thread.
// The builders `note(ns)`, `event(ns)`, `object(ns)` get one setter and one getter per
// field of their model declaration; `get_context()` gives the context handle whose methods
// (`ctx.save(..)`, `ctx.get(..)`...) turn builders into maps and call the main side.

import { argHandle, type WorkerFunction, workerFn } from "../host/index.js";
import { type RhaiMap, RhaiRuntimeError, type Value } from "../rhai/index.js";
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

/** The kit's declaration, positional: the tables below read better one function a line. */
function fn(
  name: string,
  params: readonly string[],
  returns: string,
  doc: string,
  example: string,
  run: WorkerFunction["run"],
): WorkerFunction {
  return workerFn({ name, params, returns, doc, example, run });
}

function builderOf(v: Value): ModelObject {
  return argHandle([v], 0, ModelObject, "an Osiris object");
}

/** The setters and getters of one model, from its declaration. */
function modelFunctions(model: ModelSpec): WorkerFunction[] {
  const T = model.rhaiType;
  const sample = `${model.constructorName}("ns")`;
  const fns: WorkerFunction[] = [
    fn(
      model.constructorName,
      ["string"],
      T,
      `Starts a new ${T} in a namespace. ${model.doc}`,
      `let x = ${sample};`,
      (_ctx, [ns]) => {
        return new ModelObject(model, ns as string);
      },
    ),
    fn(
      "id",
      [T, "string"],
      T,
      `Sets the id (to update an existing ${T}); new ids are UUIDs.`,
      `${sample}.id("my-id")`,
      (_c, [b, id]) => builderOf(b).withId(id as string),
    ),
    fn("get$id", [T], "string or ()", "The id, when set.", "x.id", (_c, [b]) => builderOf(b).id),
    fn("get$ns", [T], "string", "The namespace.", "x.ns", (_c, [b]) => builderOf(b).ns),
    fn("to_map", [T], "map", `The ${T} as the map that is stored.`, "x.to_map()", (_c, [b]) =>
      builderOf(b).toMap(),
    ),
    fn("to_string", [T], "string", `The ${T} as text.`, "print(x)", (_c, [b]) =>
      describe(builderOf(b)),
    ),
    fn("to_debug", [T], "string", `The ${T} as text.`, "debug(x)", (_c, [b]) =>
      describe(builderOf(b)),
    ),
  ];
  for (const field of model.fields) {
    const get = (b: Value): Value => copy(builderOf(b).fields.get(field.name));
    switch (field.kind) {
      case "tags":
        fns.push(
          fn(
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
          fn(
            "tags",
            [T, "map"],
            T,
            "Replaces all tags.",
            `${sample}.tags(#{topic: "rust"})`,
            (_c, [b, m]) => builderOf(b).with("tags", checkField(model, field, m)),
          ),
          fn("get$tags", [T], "map", "The tags.", "x.tags", (_c, [b]) => get(b) ?? new Map()),
        );
        break;
      case "list":
        fns.push(
          fn(
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
          fn(
            field.name,
            [T, "array"],
            T,
            `Replaces ${field.name}.`,
            `${sample}.${field.name}(["alice", "bob"])`,
            (_c, [b, items]) => builderOf(b).with(field.name, checkField(model, field, items)),
          ),
          fn(
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
          fn(field.name, [T, "any"], T, field.doc, example, (_c, [b, v]) =>
            builderOf(b).with(field.name, checkField(model, field, v)),
          ),
          fn(
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
      fn(
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
      fn(
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
      fn(
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
  return argHandle([v], 0, OsirisContext, "an OsirisContext");
}

const CTX = "OsirisContext";

function contextFunctions(): WorkerFunction[] {
  const call = (name: string) => `${MODULE}.${name}`;
  const fns: WorkerFunction[] = [
    fn(
      "get_context",
      [],
      CTX,
      "The job's context: where ctx.save and the others read and write.",
      "let ctx = get_context();",
      (ctx) => new OsirisContext(ctx.job.contextId, ctx.job.callerId, ctx.job.signatories),
    ),
    fn(
      "get$context_id",
      [CTX],
      "string",
      "The job's context_id.",
      "ctx.context_id",
      (_c, [x]) => osirisCtx(x).contextId,
    ),
    fn(
      "get$caller_id",
      [CTX],
      "string",
      "The job's caller_id.",
      "ctx.caller_id",
      (_c, [x]) => osirisCtx(x).callerId,
    ),
    fn(
      "get$signatories",
      [CTX],
      "array",
      "The public keys that signed the job.",
      "ctx.signatories",
      (_c, [x]) => [...osirisCtx(x).signatories],
    ),
    fn(
      "to_string",
      [CTX],
      "string",
      "The context as text.",
      "print(ctx)",
      (_c, [x]) => `OsirisContext(${osirisCtx(x).contextId})`,
    ),
    fn(
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
    fn(
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
    fn(
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
    fn(
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
    fn(
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
    fn(
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
    fn(
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
    fn(
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
    fn(
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
    fn(
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
    fn(
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
      fn(
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

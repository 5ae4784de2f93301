// The models the store knows, each declared once: its fields, which of them are indexed or
// searched, and how it is validated. The store (index entries, search text), the Rhai
// builders (one setter and one getter per field) and the reference in docs/osiris.md are
// all derived from these declarations.
//
// A stored object is a flat JSON object: `id`, `type`, `ns`, `created_at`, `modified_at`
// (unix seconds, kept by the store), then the model's fields. A generic object also
// carries `indexed`, the names of its fields the script asked to index.

import { randomUUID } from "node:crypto";
import {
  Char,
  Float,
  floatToString,
  isInt,
  type RhaiMap,
  RhaiRuntimeError,
  typeName,
  type Value,
} from "../rhai/index.js";
import { toJson } from "./json.js";
import { ContextKeys, checkId, checkNamespace } from "./keys.js";

/**
 * - `string`: a one-line string (titles, names); may be indexed.
 * - `text`: a long string (content, descriptions); searched, never indexed.
 * - `int`: an INT (times are unix seconds).
 * - `tags`: a map of string to string; indexed per key, queried as `"tags:<key>"`.
 * - `list`: an array of strings.
 */
export type FieldKind = "string" | "text" | "int" | "tags" | "list";

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  /** Kept in `field:<name>:<value>` sets, so `ctx.query` finds it. Indexed fields are also searched. */
  readonly indexed?: boolean;
  /** Part of the text `ctx.search` scans. */
  readonly searchable?: boolean;
  readonly required?: boolean;
  /** For `list` fields: the name of the setter that adds one item (`attendee`). */
  readonly itemSetter?: string;
  readonly doc: string;
}

export interface ModelSpec {
  /** The stored `type`. */
  readonly type: string;
  /** The Rhai type name of its builder (`type_of(note("ns"))`). */
  readonly rhaiType: string;
  /** The Rhai function that starts a builder: `note("ns")`. */
  readonly constructorName: string;
  readonly doc: string;
  readonly fields: readonly FieldSpec[];
  /** Fields beyond `fields` may be set by the script, which also says which to index. */
  readonly open?: boolean;
  /** Checks across fields; returns what is wrong, or undefined. */
  readonly check?: (fields: ReadonlyMap<string, Value>) => string | undefined;
}

export const NOTE: ModelSpec = {
  type: "note",
  rhaiType: "Note",
  constructorName: "note",
  doc: "A piece of text with a title, tags and a MIME type.",
  fields: [
    { name: "title", kind: "string", indexed: true, doc: "Short title; indexed (exact match)." },
    { name: "content", kind: "text", searchable: true, doc: "The body of the note; searched." },
    {
      name: "tags",
      kind: "tags",
      indexed: true,
      doc: 'Key/value tags; each indexed, queried as "tags:<key>".',
    },
    { name: "mime", kind: "string", doc: 'MIME type of the content, e.g. "text/markdown".' },
  ],
};

export const EVENT: ModelSpec = {
  type: "event",
  rhaiType: "Event",
  constructorName: "event",
  doc: "Something that happens between two times, somewhere, with attendees.",
  fields: [
    {
      name: "title",
      kind: "string",
      indexed: true,
      required: true,
      doc: "What happens; indexed; required.",
    },
    { name: "description", kind: "text", searchable: true, doc: "Details; searched." },
    { name: "start_time", kind: "int", required: true, doc: "Start, unix seconds; required." },
    { name: "end_time", kind: "int", doc: "End, unix seconds; not before the start." },
    { name: "location", kind: "string", searchable: true, doc: "Where; searched." },
    {
      name: "attendees",
      kind: "list",
      itemSetter: "attendee",
      searchable: true,
      doc: "Who attends (names or public keys); searched.",
    },
    {
      name: "tags",
      kind: "tags",
      indexed: true,
      doc: 'Key/value tags; each indexed, queried as "tags:<key>".',
    },
  ],
  check(fields) {
    const start = fields.get("start_time");
    const end = fields.get("end_time");
    if (isInt(start) && isInt(end) && end < start) {
      return `end_time (${end}) is before start_time (${start})`;
    }
    return undefined;
  },
};

export const GENERIC: ModelSpec = {
  type: "object",
  rhaiType: "OsirisObject",
  constructorName: "object",
  doc: "Any fields the script sets; the script names the fields to index.",
  open: true,
  fields: [
    {
      name: "tags",
      kind: "tags",
      indexed: true,
      doc: 'Key/value tags; each indexed, queried as "tags:<key>".',
    },
  ],
};

export const MODELS: readonly ModelSpec[] = [NOTE, EVENT, GENERIC];

/** Names every stored object carries besides its model's fields. */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "type",
  "ns",
  "created_at",
  "modified_at",
  "indexed",
]);

/** Longest string kept in an index (the value becomes part of a Redis key). */
export const MAX_INDEXED_LENGTH = 1024;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const TAG_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

function invalid(message: string): never {
  throw new RhaiRuntimeError("ErrorRuntime", message);
}

export function modelOfType(type: string): ModelSpec {
  const model = MODELS.find((m) => m.type === type);
  if (!model)
    invalid(
      `unknown object type ${JSON.stringify(type)}: expected ${MODELS.map((m) => `"${m.type}"`).join(", ")}`,
    );
  return model;
}

export function checkFieldName(name: string): string {
  if (!FIELD_NAME.test(name))
    invalid(
      `invalid field name ${JSON.stringify(name)}: use a letter or '_' then letters, digits or '_' (at most 64)`,
    );
  return name;
}

export function checkTagKey(key: string): string {
  if (!TAG_KEY.test(key))
    invalid(`invalid tag key ${JSON.stringify(key)}: use 1 to 64 letters, digits, '_', '.' or '-'`);
  return key;
}

/**
 * The text an indexed value is kept under, the same for `ctx.save` and `ctx.query`; undefined
 * for values that cannot be indexed (arrays, maps, unit...).
 */
export function indexText(value: Value): string | undefined {
  if (typeof value === "string") return value;
  if (isInt(value) || typeof value === "boolean") return String(value);
  if (value instanceof Float) return floatToString(value.value);
  if (value instanceof Char) return value.value;
  return undefined;
}

function indexedValue(value: Value, what: string): string {
  const text = indexText(value);
  if (text === undefined)
    invalid(`${what} is indexed, so it must be a string, number or bool, not ${typeName(value)}`);
  if (text.length > MAX_INDEXED_LENGTH)
    invalid(`${what} is indexed and longer than ${MAX_INDEXED_LENGTH} characters`);
  return text;
}

/** Checks one field value against its declaration and returns the value to store. */
export function checkField(model: ModelSpec, field: FieldSpec, value: Value): Value {
  const what = `${model.rhaiType}.${field.name}`;
  switch (field.kind) {
    case "string":
    case "text":
      if (typeof value !== "string") invalid(`${what} must be a string, not ${typeName(value)}`);
      if (field.indexed && value.length > MAX_INDEXED_LENGTH)
        invalid(`${what} is indexed and longer than ${MAX_INDEXED_LENGTH} characters`);
      return value;
    case "int":
      if (!isInt(value)) invalid(`${what} must be an integer, not ${typeName(value)}`);
      return value;
    case "tags": {
      if (!(value instanceof Map))
        invalid(`${what} must be a map of strings, not ${typeName(value)}`);
      const tags: RhaiMap = new Map();
      for (const [k, v] of value) {
        checkTagKey(k);
        if (typeof v !== "string") invalid(`${what}.${k} must be a string, not ${typeName(v)}`);
        if (v.length > MAX_INDEXED_LENGTH)
          invalid(`${what}.${k} is indexed and longer than ${MAX_INDEXED_LENGTH} characters`);
        tags.set(k, v);
      }
      return tags;
    }
    case "list": {
      if (!Array.isArray(value))
        invalid(`${what} must be an array of strings, not ${typeName(value)}`);
      value.forEach((v, i) => {
        if (typeof v !== "string") invalid(`${what}[${i}] must be a string, not ${typeName(v)}`);
      });
      return [...value];
    }
  }
}

/** An object ready to be written: what the store's save script needs. */
export interface PreparedObject {
  readonly type: string;
  readonly ns: string;
  readonly id: string;
  /** True when the id was generated (the object is new for sure). */
  readonly generatedId: boolean;
  /** The fields, validated, in declaration order (generic fields after the declared ones). */
  readonly fields: ReadonlyMap<string, Value>;
  /** The JSON object without `created_at`/`modified_at` (the store adds them). */
  readonly body: string;
  /** Index entries (`field:<name>:<value>`) the object must be in. */
  readonly entries: readonly string[];
  /** Lower-case text the keyword search scans. */
  readonly searchText: string;
}

/**
 * Validates an object given as a map (as a builder's `to_map` or a `ctx.get` result gives
 * it) and prepares it for the store. `created_at` and `modified_at` in the map are ignored:
 * the store keeps them.
 */
export function prepareObject(input: RhaiMap): PreparedObject {
  const type = input.get("type");
  if (typeof type !== "string")
    invalid('an object to save needs a `type` ("note", "event" or "object")');
  const model = modelOfType(type);
  const ns = input.get("ns");
  if (typeof ns !== "string")
    invalid(`a ${model.rhaiType} to save needs an \`ns\` (namespace) string`);
  checkNamespace(ns);
  const givenId = input.get("id");
  if (givenId !== undefined && typeof givenId !== "string")
    invalid(`the id of a ${model.rhaiType} must be a string, not ${typeName(givenId)}`);
  const id = givenId === undefined ? randomUUID() : checkId(givenId);

  const fields = new Map<string, Value>();
  const declared = new Map(model.fields.map((f) => [f.name, f]));
  for (const field of model.fields) {
    const value = input.get(field.name);
    if (value === undefined) {
      if (field.required) invalid(`${model.rhaiType}.${field.name} is required`);
      continue;
    }
    fields.set(field.name, checkField(model, field, value));
  }
  const indexedExtra: string[] = [];
  for (const [name, value] of input) {
    if (RESERVED_FIELDS.has(name) || declared.has(name)) continue;
    if (!model.open) {
      invalid(
        `${model.rhaiType} has no field ${JSON.stringify(name)} (fields: ${model.fields.map((f) => f.name).join(", ")})`,
      );
    }
    checkFieldName(name);
    toJson(value, `${model.rhaiType}.${name}`); // refuses what JSON cannot hold, with the field's name
    if (value !== undefined) fields.set(name, value);
  }
  if (model.open) {
    const indexed = input.get("indexed") ?? [];
    if (!Array.isArray(indexed))
      invalid(`${model.rhaiType}.indexed must be an array of field names`);
    for (const name of indexed) {
      if (typeof name !== "string")
        invalid(`${model.rhaiType}.indexed must hold field names (strings)`);
      if (declared.has(name) || indexedExtra.includes(name)) continue;
      checkFieldName(name);
      if (RESERVED_FIELDS.has(name))
        invalid(`${model.rhaiType} cannot index ${JSON.stringify(name)}: the name is reserved`);
      indexedExtra.push(name);
    }
  }
  const problem = model.check?.(fields);
  if (problem) invalid(`invalid ${model.rhaiType}: ${problem}`);

  const entries: string[] = [];
  const search: string[] = [];
  for (const [name, value] of fields) {
    const spec = declared.get(name);
    const indexed = spec ? spec.indexed === true : indexedExtra.includes(name);
    if (spec?.kind === "tags" && value instanceof Map) {
      for (const [k, v] of value) {
        entries.push(ContextKeys.entry(`tags:${k}`, v as string));
        search.push(`${k} ${v as string}`);
      }
      continue;
    }
    if (indexed) {
      if (value === undefined) continue;
      const text = indexedValue(value, `${model.rhaiType}.${name}`);
      entries.push(ContextKeys.entry(name, text));
      search.push(text);
    } else if (spec?.searchable) {
      search.push(Array.isArray(value) ? value.join(" ") : String(value));
    }
  }

  const head = [
    `"id":${JSON.stringify(id)}`,
    `"type":${JSON.stringify(model.type)}`,
    `"ns":${JSON.stringify(ns)}`,
  ];
  for (const [name, value] of fields)
    head.push(`${JSON.stringify(name)}:${toJson(value, `${model.rhaiType}.${name}`)}`);
  if (model.open) head.push(`"indexed":${toJson(indexedExtra)}`);

  return {
    type: model.type,
    ns,
    id,
    generatedId: givenId === undefined,
    fields,
    body: `{${head.join(",")}}`,
    entries: [...new Set(entries)],
    searchText: search.join("\n").toLowerCase(),
  };
}

// The values scripts build before saving: `note("ns").title("..")`, `event(..)`,
// `object(..)`, and the context handle `get_context()` returns. They live in the script's
// worker; `to_map` turns one into the plain map that crosses to the main thread.
//
// Builders are values: every setter returns a changed copy, so `let a = note("x"); let b =
// a.title("t");` leaves `a` untouched, as upstream's by-value builders do.

import { RHAI_TYPE_NAME, type RhaiMap, type Value } from "../rhai/index.js";
import { checkId, checkNamespace } from "./keys.js";
import type { ModelSpec } from "./models.js";

export class ModelObject {
  readonly [RHAI_TYPE_NAME]: string;

  constructor(
    readonly model: ModelSpec,
    readonly ns: string,
    readonly id: string | undefined = undefined,
    readonly fields: ReadonlyMap<string, Value> = new Map(),
    /** Generic objects: the fields the script asked to index. */
    readonly indexed: readonly string[] = [],
  ) {
    this[RHAI_TYPE_NAME] = model.rhaiType;
    checkNamespace(ns);
    if (id !== undefined) checkId(id);
  }

  withId(id: string): ModelObject {
    return new ModelObject(this.model, this.ns, id, this.fields, this.indexed);
  }

  with(name: string, value: Value): ModelObject {
    const fields = new Map(this.fields);
    if (value === undefined) fields.delete(name);
    else fields.set(name, value);
    return new ModelObject(this.model, this.ns, this.id, fields, this.indexed);
  }

  withIndexed(name: string): ModelObject {
    if (this.indexed.includes(name)) return this;
    return new ModelObject(this.model, this.ns, this.id, this.fields, [...this.indexed, name]);
  }

  /** The map form `ctx.save` sends and `ctx.get` gives back (without the store's times). */
  toMap(): RhaiMap {
    const map: RhaiMap = new Map();
    if (this.id !== undefined) map.set("id", this.id);
    map.set("type", this.model.type);
    map.set("ns", this.ns);
    for (const [k, v] of this.fields) map.set(k, copy(v));
    if (this.model.open) map.set("indexed", [...this.indexed]);
    return map;
  }
}

/** What `get_context()` returns: the job's context, as the script may look at it. */
export class OsirisContext {
  readonly [RHAI_TYPE_NAME] = "OsirisContext";

  constructor(
    readonly contextId: string,
    readonly callerId: string,
    readonly signatories: readonly string[],
  ) {}
}

/** A copy deep enough that a script changing what it got cannot change a builder. */
export function copy(v: Value): Value {
  if (Array.isArray(v)) return v.map(copy);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, copy(x)]));
  return v;
}

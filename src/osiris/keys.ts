// Every Redis key the Osiris store uses is spelled here.
//
//   [<runner namespace>:]osiris:{<context>}:acl:admins|writers|readers   sets of public keys
//   [<runner namespace>:]osiris:{<context>}:<ns>:obj:<id>                 the object, JSON
//   [<runner namespace>:]osiris:{<context>}:<ns>:meta:<id>                set of the index entries
//                                                                         the object is in
//   [<runner namespace>:]osiris:{<context>}:<ns>:field:<name>:<value>     set of ids (an index)
//   [<runner namespace>:]osiris:{<context>}:<ns>:scan:index               hash id -> search text
//
// <context> is the job's context_id, URI-encoded so it holds no ':' (contexts cannot reach
// into each other by choosing a clever id) and no braces. The braces around it are a Redis
// Cluster hash tag: every key of a context lives in one slot, so the Lua scripts that write
// several of them at once stay valid on a cluster.

import { RhaiRuntimeError } from "../rhai/index.js";

/** Object namespaces and ids: plain words, so they cannot be confused with key separators. */
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

function badInput(message: string): never {
  throw new RhaiRuntimeError("ErrorRuntime", message);
}

export function checkNamespace(ns: string): string {
  if (!NAME.test(ns)) {
    badInput(
      `invalid namespace ${JSON.stringify(ns)}: use 1 to 128 letters, digits, '_', '.' or '-'`,
    );
  }
  return ns;
}

export function checkId(id: string): string {
  if (!NAME.test(id)) {
    badInput(`invalid id ${JSON.stringify(id)}: use 1 to 128 letters, digits, '_', '.' or '-'`);
  }
  return id;
}

/** Keys of one context, under the runner's optional namespace. */
export class ContextKeys {
  /** Everything of this context starts with this (ends with ':'). */
  readonly root: string;

  constructor(contextId: string, runnerNamespace = "") {
    if (contextId === "") badInput("the job has an empty context_id: Osiris needs one");
    const ns = runnerNamespace === "" ? "" : `${runnerNamespace}:`;
    this.root = `${ns}osiris:{${encodeURIComponent(contextId)}}:`;
  }

  accessList(role: "admins" | "writers" | "readers"): string {
    return `${this.root}acl:${role}`;
  }

  /** Prefix of every key of an object namespace (ends with ':'). */
  ns(ns: string): string {
    return `${this.root}${checkNamespace(ns)}:`;
  }

  object(ns: string, id: string): string {
    return `${this.ns(ns)}obj:${id}`;
  }

  meta(ns: string, id: string): string {
    return `${this.ns(ns)}meta:${id}`;
  }

  scanIndex(ns: string): string {
    return `${this.ns(ns)}scan:index`;
  }

  /** The index entry (key suffix after the namespace prefix) of `field = value`. */
  static entry(field: string, value: string): string {
    return `field:${field}:${value}`;
  }

  index(ns: string, field: string, value: string): string {
    return this.ns(ns) + ContextKeys.entry(field, value);
  }
}

// Object map functions: size, property access, merging, the functional helpers (`map`,
// `filter`, `drain`, `retain`), and JSON output. Object maps print with sorted keys.

import { RhaiRuntimeError } from "../errors.js";
import { toDebug } from "../format.js";
import type { NativeCallContext, Package } from "../native.js";
import { Blob, Char, Float, FnPtr, type RhaiMap, type Value } from "../value.js";
import { Callback, checkMapSize, copyOf, valuesEqual } from "./util.js";

function sortedKeys(m: RhaiMap): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The JSON text of a value, as the reference writes object maps without serde. */
export function toJson(v: Value): string {
  if (v === undefined) return "null";
  if (v instanceof Map) {
    return `{${sortedKeys(v)
      .map((k) => `${toDebug(k)}:${toJson(v.get(k))}`)
      .join(",")}}`;
  }
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  if (v instanceof Blob) return `[${v.bytes.join(",")}]`;
  // Everything else is written as Rust's Debug of the value, as the reference does (a
  // character comes out as 'c', which JSON readers will not accept).
  if (v instanceof Char) return charDebug(v.value);
  if (v instanceof FnPtr) {
    if (v.curried.length === 0) return toDebug(v.name);
    return `[${[toDebug(v.name), ...v.curried.map(toJson)].join(",")}]`;
  }
  return toDebug(v);
}

/** Rust's Debug of a char: single quotes, backslash escapes. */
function charDebug(c: string): string {
  const escapes: Record<string, string> = {
    "\\": "\\\\",
    "'": "\\'",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\0": "\\0",
  };
  const code = c.codePointAt(0) ?? 0;
  const text =
    escapes[c] ?? (code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u{${code.toString(16)}}` : c);
  return `'${text}'`;
}

function checkSize(ctx: NativeCallContext, m: RhaiMap): void {
  checkMapSize(ctx, m.size);
}

export const mapPackage: Package = (lib) => {
  const pure = { pure: true };
  const edit = { mutatesFirst: true };
  lib.fn("len", ["map"], (_ctx, [m]) => (m as RhaiMap).size, {
    ...pure,
    doc: "Number of properties.",
  });
  lib.fn("is_empty", ["map"], (_ctx, [m]) => (m as RhaiMap).size === 0, {
    ...pure,
    doc: "True if the map has no property.",
  });
  lib.fn("contains", ["map", "string"], (_ctx, [m, k]) => (m as RhaiMap).has(k as string), {
    ...pure,
    doc: 'True if the map has the property; also drives `in`; `m.contains("a")`.',
  });
  lib.fn("get", ["map", "string"], (_ctx, [m, k]) => copyOf((m as RhaiMap).get(k as string)), {
    ...pure,
    doc: "A copy of the property's value, or `()`.",
  });
  lib.fn(
    "set",
    ["map", "string", "any"],
    (ctx, [m, k, v]) => {
      const map = m as RhaiMap;
      map.set(k as string, copyOf(v));
      checkSize(ctx, map);
      return undefined;
    },
    { ...edit, doc: 'Sets a property, adding it if missing; `m.set("b", 42)`.' },
  );
  lib.fn(
    "clear",
    ["map"],
    (_ctx, [m]) => {
      (m as RhaiMap).clear();
      return undefined;
    },
    { ...edit, doc: "Removes every property." },
  );
  lib.fn(
    "remove",
    ["map", "string"],
    (_ctx, [m, k]) => {
      const map = m as RhaiMap;
      const v = map.get(k as string);
      map.delete(k as string);
      return v;
    },
    { ...edit, doc: 'Removes a property and returns its value, or `()`; `m.remove("b")`.' },
  );
  for (const name of ["mixin", "+="]) {
    lib.fn(
      name,
      ["map", "map"],
      (ctx, [m, n]) => {
        const map = m as RhaiMap;
        for (const [k, v] of n as RhaiMap) map.set(k, copyOf(v));
        checkSize(ctx, map);
        return undefined;
      },
      {
        ...edit,
        doc: "Adds all properties of another map, replacing same-named ones; `m.mixin(n)`.",
      },
    );
  }
  lib.fn(
    "+",
    ["map", "map"],
    (ctx, [m, n]) => {
      const out = copyOf(m) as RhaiMap;
      for (const [k, v] of n as RhaiMap) out.set(k, copyOf(v));
      checkSize(ctx, out);
      return out;
    },
    { ...pure, doc: "A new map with the properties of both (the right one wins); `m + n`." },
  );
  lib.fn(
    "fill_with",
    ["map", "map"],
    (ctx, [m, n]) => {
      const map = m as RhaiMap;
      for (const [k, v] of n as RhaiMap) if (!map.has(k)) map.set(k, copyOf(v));
      checkSize(ctx, map);
      return undefined;
    },
    { ...edit, doc: "Adds the properties of another map that are missing; `m.fill_with(n)`." },
  );
  lib.fn("==", ["map", "map"], (ctx, [a, b]) => valuesEqual(ctx, a, b), {
    ...pure,
    doc: "True if both maps hold the same properties with equal values.",
  });
  lib.fn("!=", ["map", "map"], (ctx, [a, b]) => !valuesEqual(ctx, a, b), {
    ...pure,
    doc: "True if the maps differ in any property.",
  });
  lib.fn("keys", ["map"], (_ctx, [m]) => sortedKeys(m as RhaiMap), {
    ...pure,
    doc: 'The property names, sorted; `#{b: 1, a: 2}.keys()` is ["a", "b"].',
  });
  lib.fn(
    "values",
    ["map"],
    (_ctx, [m]) => {
      const map = m as RhaiMap;
      return sortedKeys(map).map((k) => copyOf(map.get(k)));
    },
    { ...pure, doc: "The property values, in the order of the sorted names." },
  );

  // Callbacks get the key, then the value (or the value bound to `this`).
  const visit = (
    ctx: NativeCallContext,
    caller: string,
    m: RhaiMap,
    fp: FnPtr,
    onResult: (k: string, v: Value, r: Value) => void,
  ) => {
    const cb = new Callback(ctx, caller, fp, 1);
    for (const k of sortedKeys(m)) {
      const item = { value: m.get(k) };
      const r = cb.call(item, [k], []);
      m.set(k, item.value);
      onResult(k, item.value, r);
    }
  };
  lib.fn(
    "map",
    ["map", "Fn"],
    (ctx, [m, f]) => {
      const out: RhaiMap = new Map();
      visit(ctx, "map", m as RhaiMap, f as FnPtr, (k, _v, r) => out.set(k, r));
      return out;
    },
    { ...pure, doc: "A new map of the mapper's results per property; `m.map(|k, v| v * 2)`." },
  );
  lib.fn(
    "filter",
    ["map", "Fn"],
    (ctx, [m, f]) => {
      const out: RhaiMap = new Map();
      visit(ctx, "filter", m as RhaiMap, f as FnPtr, (k, v, r) => {
        if (r === true) out.set(k, copyOf(v));
      });
      return out;
    },
    {
      ...pure,
      doc: "A new map of the properties the predicate accepts; `m.filter(|k, v| v > 1)`.",
    },
  );
  for (const [name, keepHits] of [
    ["drain", false],
    ["retain", true],
  ] as const) {
    lib.fn(
      name,
      ["map", "Fn"],
      (ctx, [m, f]) => {
        const map = m as RhaiMap;
        const removed: RhaiMap = new Map();
        visit(ctx, name, map, f as FnPtr, (k, v, r) => {
          if ((r === true) !== keepHits) removed.set(k, v);
        });
        for (const k of removed.keys()) map.delete(k);
        return removed;
      },
      {
        ...edit,
        doc: keepHits
          ? "Keeps the properties the predicate accepts; returns the removed ones."
          : "Removes the properties the predicate accepts and returns them.",
      },
    );
  }
  lib.fn("to_json", ["map"], (_ctx, [m]) => toJson(m), {
    ...pure,
    doc: 'The map as JSON text; `#{a: 1}.to_json()` is "{\\"a\\":1}".',
  });
};

/** Parses JSON text into Rhai values: integers stay INT, other numbers become FLOAT. */
export function parseJson(text: string): Value {
  let i = 0;
  const fail = (what: string): never => {
    throw new RhaiRuntimeError("ErrorParsing", `Invalid JSON: ${what} at offset ${i}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const value = (): Value => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const m: RhaiMap = new Map();
      ws();
      if (text[i] === "}") {
        i++;
        return m;
      }
      while (true) {
        ws();
        if (text[i] !== '"') fail("expected a property name");
        const k = string();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        m.set(k, value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return m;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const a: Value[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      while (true) {
        a.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return a;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", undefined],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) return fail("unexpected character");
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const big = BigInt(m[0]);
      if (big >= -(2n ** 63n) && big < 2n ** 63n) {
        return Number.isSafeInteger(Number(big)) ? Number(big) : big;
      }
    }
    return new Float(Number(m[0]));
  };
  const string = (): string => {
    const end = scanString(text, i);
    if (end < 0) fail("unterminated string");
    const s = JSON.parse(text.slice(i, end + 1)) as string;
    i = end + 1;
    return s;
  };
  const v = value();
  ws();
  if (i < text.length) fail("trailing characters");
  return v;
}

function scanString(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === '"') return j;
  }
  return -1;
}

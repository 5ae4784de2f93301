// Array functions that search, sort or take a callback: `index_of`, `contains`, `find`,
// `sort`, `dedup`, `map`, `filter`, `reduce`, `zip`... (array.ts registers them in turn with
// the rest of the array package).
//
// Callbacks follow the reference: with no parameter the element is bound to `this`,
// otherwise it is passed first, optionally followed by its index (see `Callback`).

import { RhaiRuntimeError } from "../errors.js";
import * as int from "../int.js";
import type { FunctionLibrary, NativeCallContext } from "../native.js";
import { Char, Float, type FnPtr, type Int, typeName, type Value } from "../value.js";
import {
  Callback,
  copyOf,
  notFoundSignature,
  num,
  offsetLen,
  toFnPtr,
  valuesEqual,
} from "./util.js";

type Arr = Value[];

function indexOfValue(ctx: NativeCallContext, a: Arr, value: Value, start: number): number {
  if (a.length === 0) return -1;
  const [from] = offsetLen(a.length, start, 0);
  for (let i = from; i < a.length; i++) {
    if (valuesEqual(ctx, a[i], value)) return i;
  }
  return -1;
}

/** Runs `cb` over the elements from `start`, element bound as `this` and written back. */
function indexOfFilter(
  ctx: NativeCallContext,
  caller: string,
  a: Arr,
  fp: FnPtr,
  start: number,
): number {
  if (a.length === 0) return -1;
  const [from] = offsetLen(a.length, start, 0);
  const cb = new Callback(ctx, caller, fp, 0);
  for (let i = from; i < a.length; i++) {
    const item = { value: a[i] };
    const r = cb.call(item, [], [i]);
    a[i] = item.value;
    if (r === true) return i;
  }
  return -1;
}

/**
 * `index_of` given a string: the deprecated API treats it as a function's name; when no
 * such function exists, the string is searched for as a value.
 */
function indexOfString(ctx: NativeCallContext, a: Arr, name: string, start: number): number {
  try {
    return indexOfFilter(ctx, "index_of", a, toFnPtr(name), start);
  } catch (e) {
    const inner = e instanceof RhaiRuntimeError && e.code === "ErrorInFunctionCall" ? e.inner : e;
    if (notFoundSignature(inner)?.startsWith(name)) {
      return indexOfValue(ctx, a, name, start);
    }
    throw e;
  }
}

function compareSame(a: Value, b: Value): number {
  if (typeof a === "number" || typeof a === "bigint") return int.compare(a, b as Int);
  if (a instanceof Float) {
    const x = a.value;
    const y = (b as Float).value;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a instanceof Char) {
    const x = a.value.codePointAt(0) ?? 0;
    const y = (b as Char).value.codePointAt(0) ?? 0;
    return x - y;
  }
  if (typeof a === "string") return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  if (typeof a === "boolean") return Number(a) - Number(b as boolean);
  return 0;
}

function sortBuiltin(a: Arr, descending: boolean): void {
  if (a.length <= 1) return;
  const t = typeName(a[0]);
  for (const v of a) {
    if (typeName(v) !== t) {
      throw new RhaiRuntimeError(
        "ErrorFunctionNotFound",
        "elements of different types cannot be sorted",
      );
    }
  }
  if (t === "()") return;
  if (!["i64", "f64", "char", "string", "bool"].includes(t)) {
    // Arrays, maps and the rest have no order (the reference's wording).
    throw new RhaiRuntimeError("ErrorFunctionNotFound", `elements of ${t} cannot be sorted`);
  }
  a.sort(descending ? (x, y) => compareSame(y, x) : compareSame);
}

function sortWith(ctx: NativeCallContext, a: Arr, fp: FnPtr): void {
  if (a.length <= 1) return;
  a.sort((x, y) => {
    let r: Value;
    try {
      r = ctx.callFnPtr(fp, [x, y]);
    } catch {
      return 0;
    }
    if (typeof r === "number" || typeof r === "bigint") return r > 0 ? 1 : r < 0 ? -1 : 0;
    if (typeof r === "boolean") return r ? -1 : 1;
    return 0;
  });
}

/** Keeps the first of each run of consecutive elements that `same(kept, next)` calls equal. */
function dedupWith(a: Arr, same: (prev: Value, next: Value) => boolean): void {
  if (a.length <= 1) return;
  let w = 1;
  for (let r = 1; r < a.length; r++) {
    if (!same(a[w - 1], a[r])) a[w++] = a[r];
  }
  a.length = w;
}

export function registerSearch(lib: FunctionLibrary): void {
  const pure = { pure: true };
  lib.fn(
    "contains",
    ["array", "any"],
    (ctx, [a, v]) => {
      for (const x of a as Arr) if (valuesEqual(ctx, x, v)) return true;
      return false;
    },
    { ...pure, doc: "True if an element equals the value; also drives `in`." },
  );
  lib.fn("index_of", ["array", "any"], (ctx, [a, v]) => indexOfValue(ctx, a as Arr, v, 0), {
    ...pure,
    doc: "Position of the first element equal to the value, or -1.",
  });
  lib.fn(
    "index_of",
    ["array", "any", "i64"],
    (ctx, [a, v, s]) => indexOfValue(ctx, a as Arr, v, num(s)),
    {
      ...pure,
      doc: "Position of the first equal element from `start`, or -1.",
    },
  );
  lib.fn(
    "index_of",
    ["array", "Fn"],
    (ctx, [a, f]) => indexOfFilter(ctx, "index_of", a as Arr, f as FnPtr, 0),
    {
      ...pure,
      doc: "Position of the first element the predicate accepts, or -1; `x.index_of(|v| v > 3)`.",
    },
  );
  lib.fn(
    "index_of",
    ["array", "Fn", "i64"],
    (ctx, [a, f, s]) => indexOfFilter(ctx, "index_of", a as Arr, f as FnPtr, num(s)),
    { ...pure, doc: "Position of the first accepted element from `start`, or -1." },
  );
  lib.fn(
    "index_of",
    ["array", "string"],
    (ctx, [a, n]) => indexOfString(ctx, a as Arr, n as string, 0),
    {
      ...pure,
      doc: "Position of the first element a named function accepts, or of an equal string.",
    },
  );
  lib.fn(
    "index_of",
    ["array", "string", "i64"],
    (ctx, [a, n, s]) => indexOfString(ctx, a as Arr, n as string, num(s)),
    { ...pure, doc: "As `index_of(name)`, searching from `start`." },
  );
  const find = (ctx: NativeCallContext, a: Arr, fp: FnPtr, start: number) => {
    const i = indexOfFilter(ctx, "find", a, fp, start);
    return i < 0 ? undefined : copyOf(a[i]);
  };
  lib.fn("find", ["array", "Fn"], (ctx, [a, f]) => find(ctx, a as Arr, f as FnPtr, 0), {
    ...pure,
    doc: "The first element the predicate accepts, or `()`; `x.find(|v| v > 3)`.",
  });
  lib.fn(
    "find",
    ["array", "Fn", "i64"],
    (ctx, [a, f, s]) => find(ctx, a as Arr, f as FnPtr, num(s)),
    {
      ...pure,
      doc: "The first accepted element from `start`, or `()`.",
    },
  );
  const findMap = (ctx: NativeCallContext, a: Arr, fp: FnPtr, start: number): Value => {
    if (a.length === 0) return undefined;
    const [from] = offsetLen(a.length, start, 0);
    const cb = new Callback(ctx, "find_map", fp, 0);
    for (let i = from; i < a.length; i++) {
      const item = { value: a[i] };
      const r = cb.call(item, [], [i]);
      a[i] = item.value;
      if (r !== undefined) return r;
    }
    return undefined;
  };
  lib.fn("find_map", ["array", "Fn"], (ctx, [a, f]) => findMap(ctx, a as Arr, f as FnPtr, 0), {
    ...pure,
    doc: "The first result of the mapper that is not `()`; `x.find_map(|v| v.name)`.",
  });
  lib.fn(
    "find_map",
    ["array", "Fn", "i64"],
    (ctx, [a, f, s]) => findMap(ctx, a as Arr, f as FnPtr, num(s)),
    {
      ...pure,
      doc: "As `find_map`, from `start`.",
    },
  );
}

/** Functions taking a callback; each also accepts a function's name (deprecated API). */
export function registerFunctional(lib: FunctionLibrary): void {
  const pure = { pure: true };
  const edit = { mutatesFirst: true };
  const both = (
    name: string,
    params: string[],
    fn: Parameters<FunctionLibrary["fn"]>[2],
    doc: string,
    mutates = false,
  ) => {
    const opts = mutates ? { ...edit, doc } : { ...pure, doc };
    lib.fn(name, params, fn, opts);
    lib.fn(
      name,
      params.map((p) => (p === "Fn" ? "string" : p)),
      (ctx, args) =>
        fn(
          ctx,
          args.map((v, i) => (params[i] === "Fn" ? toFnPtr(v) : v)),
        ),
      { ...opts, doc: `${doc} (function given by name)` },
    );
  };

  const each = (
    ctx: NativeCallContext,
    caller: string,
    a: Arr,
    fp: FnPtr,
    visit: (result: Value, index: number) => boolean | undefined,
    moveTo: number | null = 0,
  ) => {
    const cb = new Callback(ctx, caller, fp, moveTo ?? undefined);
    for (let i = 0; i < a.length; i++) {
      const item = { value: a[i] };
      const r = cb.call(item, [], [i]);
      a[i] = item.value;
      if (visit(r, i) === false) return;
    }
  };

  both(
    "for_each",
    ["array", "Fn"],
    (ctx, [a, f]) => {
      // The element is only ever `this` here (never an argument): `|i| this += i` works.
      each(ctx, "for_each", a as Arr, f as FnPtr, () => true, null);
      return undefined;
    },
    "Calls the function for every element, bound to `this`; `x.for_each(|| this *= 2)`.",
    true,
  );
  both(
    "map",
    ["array", "Fn"],
    (ctx, [a, f]) => {
      const out: Arr = [];
      each(ctx, "map", a as Arr, f as FnPtr, (r) => {
        out.push(r);
        return true;
      });
      return out;
    },
    "A new array of the mapper's results; `x.map(|v| v * 2)`.",
  );
  both(
    "filter",
    ["array", "Fn"],
    (ctx, [a, f]) => {
      const arr = a as Arr;
      const out: Arr = [];
      each(ctx, "filter", arr, f as FnPtr, (r, i) => {
        if (r === true) out.push(copyOf(arr[i]));
        return true;
      });
      return out;
    },
    "A new array of the elements the predicate accepts; `x.filter(|v| v > 2)`.",
  );
  both(
    "some",
    ["array", "Fn"],
    (ctx, [a, f]) => {
      let found = false;
      each(ctx, "some", a as Arr, f as FnPtr, (r) => {
        found = r === true;
        return !found;
      });
      return found;
    },
    "True if the predicate accepts any element.",
  );
  both(
    "all",
    ["array", "Fn"],
    (ctx, [a, f]) => {
      let ok = true;
      each(ctx, "all", a as Arr, f as FnPtr, (r) => {
        ok = r === true;
        return ok;
      });
      return ok;
    },
    "True if the predicate accepts every element.",
  );
  const none = (ctx: NativeCallContext, [a, f]: Value[]) => {
    let found = false;
    each(ctx, "none", a as Arr, f as FnPtr, (r) => {
      found = r === true;
      return !found;
    });
    return !found;
  };
  both("none", ["array", "Fn"], none, "True if the predicate accepts no element.");

  const reduce = (
    ctx: NativeCallContext,
    caller: string,
    a: Arr,
    fp: FnPtr,
    initial: Value,
    reverse: boolean,
  ) => {
    const cb = new Callback(ctx, caller, fp, 1);
    let acc = initial;
    for (let k = 0; k < a.length; k++) {
      const i = reverse ? a.length - 1 - k : k;
      const item = { value: a[i] };
      acc = cb.call(item, [acc], [i]);
      a[i] = item.value;
    }
    return acc;
  };
  for (const [name, reverse] of [
    ["reduce", false],
    ["reduce_rev", true],
  ] as const) {
    const order = reverse ? " from the last element" : "";
    both(
      name,
      ["array", "Fn"],
      (ctx, [a, f]) => reduce(ctx, name, a as Arr, f as FnPtr, undefined, reverse),
      `Folds the array${order} with the reducer, starting from \`()\`; \`x.${name}(|sum, v| v + (sum ?? 0))\`.`,
    );
    both(
      name,
      ["array", "Fn", "any"],
      (ctx, [a, f, init]) => reduce(ctx, name, a as Arr, f as FnPtr, init, reverse),
      `Folds the array${order} with the reducer, starting from \`initial\`.`,
    );
  }
  both(
    "dedup",
    ["array", "Fn"],
    (ctx, [a, f]) => {
      const fp = f as FnPtr;
      dedupWith(a as Arr, (prev, next) => {
        try {
          return ctx.callFnPtr(fp, [prev, next]) === true;
        } catch {
          return false;
        }
      });
      return undefined;
    },
    "Removes consecutive elements the comparer calls equal; `x.dedup(|a, b| a >= b)`.",
    true,
  );
  lib.fn(
    "dedup",
    ["array"],
    (ctx, [a]) => {
      dedupWith(a as Arr, (prev, next) => {
        try {
          return valuesEqual(ctx, next, prev);
        } catch {
          return false;
        }
      });
      return undefined;
    },
    { ...edit, doc: "Removes consecutive duplicate elements; `[1, 1, 2].dedup()`." },
  );
  both(
    "sort",
    ["array", "Fn"],
    (ctx, [a, f]) => {
      sortWith(ctx, a as Arr, f as FnPtr);
      return undefined;
    },
    "Sorts with a comparer returning an integer (or `a <= b` as a bool); `x.sort(|a, b| b - a)`.",
    true,
  );
  both(
    "sort_by",
    ["array", "Fn"],
    (ctx, [a, f]) => {
      sortWith(ctx, a as Arr, f as FnPtr);
      return undefined;
    },
    "The same as `sort` with a comparer; `x.sort_by(|a, b| a < b)`.",
    true,
  );
  lib.fn(
    "sort",
    ["array"],
    (_ctx, [a]) => {
      sortBuiltin(a as Arr, false);
      return undefined;
    },
    { ...edit, doc: "Sorts numbers, characters, strings or booleans in ascending order." },
  );
  lib.fn(
    "sort_desc",
    ["array"],
    (_ctx, [a]) => {
      sortBuiltin(a as Arr, true);
      return undefined;
    },
    { ...edit, doc: "Sorts numbers, characters, strings or booleans in descending order." },
  );
  const partition = (
    ctx: NativeCallContext,
    caller: string,
    a: Arr,
    fp: FnPtr,
    keepMatches: boolean,
  ): Arr => {
    const removed: Arr = [];
    const kept: Arr = [];
    const cb = new Callback(ctx, caller, fp, 0);
    for (let i = 0; i < a.length; i++) {
      const item = { value: a[i] };
      const hit = cb.call(item, [], [i]) === true;
      (hit === keepMatches ? kept : removed).push(item.value);
    }
    a.length = 0;
    for (const v of kept) a.push(v);
    return removed;
  };
  both(
    "drain",
    ["array", "Fn"],
    (ctx, [a, f]) => partition(ctx, "drain", a as Arr, f as FnPtr, false),
    "Removes the elements the predicate accepts and returns them; `x.drain(|v| v < 3)`.",
    true,
  );
  both(
    "retain",
    ["array", "Fn"],
    (ctx, [a, f]) => partition(ctx, "retain", a as Arr, f as FnPtr, true),
    "Keeps the elements the predicate accepts; returns the removed ones.",
    true,
  );
  lib.fn(
    "zip",
    ["array", "array", "Fn"],
    (ctx, [a, b, f]) => {
      const x = a as Arr;
      const y = b as Arr;
      const cb = new Callback(ctx, "zip", f as FnPtr, undefined);
      const n = Math.min(x.length, y.length);
      const out: Arr = [];
      for (let i = 0; i < n; i++) out.push(cb.call(undefined, [x[i], y[i]], [i]));
      return out;
    },
    { ...pure, doc: "Combines two arrays element by element; `x.zip(y, |a, b| a + b)`." },
  );
}

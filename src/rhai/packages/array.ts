// Array functions: size, element access, adding and removing, slicing, searching, and the
// functional helpers that take a callback (`map`, `filter`, `reduce`, `sort`, ...).
//
// Callbacks follow the reference: with no parameter the element is bound to `this`,
// otherwise it is passed first, optionally followed by its index (see `Callback`).

import { RhaiRuntimeError } from "../errors.js";
import * as int from "../int.js";
import type { FunctionLibrary, NativeCallContext, Package } from "../native.js";
import { Char, Float, type FnPtr, type Int, type Range, typeName, type Value } from "../value.js";
import {
  Callback,
  checkArraySize,
  checkedIndex,
  copyOf,
  notFoundSignature,
  num,
  offsetLen,
  rangeStartLen,
  toFnPtr,
  valuesEqual,
} from "./util.js";

type Arr = Value[];

function extract(a: Arr, start: number, len: number): Arr {
  if (a.length === 0 || len <= 0) return [];
  const [from, count] = offsetLen(a.length, start, len);
  return a.slice(from, from + count).map(copyOf);
}

function splice(a: Arr, start: number, len: number, replace: Arr): void {
  const [from, count] = a.length === 0 ? [0, 0] : offsetLen(a.length, start, len);
  // Element by element: spreading a large array into push() or splice() overflows the JS stack.
  const tail = a.splice(from);
  for (const x of replace) a.push(x);
  for (let i = count; i < tail.length; i++) a.push(tail[i] as Arr[number]);
}

function drainRange(a: Arr, start: number, len: number): Arr {
  if (a.length === 0 || len <= 0) return [];
  const [from, count] = offsetLen(a.length, start, len);
  return a.splice(from, count);
}

function retainRange(a: Arr, start: number, len: number): Arr {
  if (a.length === 0 || len <= 0) return [];
  const [from, count] = offsetLen(a.length, start, len);
  if (count === 0) return [];
  const tail = a.splice(from + count);
  const head = a.splice(0, from);
  return head.concat(tail);
}

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

function registerAccess(lib: FunctionLibrary): void {
  const pure = { pure: true };
  const edit = { mutatesFirst: true };
  for (const name of ["len", "get$len"]) {
    lib.fn(name, ["array"], (_ctx, [a]) => (a as Arr).length, {
      ...pure,
      doc: "Number of elements.",
    });
  }
  for (const name of ["is_empty", "get$is_empty"]) {
    lib.fn(name, ["array"], (_ctx, [a]) => (a as Arr).length === 0, {
      ...pure,
      doc: "True if the array is empty.",
    });
  }
  lib.fn(
    "get",
    ["array", "i64"],
    (_ctx, [a, i]) => {
      const arr = a as Arr;
      if (arr.length === 0) return undefined;
      const [at] = offsetLen(arr.length, num(i), 0);
      return at < arr.length ? copyOf(arr[at]) : undefined;
    },
    { ...pure, doc: "A copy of the element at a position (negative from the end), or `()`." },
  );
  lib.fn(
    "set",
    ["array", "i64", "any"],
    (_ctx, [a, i, v]) => {
      const arr = a as Arr;
      if (arr.length === 0) return undefined;
      const [at] = offsetLen(arr.length, num(i), 0);
      if (at < arr.length) arr[at] = copyOf(v);
      return undefined;
    },
    { ...edit, doc: "Replaces the element at a position; out of bounds does nothing." },
  );
  lib.fn(
    "push",
    ["array", "any"],
    (ctx, [a, v]) => {
      const arr = a as Arr;
      checkArraySize(ctx, arr.length + 1);
      arr.push(copyOf(v));
      return undefined;
    },
    { ...edit, doc: "Adds an element at the end; `x.push(4)`." },
  );
  for (const name of ["append", "+="]) {
    lib.fn(
      name,
      ["array", "array"],
      (ctx, [a, b]) => {
        const arr = a as Arr;
        const more = b as Arr;
        checkArraySize(ctx, arr.length + more.length);
        for (const v of more) arr.push(copyOf(v));
        return undefined;
      },
      { ...edit, doc: "Adds all the elements of another array at the end; `x.append([4, 5])`." },
    );
  }
  lib.fn(
    "+=",
    ["array", "any"],
    (ctx, [a, v]) => {
      const arr = a as Arr;
      checkArraySize(ctx, arr.length + 1);
      arr.push(copyOf(v));
      return undefined;
    },
    { ...edit, doc: "Adds an element at the end; `x += 4`." },
  );
  lib.fn(
    "+",
    ["array", "array"],
    (ctx, [a, b]) => {
      const out = (a as Arr).concat(b as Arr).map(copyOf);
      checkArraySize(ctx, out.length);
      return out;
    },
    { ...pure, doc: "A new array with the elements of both; `[1, 2] + [3]`." },
  );
  lib.fn(
    "insert",
    ["array", "i64", "any"],
    (ctx, [a, i, v]) => {
      const arr = a as Arr;
      checkArraySize(ctx, arr.length + 1);
      if (arr.length === 0) {
        arr.push(copyOf(v));
        return undefined;
      }
      const [at] = offsetLen(arr.length, num(i), 0);
      if (at >= arr.length) arr.push(copyOf(v));
      else arr.splice(at, 0, copyOf(v));
      return undefined;
    },
    {
      ...edit,
      doc: "Inserts an element at a position (negative from the end); `x.insert(0, 42)`.",
    },
  );
  lib.fn(
    "pad",
    ["array", "i64", "any"],
    (ctx, [a, l, v]) => {
      const arr = a as Arr;
      const len = num(l);
      if (len <= arr.length) return undefined;
      checkArraySize(ctx, len);
      if (typeof v !== "object" || v === null) {
        const from = arr.length;
        arr.length = len;
        arr.fill(v, from);
      } else {
        while (arr.length < len) arr.push(copyOf(v));
      }
      return undefined;
    },
    { ...edit, doc: "Pads the array with copies of a value to at least `len` elements." },
  );
  lib.fn("pop", ["array"], (_ctx, [a]) => (a as Arr).pop(), {
    ...edit,
    doc: "Removes and returns the last element.",
  });
  lib.fn("shift", ["array"], (_ctx, [a]) => (a as Arr).shift(), {
    ...edit,
    doc: "Removes and returns the first element.",
  });
  lib.fn(
    "remove",
    ["array", "i64"],
    (_ctx, [a, i]) => {
      const arr = a as Arr;
      const at = checkedIndex(arr.length, num(i));
      return at === null ? undefined : arr.splice(at, 1)[0];
    },
    { ...edit, doc: "Removes and returns the element at a position, or `()`." },
  );
  lib.fn(
    "clear",
    ["array"],
    (_ctx, [a]) => {
      (a as Arr).length = 0;
      return undefined;
    },
    { ...edit, doc: "Removes every element." },
  );
  lib.fn(
    "truncate",
    ["array", "i64"],
    (_ctx, [a, l]) => {
      const arr = a as Arr;
      const len = num(l);
      if (len <= 0) arr.length = 0;
      else if (len < arr.length) arr.length = len;
      return undefined;
    },
    { ...edit, doc: "Keeps only the first `len` elements." },
  );
  lib.fn(
    "chop",
    ["array", "i64"],
    (_ctx, [a, l]) => {
      const arr = a as Arr;
      const len = num(l);
      if (len <= 0) arr.length = 0;
      else if (len < arr.length) arr.splice(0, arr.length - len);
      return undefined;
    },
    { ...edit, doc: "Keeps only the last `len` elements." },
  );
  lib.fn(
    "reverse",
    ["array"],
    (_ctx, [a]) => {
      (a as Arr).reverse();
      return undefined;
    },
    { ...edit, doc: "Reverses the order of the elements." },
  );
  lib.fn(
    "splice",
    ["array", "i64", "i64", "array"],
    (_ctx, [a, s, l, r]) => {
      splice(a as Arr, num(s), num(l), (r as Arr).slice());
      return undefined;
    },
    { ...edit, doc: "Replaces `len` elements from `start` with another array's elements." },
  );
  lib.fn(
    "extract",
    ["array", "i64", "i64"],
    (_ctx, [a, s, l]) => extract(a as Arr, num(s), num(l)),
    {
      ...pure,
      doc: "A copy of `len` elements from `start`; `x.extract(1, 3)`.",
    },
  );
  lib.fn(
    "extract",
    ["array", "i64"],
    (_ctx, [a, s]) => extract(a as Arr, num(s), Number.MAX_SAFE_INTEGER),
    {
      ...pure,
      doc: "A copy of the elements from `start` to the end.",
    },
  );
  lib.fn(
    "split",
    ["array", "i64"],
    (_ctx, [a, i]) => {
      const arr = a as Arr;
      if (arr.length === 0) return [];
      const [from] = offsetLen(arr.length, num(i), Number.MAX_SAFE_INTEGER);
      return from >= arr.length ? [] : arr.splice(from);
    },
    { ...edit, doc: "Cuts the array at a position and returns the tail; `x.split(2)`." },
  );
  lib.fn(
    "drain",
    ["array", "i64", "i64"],
    (_ctx, [a, s, l]) => drainRange(a as Arr, num(s), num(l)),
    {
      ...edit,
      doc: "Removes `len` elements from `start` and returns them.",
    },
  );
  lib.fn(
    "retain",
    ["array", "i64", "i64"],
    (_ctx, [a, s, l]) => retainRange(a as Arr, num(s), num(l)),
    {
      ...edit,
      doc: "Keeps only `len` elements from `start`; returns the removed ones.",
    },
  );
  for (const rt of ["range", "range="]) {
    const bounds = (r: Value) => rangeStartLen(r as Range);
    lib.fn(
      "splice",
      ["array", rt, "array"],
      (_ctx, [a, r, x]) => {
        const [s, l] = bounds(r);
        splice(a as Arr, s, l, (x as Arr).slice());
        return undefined;
      },
      { ...edit, doc: "Replaces a range of elements with another array's elements." },
    );
    lib.fn(
      "extract",
      ["array", rt],
      (_ctx, [a, r]) => {
        const [s, l] = bounds(r);
        return extract(a as Arr, s, l);
      },
      { ...pure, doc: "A copy of a range of elements; `x.extract(1..3)`." },
    );
    lib.fn(
      "drain",
      ["array", rt],
      (_ctx, [a, r]) => {
        const [s, l] = bounds(r);
        return drainRange(a as Arr, s, l);
      },
      { ...edit, doc: "Removes a range of elements and returns them." },
    );
    lib.fn(
      "retain",
      ["array", rt],
      (_ctx, [a, r]) => {
        const [s, l] = bounds(r);
        return retainRange(a as Arr, s, l);
      },
      { ...edit, doc: "Keeps only a range of elements; returns the removed ones." },
    );
  }
}

function registerSearch(lib: FunctionLibrary): void {
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
function registerFunctional(lib: FunctionLibrary): void {
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

function registerComparison(lib: FunctionLibrary): void {
  lib.fn("==", ["array", "array"], (ctx, [a, b]) => valuesEqual(ctx, a, b), {
    pure: true,
    doc: "True if both arrays hold equal elements in the same order.",
  });
  lib.fn("!=", ["array", "array"], (ctx, [a, b]) => !valuesEqual(ctx, a, b), {
    pure: true,
    doc: "True if the arrays differ in length or in any element.",
  });
}

export const arrayPackage: Package = (lib) => {
  registerAccess(lib);
  registerSearch(lib);
  registerFunctional(lib);
  registerComparison(lib);
};

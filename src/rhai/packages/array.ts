// Array functions: size, element access, adding and removing, slicing, comparison; and the
// package that registers them with the searching, sorting and callback functions of
// array-search.ts (`map`, `filter`, `reduce`, `sort`, ...).

import type { FunctionLibrary, Package } from "../native.js";
import type { Range, Value } from "../value.js";
import { registerFunctional, registerSearch } from "./array-search.js";
import {
  checkArraySize,
  checkedIndex,
  copyOf,
  num,
  offsetLen,
  rangeStartLen,
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

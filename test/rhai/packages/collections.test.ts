import { describe, expect, it } from "vitest";
import { Blob, Char, Float, FnPtr, Range, u8, type Value } from "../../../src/rhai/value.js";
import { TestEngine } from "./harness.js";

describe("arrays", () => {
  it.each([
    [
      [1, 10],
      [2, 3],
    ],
    [[-3, 1], [1]],
    [
      [-99, 2],
      [1, 2],
    ],
    [[99, 1], []],
  ])("extract([1, 2, 3], %o) = %o", (args, expected) => {
    expect(new TestEngine().call("extract", [1, 2, 3], ...args)).toEqual(expected);
  });

  it("inserts, removes and appends like the reference", () => {
    const e = new TestEngine();
    const x: Value[] = [2, 9];
    e.mutate("insert", x, -1, 1);
    e.mutate("insert", x, 999, 3);
    e.mutate("insert", x, -9, 99);
    expect(e.mutate("remove", x, 2)[0]).toBe(1);
    e.mutate("append", x, [4, 5]);
    expect(x).toEqual([99, 2, 9, 3, 4, 5]);
    const y = [1, 2, 3];
    e.mutate("pad", y, 5, [42]);
    expect(y).toEqual([1, 2, 3, [42], [42]]);
    expect(e.mutate("pop", [])[0]).toBeUndefined();
    expect(e.call("+", [1], [2])).toEqual([1, 2]);
  });

  it("slices in place", () => {
    const e = new TestEngine();
    const x = [1, 2, 3, 4, 5];
    e.mutate("splice", x, 1, 2, [7, 8, 9, 10]);
    expect(x).toEqual([1, 7, 8, 9, 10, 4, 5]);
    const y = [1, 2, 3, 4, 5];
    expect(e.mutate("drain", y, new Range(1, 3, false))[0]).toEqual([2, 3]);
    expect(y).toEqual([1, 4, 5]);
    const z = [1, 2, 3, 4, 5];
    expect(e.mutate("retain", z, 1, 2)[0]).toEqual([1, 4, 5]);
    expect(z).toEqual([2, 3]);
    const w = [1, 2, 3, 4, 5];
    e.mutate("chop", w, 3);
    expect(w).toEqual([3, 4, 5]);
    const v = [1, 2, 3, 4, 5];
    expect(e.mutate("split", v, 2)[0]).toEqual([3, 4, 5]);
    expect(v).toEqual([1, 2]);
  });

  it("runs callbacks with the element as argument, with its index, or as `this`", () => {
    const e = new TestEngine();
    const gt2 = e.define("gt2", 1, (_self, v) => (v as number) > 2);
    const mulIndex = e.define("mul_index", 2, (_self, v, i) => (v as number) * (i as number));
    const addThis = e.define("add_this", 0, (self) => {
      if (self) self.value = (self.value as number) + 41;
      return undefined;
    });
    expect(e.call("filter", [1, 2, 3], gt2)).toEqual([3]);
    expect(e.call("map", [1, 2, 3], mulIndex)).toEqual([0, 2, 6]);
    const x = [1, 2, 3];
    e.mutate("for_each", x, addThis);
    expect(x).toEqual([42, 43, 44]);
    expect(e.call("find", [1, 2, 3], gt2)).toBe(3);
    expect(e.call("some", [1, 2, 3], gt2)).toBe(true);
    expect(e.call("all", [1, 2, 3], gt2)).toBe(false);
    expect(e.call("index_of", [1, 2, 3], gt2)).toBe(2);
  });

  it("calls callbacks in the right shape when the engine knows their arity", () => {
    const e = new TestEngine();
    e.knowsArity = true;
    // Without the arity, the first try binds the element to `this`; with it, no try is made.
    let thisCalls = 0;
    const withThis = e.ctx.callFnPtrWithThis;
    Object.assign(e.ctx, {
      callFnPtrWithThis: (...a: Parameters<NonNullable<typeof withThis>>) => {
        thisCalls++;
        return withThis?.(...a);
      },
    });
    const gt2 = e.define("gt2", 1, (_self, v) => (v as number) > 2);
    const mulIndex = e.define("mul_index", 2, (_self, v, i) => (v as number) * (i as number));
    expect(e.call("filter", [1, 2, 3], gt2)).toEqual([3]);
    expect(thisCalls).toBe(0);
    expect(e.call("map", [1, 2, 3], mulIndex)).toEqual([0, 2, 6]);
    const sum = e.define("sum", 2, (_self, s, v) => ((s as number) ?? 0) + (v as number));
    expect(e.call("reduce", [1, 2, 3], sum, 0)).toBe(6);
  });

  it("reduces from either end", () => {
    const e = new TestEngine();
    const sumSquares = e.define(
      "sq",
      2,
      (_self, sum, v) => (sum === undefined ? 0 : (sum as number)) + (v as number) ** 2,
    );
    const withIndex = e.define(
      "sqi",
      3,
      (_self, sum, v, i) => (i === 2 ? 10 : ((sum as number) ?? 0)) + (v as number) ** 2,
    );
    expect(e.call("reduce", [1, 2, 3], sumSquares)).toBe(14);
    expect(e.call("reduce_rev", [1, 2, 3], sumSquares)).toBe(14);
    expect(e.call("reduce_rev", [1, 2, 3], withIndex)).toBe(24);
    expect(e.call("reduce", [], sumSquares, 5)).toBe(5);
  });

  it("wraps errors raised inside callbacks", () => {
    const e = new TestEngine();
    const boom = e.define("boom", 1, () => e.call("abs", -(2n ** 63n)));
    expect(() => e.call("map", [1], boom)).toThrow(
      expect.objectContaining({ code: "ErrorInFunctionCall" }),
    );
  });

  it("finds values and function names", () => {
    const e = new TestEngine();
    e.define("is_two", 1, (_self, v) => v === 2);
    expect(e.call("index_of", [1, 2, 3], 2)).toBe(1);
    expect(e.call("index_of", ["hi", "hello", "world"], "hello")).toBe(1);
    expect(e.call("index_of", ["a", "b", "c", "b"], "b", 2)).toBe(3);
    expect(e.call("index_of", ["a", "b"], "missing")).toBe(-1);
    expect(e.call("index_of", [1, 2, 3], "foo")).toBe(-1);
    expect(e.call("index_of", [1, 2, 3, 2], "is_two")).toBe(1);
    expect(e.call("index_of", [1, 2, 3, 2], "is_two", 2)).toBe(3);
    expect(e.call("contains", [1, new Float(2), "x"], 2)).toBe(true);
    expect(e.call("contains", [1, 2], "x")).toBe(false);
  });

  it("sorts with and without a comparer, and dedups", () => {
    const e = new TestEngine();
    const x = [3, 1, 2];
    e.mutate("sort", x);
    expect(x).toEqual([1, 2, 3]);
    e.mutate("sort_desc", x);
    expect(x).toEqual([3, 2, 1]);
    const rev = e.define("rev", 2, (_self, a, b) => (b as number) - (a as number));
    const y = [1, 3, 5, 2, 4];
    e.mutate("sort", y, rev);
    expect(y).toEqual([5, 4, 3, 2, 1]);
    expect(() => e.mutate("sort", [1, "a"])).toThrow(
      expect.objectContaining({ code: "ErrorFunctionNotFound" }),
    );
    const d = [1, 2, 2, 2, 3, 4, 3, 3, 2, 1];
    e.mutate("dedup", d);
    expect(d).toEqual([1, 2, 3, 4, 3, 2, 1]);
    const s = [new Char("b"), new Char("a")];
    e.mutate("sort", s);
    expect(s).toEqual([new Char("a"), new Char("b")]);
  });

  it("binds the element to `this` and passes the index to for_each", () => {
    const e = new TestEngine();
    const addIndex = e.define("add_index", 1, (self, i) => {
      if (!self) throw new Error("for_each must bind this");
      self.value = (self.value as number) + (i as number);
      return undefined;
    });
    const x = [1, 2, 3];
    e.mutate("for_each", x, addIndex);
    expect(x).toEqual([1, 3, 5]);
  });

  it("dedups with a comparer given (previous, next)", () => {
    const e = new TestEngine();
    const declining = e.define("declining", 2, (_self, a, b) => (a as number) >= (b as number));
    const x = [1, 2, 2, 2, 3, 1, 2, 3, 4, 3, 3, 2, 1];
    e.mutate("dedup", x, declining);
    expect(x).toEqual([1, 2, 3, 4]);
  });

  it("zips", () => {
    const e = new TestEngine();
    const add = e.define("add2", 2, (_self, a, b) => (a as number) + (b as number));
    expect(e.call("zip", [1, 2, 3, 4, 5], [9, 8, 7, 6], add)).toEqual([10, 10, 10, 10]);
  });

  it("refuses to grow past the array size limit", () => {
    const e = new TestEngine();
    e.limits.maxArraySize = 3;
    expect(() => e.mutate("pad", [1], 10, 0)).toThrow(
      expect.objectContaining({ code: "ErrorDataTooLarge" }),
    );
    expect(() => e.mutate("push", [1, 2, 3], 4)).toThrow(
      expect.objectContaining({ code: "ErrorDataTooLarge" }),
    );
  });
});

describe("object maps", () => {
  const m = () =>
    new Map<string, Value>([
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ]);
  it("reads and edits properties", () => {
    const e = new TestEngine();
    const x = m();
    expect(e.mutate("remove", x, "c")[0]).toBe(3);
    expect(e.call("len", x)).toBe(2);
    e.mutate(
      "mixin",
      x,
      new Map<string, Value>([
        ["b", 42],
        ["d", 9],
      ]),
    );
    expect(x.get("b")).toBe(42);
    e.mutate(
      "fill_with",
      x,
      new Map<string, Value>([
        ["b", 0],
        ["z", 1],
      ]),
    );
    expect(x.get("b")).toBe(42);
    expect(x.get("z")).toBe(1);
    expect(e.call("keys", m())).toEqual(["a", "b", "c"]);
    expect(e.call("values", m())).toEqual([1, 2, 3]);
    expect(e.call("contains", m(), "b")).toBe(true);
    expect(e.call("get", m(), "q")).toBeUndefined();
    expect(e.call("==", m(), m())).toBe(true);
  });

  it("filters, drains and retains with key and value", () => {
    const e = new TestEngine();
    const small = e.define("small", 2, (_self, _k, v) => (v as number) < 3);
    expect([...(e.call("filter", m(), small) as Map<string, Value>).keys()]).toEqual(["a", "b"]);
    const x = m();
    const drained = e.mutate("drain", x, small)[0] as Map<string, Value>;
    expect([...drained.keys()]).toEqual(["a", "b"]);
    expect([...x.keys()]).toEqual(["c"]);
  });

  it("writes JSON", () => {
    const e = new TestEngine();
    const inner = new Map<string, Value>([["b", 42]]);
    expect(e.call("to_json", new Map<string, Value>([["a", [inner]]]))).toBe('{"a":[{"b":42}]}');
    expect(e.call("to_json", new Map<string, Value>([["a", [new FnPtr("abc")]]]))).toBe(
      '{"a":["abc"]}',
    );
    expect(e.call("to_json", new Map<string, Value>([["a", [new FnPtr("abc", [42, 123])]]]))).toBe(
      '{"a":[["abc",42,123]]}',
    );
    expect(
      e.call(
        "to_json",
        new Map<string, Value>([
          ["x", undefined],
          ["f", new Float(1)],
        ]),
      ),
    ).toBe('{"f":1.0,"x":null}');
    const odd = new Map<string, Value>([
      ["b", new Blob([1, 2])],
      ["c", new Char("'")],
    ]);
    expect(e.call("to_json", odd)).toBe(`{"b":[1,2],"c":'\\''}`);
  });

  it("parses JSON", () => {
    const e = new TestEngine();
    const v = e.call(
      "parse_json",
      '{"a": [1, 2.5, null, true], "b": {"c": "x"}, "big": 9223372036854775807}',
    );
    const map = v as Map<string, Value>;
    expect(map.get("a")).toEqual([1, new Float(2.5), undefined, true]);
    expect((map.get("b") as Map<string, Value>).get("c")).toBe("x");
    expect(map.get("big")).toBe(9223372036854775807n);
    expect(() => e.call("parse_json", "{")).toThrow();
  });
});

describe("blobs", () => {
  const counting = () => new Blob(Array.from({ length: 16 }, (_, i) => i));
  it.each([
    [[2, 0], 0],
    [[2, 9], 650777868590383874n],
    [[new Range(2, 11, true)], 650777868590383874n],
    [[new Range(2, 11, false)], 650777868590383874n],
    [[-5, 99], 64660245515],
    [[-5, 2], 3083],
    [[-99, 99], 506097522914230528n],
  ])("parse_le_int(%o) = %o", (args, expected) => {
    expect(new TestEngine().call("parse_le_int", counting(), ...(args as never[]))).toBe(expected);
  });

  it("parses big-endian integers", () => {
    const e = new TestEngine();
    expect(e.call("parse_be_int", counting(), 2, 10)).toBe(144964032628459529n);
    expect(e.call("parse_be_int", counting(), new Range(2, 12, false))).toBe(144964032628459529n);
  });

  it("writes numbers and text", () => {
    const e = new TestEngine();
    const x = counting();
    e.mutate("write_be", x, 3, 3, -98765432);
    expect(e.call("parse_be_int", x, 3, 3)).toBe(-1099511627776);
    const y = counting();
    e.mutate("write_le", y, new Range(3, 5, true), -98765432);
    expect(e.call("parse_le_int", y, 3, 3)).toBe(1897864);
    const z = new Blob(new Array(16).fill(0));
    e.mutate("write_be", z, 0, 8, 0x1234567890abcdefn);
    e.mutate("write_be", z, 8, 8, BigInt.asIntN(64, 0xabcdef1234567890n));
    expect(z.bytes).toEqual([
      18, 52, 86, 120, 144, 171, 205, 239, 171, 205, 239, 18, 52, 86, 120, 144,
    ]);
    const a = new Blob(new Array(10).fill(0));
    e.mutate(
      "write_ascii",
      a,
      new Range(0, 9, false),
      "\u2764 hello, \u2764 world! \u2764\u2764\u2764",
    );
    expect(a.bytes).toEqual([32, 104, 101, 108, 108, 111, 44, 32, 32, 0]);
    const u = new Blob(new Array(10).fill(0));
    e.mutate("write_utf8", u, new Range(3, 7, false), "\u2764\u2764\u2764\u2764");
    expect(u.bytes).toEqual([0, 0, 0, 226, 157, 164, 226, 0, 0, 0]);
    const fl = new Blob(new Array(8).fill(0));
    e.mutate("write_le", fl, 0, 8, new Float(1.5));
    expect(e.call("parse_le_float", fl, 0, 8)).toEqual(new Float(1.5));
  });

  it("creates, edits and converts", () => {
    const e = new TestEngine();
    expect(e.call("blob", 3, 0x1ff)).toEqual(new Blob([255, 255, 255]));
    const b = new Blob([1, 2]);
    e.mutate("push", b, 300);
    expect(b.bytes).toEqual([1, 2, 44]);
    expect(e.call("get", b, -1)).toBe(44);
    expect(e.call("get", b, 9)).toBe(0);
    expect(e.call("as_string", new Blob([104, 105]))).toBe("hi");
    expect(e.call("to_array", new Blob([1, 2]))).toEqual([1, 2]);
    // A blob walks as the reference's `u8` values, not integers (indexing gives integers).
    expect(e.iterate(new Blob([7, 8]))).toEqual([u8(7), u8(8)]);
    expect(e.call("+", "x", new Blob([104, 105]))).toBe("xhi");
  });
});

describe("value semantics", () => {
  it("pads with independent copies of an array", () => {
    const e = new TestEngine();
    const matrix: Value[] = [];
    e.mutate("pad", matrix, 2, [0, 0]);
    (matrix[0] as Value[])[0] = 9;
    expect(matrix[1]).toEqual([0, 0]);
  });

  it("never shares an element between a container and what is read out of it", () => {
    const e = new TestEngine();
    const inner = [1];
    const outer: Value[] = [];
    e.mutate("push", outer, inner);
    inner.push(2);
    expect(outer).toEqual([[1]]);
    const got = e.call("get", outer, 0) as Value[];
    got.push(3);
    expect(outer).toEqual([[1]]);
  });
});

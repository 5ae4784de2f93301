import { describe, expect, test } from "vitest";
import { fromPlain, jsonText, toPlain } from "../../src/host/index.js";
import { Blob, Char, Float, FnPtr, u8 } from "../../src/rhai/index.js";

describe("fromPlain", () => {
  test("JSON-shaped data: null is (), whole numbers INT, others FLOAT, objects maps", () => {
    expect(fromPlain(null)).toBeUndefined();
    expect(fromPlain(undefined)).toBeUndefined();
    expect(fromPlain(3)).toBe(3);
    expect(fromPlain(1.5)).toEqual(new Float(1.5));
    expect(fromPlain({ a: [1, "x", true] })).toEqual(new Map([["a", [1, "x", true]]]));
  });

  test("driver values: bigints exactly within i64, dates as ISO text, bytes as a blob", () => {
    expect(fromPlain(9007199254740993n)).toBe(9007199254740993n);
    expect(fromPlain(7n)).toBe(7);
    expect(fromPlain(2n ** 70n)).toBe(String(2n ** 70n));
    expect(fromPlain(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(fromPlain(Buffer.from([1, 2]))).toEqual(new Blob([1, 2]));
    const f = new Float(2);
    expect(fromPlain(f)).toBe(f);
  });
});

describe("toPlain", () => {
  test("a script's value as JSON-shaped data", () => {
    const v = new Map<string, unknown>([
      ["n", undefined],
      ["f", new Float(2.5)],
      ["c", new Char("z")],
      ["big", 9007199254740993n],
      ["list", [1, "a"]],
      // A byte a `for` loop took from a blob.
      ["byte", u8(200)],
    ]);
    expect(toPlain(v as never)).toEqual({
      n: null,
      f: 2.5,
      c: "z",
      big: "9007199254740993",
      list: [1, "a"],
      byte: 200,
    });
  });

  test("what JSON cannot hold is an error naming where it is, unless an option says", () => {
    const v = new Map([["k", [new Blob([1])]]]);
    expect(() => toPlain(v, "params")).toThrow("params.k[0] cannot be sent as JSON: blob");
    expect(() => toPlain(new FnPtr("f"), "p")).toThrow(
      "p cannot be sent as JSON: a function pointer",
    );
    expect(toPlain(v, "params", { blob: (b) => b.length })).toEqual({ k: [1] });
  });

  test('a key such as "__proto__" stays a field', () => {
    const plain = toPlain(new Map([["__proto__", 1]])) as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(["__proto__"]);
    expect(jsonText(plain)).toBe('{"__proto__":1}');
  });
});

describe("jsonText", () => {
  test("bigints print their digits; the rest as JSON.stringify", () => {
    const plain = toPlain(new Map([["id", 9007199254740993n]]), "row", { bigints: true });
    expect(jsonText(plain)).toBe('{"id":9007199254740993}');
    expect(jsonText([null, "a", 1.5, Number.NaN])).toBe('[null,"a",1.5,null]');
  });
});

import { describe, expect, test } from "vitest";
import { fromJson, toJson } from "../../src/osiris/index.js";
import { Blob, Char, Float, FnPtr, type Value } from "../../src/rhai/index.js";

describe("Rhai values as JSON", () => {
  test("INT and FLOAT stay apart, even when the float is whole", () => {
    const text = toJson([2, new Float(2), new Float(0.5), -7, new Float(-1e21)]);
    expect(text).toBe("[2,2.0,0.5,-7,-1e+21]");
    const back = fromJson(text) as Value[];
    expect(back[0]).toBe(2);
    expect(back[1]).toBeInstanceOf(Float);
    expect((back[1] as Float).value).toBe(2);
    expect((back[4] as Float).value).toBe(-1e21);
  });

  test("i64 beyond 2^53 keeps every digit", () => {
    const big = 9223372036854775807n;
    expect(toJson(big)).toBe("9223372036854775807");
    expect(fromJson("9223372036854775807")).toBe(big);
    expect(fromJson("-9007199254740993")).toBe(-9007199254740993n);
    // Beyond i64 only a FLOAT can hold it.
    expect(fromJson("9223372036854775808")).toBeInstanceOf(Float);
  });

  test("maps, arrays, strings with escapes, unit and bools round-trip", () => {
    const value = new Map<string, Value>([
      ["s", 'quote " backslash \\ newline \n emoji 😀'],
      ["u", undefined],
      ["b", [true, false]],
      ["m", new Map<string, Value>([["empty", []]])],
      ["c", new Char("x")],
    ]);
    const back = fromJson(toJson(value)) as Map<string, Value>;
    expect(back.get("s")).toBe(value.get("s"));
    expect(back.has("u")).toBe(true);
    expect(back.get("u")).toBeUndefined();
    expect(back.get("b")).toEqual([true, false]);
    expect((back.get("m") as Map<string, Value>).get("empty")).toEqual([]);
    expect(back.get("c")).toBe("x");
  });

  test("what JSON cannot hold is refused with the place it was found", () => {
    expect(() => toJson(new Map([["data", new Blob([1])]]), "Obj")).toThrow(/Obj\.data is a blob/);
    expect(() => toJson([new FnPtr("f")])).toThrow(/value\[0\] is a Fn/);
    expect(() => toJson(new Float(Number.NaN))).toThrow(/NaN/);
  });

  test("malformed text is an error, not a guess", () => {
    expect(() => fromJson("{")).toThrow(/invalid JSON/);
    expect(() => fromJson('{"a":1,}')).toThrow(/invalid JSON/);
    expect(() => fromJson("[1] x")).toThrow(/after the value/);
    expect(() => fromJson("01")).toThrow(/invalid JSON/);
  });
});

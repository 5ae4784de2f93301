import { describe, expect, it } from "vitest";
import { Char, Float, Range } from "../../../src/rhai/value.js";
import { TestEngine } from "./harness.js";

const f = (x: number) => new Float(x);

describe("arithmetic and logic", () => {
  const e = new TestEngine();
  it.each([
    ["abs", [-42], 42],
    ["abs", [-9223372036854775807n], 9223372036854775807n],
    ["sign", [-7], -1],
    ["sign", [0], 0],
    ["is_even", [10], true],
    ["is_odd", [-3], true],
    ["is_zero", [0], true],
    ["max", [42, 123], 123],
    ["min", [42, 123], 42],
    ["max", ["hello", "world"], "world"],
    ["min", [new Char("h"), new Char("w")], new Char("h")],
  ])("%s(%o) = %o", (name, args, expected) => {
    expect(e.call(name as string, ...(args as never[]))).toEqual(expected);
  });

  it("abs of i64::MIN overflows", () => {
    expect(() => e.call("abs", -(2n ** 63n))).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
  });

  it("mixes integers and floats in min/max", () => {
    expect(e.call("max", 1, f(2.5))).toEqual(f(2.5));
    expect(e.call("min", f(1.5), 3)).toEqual(f(1.5));
  });

  it("refuses the sign of NaN", () => {
    expect(() => e.call("sign", f(Number.NaN))).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
  });
});

describe("math", () => {
  const e = new TestEngine();
  it("trigonometry and constants", () => {
    expect((e.call("sin", f(Math.PI / 6)) as Float).value).toBeCloseTo(0.5, 10);
    expect(e.call("PI")).toEqual(f(Math.PI));
    expect(e.call("E")).toEqual(f(Math.E));
    expect(e.call("log", f(100))).toEqual(f(2));
    expect((e.call("log", f(8), f(2)) as Float).value).toBeCloseTo(3, 12);
  });

  it.each([
    ["round", 2.5, 3],
    ["round", -2.5, -3],
    ["floor", -1.5, -2],
    ["ceiling", 1.2, 2],
    ["int", -1.7, -1],
    ["fraction", 1.25, 0.25],
  ])("%s(%d) = %d", (name, x, expected) => {
    expect(e.call(name, f(x))).toEqual(f(expected));
  });

  it("parses integers with a radix", () => {
    expect(e.call("parse_int", "42")).toBe(42);
    expect(e.call("parse_int", "42", 16)).toBe(66);
    expect(e.call("parse_int", "abcdef", 16)).toBe(11259375);
    expect(e.call("parse_int", " -17 ")).toBe(-17);
    expect(e.call("parse_int", "9223372036854775807")).toBe(9223372036854775807n);
    expect(() => e.call("parse_int", "12x")).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
    expect(() => e.call("parse_int", "1", 37)).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
    expect(() => e.call("parse_int", "9223372036854775808")).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
  });

  it("parses floats", () => {
    expect(e.call("parse_float", "9.9999")).toEqual(f(9.9999));
    expect(e.call("parse_float", "1e3")).toEqual(f(1000));
    expect(() => e.call("parse_float", "abc")).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
  });

  it("converts between types", () => {
    expect(e.call("to_int", new Char("h"))).toBe(104);
    expect(e.call("to_int", f(-3.9))).toBe(-3);
    expect(e.call("to_float", 42)).toEqual(f(42));
    expect(() => e.call("to_int", f(1e30))).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
  });
});

describe("bit fields", () => {
  const e = new TestEngine();
  it("reads bits and runs of bits", () => {
    expect(e.call("get_bit", 10, 1)).toBe(true);
    expect(e.call("get_bit", 10, -1)).toBe(false);
    expect(e.call("get_bits", 10, 1, 3)).toBe(5);
    expect(e.call("get_bits", 255, -60, 2)).toBe(3);
    expect(e.call("get_bits", 10, new Range(1, 3, true))).toBe(5);
    expect(() => e.call("get_bit", 10, 64)).toThrow(
      expect.objectContaining({ code: "ErrorBitFieldBounds" }),
    );
  });

  it("writes bits in place", () => {
    expect(e.mutate("set_bits", 10, 1, 3, 7)[1]).toBe(14);
    expect(e.mutate("set_bits", 0, -64, 1, 15)[1]).toBe(1);
    expect(e.mutate("set_bits", 0, -60, 2, 15)[1]).toBe(48);
    expect(e.mutate("set_bit", 10, 0, true)[1]).toBe(11);
    expect(e.mutate("set_bit", 0, 63, true)[1]).toBe(-(2n ** 63n));
  });

  it("iterates bits", () => {
    const x = 0b001101101010001;
    const count = (it: unknown) => e.iterate(it as never).filter((b) => b === true).length;
    expect(count(e.call("bits", x, 2, 10))).toBe(5);
    expect(count(e.call("bits", x, new Range(2, 11, true)))).toBe(5);
    expect(e.iterate(e.call("bits", 5) as never)).toHaveLength(64);
  });
});

describe("ranges", () => {
  const e = new TestEngine();
  const sum = (v: unknown) => e.iterate(v as never).reduce<number>((s, x) => s + Number(x), 0);
  const fsum = (v: unknown) =>
    e.iterate(v as never).reduce<number>((s, x) => s + (x as Float).value, 0);
  it.each([
    [[1, 10, 2], 25],
    [[10, 1, 2], 0],
    [[1, 10, -2], 0],
    [[10, 1, -2], 30],
    [[9223372036854775807n, 0, 9223372036854775807n], 0],
  ])("range(%o) sums to %d", (args, expected) => {
    expect(sum(e.call("range", ...(args as number[])))).toBe(expected);
  });
  it("walks float ranges", () => {
    expect(fsum(e.call("range", f(1), f(10), f(2)))).toBe(25);
    expect(fsum(e.call("range", f(10), f(1), f(-2)))).toBe(30);
    expect(fsum(e.call("range", f(1), f(10), f(-2)))).toBe(0);
  });
  it("refuses a zero step", () => {
    expect(() => e.call("range", 1, 10, 0)).toThrow(
      expect.objectContaining({ code: "ErrorInFunctionCall" }),
    );
  });
  it("plain ranges and their properties", () => {
    const r = e.call("range", 1, 6);
    expect(r).toEqual(new Range(1, 6, false));
    expect(sum(r)).toBe(15);
    expect(sum(new Range(1, 10, true))).toBe(55);
    expect(e.call("contains", new Range(1, 10, true), 10)).toBe(true);
    expect(e.call("contains", new Range(1, 10, false), 10)).toBe(false);
    expect(e.call("is_empty", new Range(3, 3, false))).toBe(true);
    expect(e.call("get$end", new Range(3, 7, true))).toBe(7);
  });
});

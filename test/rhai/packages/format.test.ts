import { describe, expect, it } from "vitest";
import { toDebug, toDisplay } from "../../../src/rhai/format.js";
import { Blob, Char, Float, FnPtr, Range, Timestamp, type Value } from "../../../src/rhai/value.js";

const f = (x: number) => new Float(x);

describe("toDisplay (print, to_string, interpolation)", () => {
  it.each<[Value, string]>([
    [undefined, ""],
    [42, "42"],
    [-(2n ** 63n), "-9223372036854775808"],
    [true, "true"],
    ["hi", "hi"],
    [new Char("x"), "x"],
    [f(1), "1.0"],
    [f(-0), "0.0"],
    [f(123.456), "123.456"],
    [f(1e-7), "0.0000001"],
    [f(1e13), "10000000000000.0"],
    [f(1e14), "1e14"],
    [f(1.5e-14), "1.5e-14"],
    [f(Number.NaN), "NaN"],
    [f(Number.POSITIVE_INFINITY), "inf"],
    [[1, "a", new Char("b"), f(2), undefined], '[1, "a", b, 2.0, ()]'],
    [
      new Map<string, Value>([
        ["b", 2],
        ["a", "x"],
      ]),
      '#{"a": "x", "b": 2}',
    ],
    [new Blob([1, 2, 3, 4, 5, 6, 7, 8, 255]), "[0102030405060708 ff]"],
    [new Range(1, 5, false), "1..5"],
    [new Range(1, 5, true), "1..=5"],
    [new Range(2, 2n ** 63n - 1n, false), "2.."],
    [new FnPtr("foo"), "Fn(foo)"],
    [new Timestamp(0), "<timestamp>"],
  ])("%o prints as %s", (v, text) => {
    expect(toDisplay(v)).toBe(text);
  });
});

describe("toDebug (debug, elements of containers)", () => {
  it.each<[Value, string]>([
    [undefined, "()"],
    ['a"b\\\n\t', '"a\\"b\\\\\\n\\t"'],
    ["it's", '"it\'s"'],
    ["\u0001", '"\\u{1}"'],
    [new Char("'"), "'"],
    [f(1), "1.0"],
    [f(-0), "-0.0"],
    [f(1e15), "1000000000000000.0"],
    [f(1e16), "1e16"],
    [f(0.0001), "0.0001"],
    [f(0.00001), "1e-5"],
  ])("%o debugs as %s", (v, text) => {
    expect(toDebug(v)).toBe(text);
  });
});

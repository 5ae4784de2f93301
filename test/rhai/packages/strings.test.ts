import { describe, expect, it } from "vitest";
import { Blob, Char, Float, FnPtr, Range } from "../../../src/rhai/value.js";
import { TestEngine } from "./harness.js";

const heart = "\u2764";
const hello = `${heart}${heart}${heart} hello! ${heart}${heart}${heart}`;

describe("string functions", () => {
  const e = new TestEngine();
  it("measures in characters and bytes", () => {
    expect(e.call("len", "héllo")).toBe(5);
    expect(e.call("get$len", "😃ab")).toBe(3);
    expect(e.call("bytes", "héllo")).toBe(6);
    expect(e.call("is_empty", "")).toBe(true);
  });

  it.each([
    [[hello, -2, 2], `${heart}${heart}`],
    [[hello, 1, 5], `${heart}${heart} he`],
    [[hello, 1], `${heart}${heart} hello! ${heart}${heart}${heart}`],
    [[hello, 99], ""],
    [[hello, 1, -1], ""],
    [[hello, 1, 999], `${heart}${heart} hello! ${heart}${heart}${heart}`],
    [["hello, world!", new Range(3, 7, false)], "lo, "],
    [["hello, world!", new Range(3, 7, true)], "lo, w"],
  ])("sub_string(%o) = %o", (args, expected) => {
    expect(e.call("sub_string", ...(args as never[]))).toBe(expected);
  });

  it("crops in place", () => {
    expect(e.mutate("crop", hello, 1, -1)[1]).toBe("");
    expect(e.mutate("crop", hello, 4, 6)[1]).toBe("hello!");
    expect(e.mutate("crop", "hello", new Range(0, 2n ** 63n - 1n, false))[1]).toBe("hello");
    expect(e.mutate("crop", "hello, world!", -5, 3)[1]).toBe("orl");
  });

  it.each([
    [[hello, new Char(heart)], 0],
    [[hello, new Char(heart), 5], 11],
    [[hello, new Char(heart), -6], 11],
    [[hello, new Char(heart), 999], -1],
    [[hello, new Char("x")], -1],
    [["hello, world! hello, foobar!", "ll", 5], 16],
    [["hello, world! hello, foobar!", "ll", -15], 16],
  ])("index_of(%o) = %d", (args, expected) => {
    expect(e.call("index_of", ...(args as never[]))).toBe(expected);
  });

  it("splits as the reference does", () => {
    expect(e.call("split", hello, new Char(" "))).toHaveLength(3);
    expect(e.call("split", hello, "hello")).toHaveLength(2);
    expect(e.call("split", "a,b,c", ",", 2)).toEqual(["a", "b,c"]);
    expect(e.call("split", "a b  c")).toEqual(["a", "b", "c"]);
    expect(e.call("split", "a,b,c", 3)).toEqual(["a,b", ",c"]);
    expect(e.call("split", "hello, world!", -6)).toEqual(["hello, ", "world!"]);
    expect(e.call("split_rev", "a,b,c", ",")).toEqual(["c", "b", "a"]);
    expect(e.call("split_rev", "hello, world! hello, foo!", "ll", 2)).toEqual([
      "o, foo!",
      "hello, world! he",
    ]);
    expect(e.call("split", "abc", "x")).toEqual(["abc"]);
  });

  it("edits in place", () => {
    expect(e.mutate("replace", "hello, world!", "l", new Char("*"))[1]).toBe("he**o, wor*d!");
    expect(e.mutate("pad", "hello", 8, new Char("!"))[1]).toBe("hello!!!");
    // Padding stops at exactly `len` characters, cutting the pad string.
    expect(e.mutate("pad", "hello", 10, "(!)")[1]).toBe("hello(!)(!");
    expect(e.mutate("truncate", "hello, world!", 5)[1]).toBe("hello");
    expect(e.mutate("trim", "  hi  ")[1]).toBe("hi");
    expect(e.mutate("remove", "hello, world! hello", "hello")[1]).toBe(", world! ");
    expect(e.mutate("clear", "hello")[1]).toBe("");
    expect(e.mutate("pop", "hello")).toEqual([new Char("o"), "hell"]);
    expect(e.mutate("pop", "hello, world!", 4)).toEqual(["rld!", "hello, wo"]);
    expect(e.mutate("set", "hello", -1, new Char("!"))[1]).toBe("hell!");
    expect(e.mutate("make_upper", "abc")[1]).toBe("ABC");
    expect(e.mutate("-=", hello, new Char("l"))[1]).toBe(
      `${heart}${heart}${heart} heo! ${heart}${heart}${heart}`,
    );
    expect(e.mutate("-=", hello, `${heart}${heart}`)[1]).toBe(`${heart} hello! ${heart}`);
  });

  it("refuses padding beyond the string size limit", () => {
    const limited = new TestEngine();
    limited.limits.maxStringSize = 10;
    expect(() => limited.mutate("pad", "abc", 20, new Char("x"))).toThrow(
      expect.objectContaining({ code: "ErrorDataTooLarge" }),
    );
  });

  it("concatenates any value as text", () => {
    expect(e.call("+", "foo", 123)).toBe("foo123");
    expect(e.call("+", "foo", new Float(123.4556))).toBe("foo123.4556");
    expect(e.call("+", 42, " is it")).toBe("42 is it");
    expect(e.call("+", "x", [1, "a"])).toBe('x[1, "a"]');
    expect(e.mutate("append", "a", new Char("b"))[1]).toBe("ab");
    expect(e.call("to_string", 42)).toBe("42");
    expect(e.call("to_debug", "a\n")).toBe('"a\\n"');
    expect(e.call("to_hex", -1)).toBe("ffffffffffffffff");
    expect(e.call("to_binary", 5)).toBe("101");
  });

  it("converts to chars and blobs and iterates characters", () => {
    expect(e.call("to_chars", "ab")).toEqual([new Char("a"), new Char("b")]);
    expect(e.call("to_blob", "é")).toEqual(new Blob([0xc3, 0xa9]));
    const codes = (v: unknown) => e.iterate(v as never).map((c) => (c as Char).value.charCodeAt(0));
    expect(codes(e.call("chars", "hello")).reduce((a, b) => a + b)).toBe(532);
    expect(codes(e.call("chars", "hello", new Range(2, 3, true))).reduce((a, b) => a + b)).toBe(
      216,
    );
    expect(e.iterate("h😃")).toEqual([new Char("h"), new Char("😃")]);
  });

  it("knows function pointer names", () => {
    expect(e.call("name", new FnPtr("foo"))).toBe("foo");
    expect(e.call("is_anonymous", new FnPtr("foo"))).toBe(false);
    expect(e.call("is_anonymous", new FnPtr("anon$1"))).toBe(true);
  });
});

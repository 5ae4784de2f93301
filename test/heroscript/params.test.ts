// Typed access to parameters: each type's accepted spellings and its error for the others.
import { describe, expect, test } from "vitest";
import { type Params, parseParams } from "../../src/heroscript/index.js";

const p = (text: string): Params => parseParams(text);

describe("typed access", () => {
  test.each<[string, (ps: Params) => unknown, unknown]>([
    ["string", (ps) => ps.get("x"), "hello"],
    ["int", (ps) => ps.getInt("n"), 42],
    ["negative int", (ps) => ps.getInt("neg"), -3],
    ["bool true/yes/1", (ps) => ["t", "y", "one"].map((k) => ps.getBool(k)), [true, true, true]],
    [
      "bool false/no/0",
      (ps) => ["f", "no", "zero"].map((k) => ps.getBool(k)),
      [false, false, false],
    ],
    ["list", (ps) => ps.getList("ids"), ["1", "2", "3"]],
    ["a single value is a list of one", (ps) => ps.getList("x"), ["hello"]],
    ["duration 30s", (ps) => ps.getDuration("d1"), 30_000],
    ["duration 1h30m", (ps) => ps.getDuration("d2"), 5_400_000],
    ["duration 500ms", (ps) => ps.getDuration("d3"), 500],
    ["duration: a bare number is seconds", (ps) => ps.getDuration("n"), 42_000],
    ["size 10kb (KB is 1024, as upstream)", (ps) => ps.getSize("s1"), 10_240],
    ["size 4MiB", (ps) => ps.getSize("s2"), 4 * 1024 * 1024],
    ["size: a bare number is bytes", (ps) => ps.getSize("n"), 42],
    [
      "fallbacks for missing keys",
      (ps) => [ps.get("absent", "d"), ps.getInt("absent", 1), ps.getBool("absent", true)],
      ["d", 1, true],
    ],
    ["one of several spellings", (ps) => ps.getOneOf(["val", "x"]), "hello"],
  ])("%s", (_, read, expected) => {
    const ps = p(
      "x:hello n:42 neg:-3 t:true y:YES one:1 f:false no:no zero:0 ids:1,2,3 d1:30s d2:1h30m d3:500ms s1:10kb s2:4MiB",
    );
    expect(read(ps)).toEqual(expected);
  });

  test.each<[string, (ps: Params) => unknown, string]>([
    ["missing", (ps) => ps.get("nope"), "missing parameter 'nope'"],
    [
      "missing, several spellings",
      (ps) => ps.getOneOf(["val", "value"]),
      "missing parameter 'val' or 'value'",
    ],
    ["not an int", (ps) => ps.getInt("x"), "parameter 'x' must be an integer, got 'hello'"],
    [
      "a fraction is not an int",
      (ps) => ps.getInt("f"),
      "parameter 'f' must be an integer, got '1.5'",
    ],
    [
      "not a bool",
      (ps) => ps.getBool("x"),
      "parameter 'x' must be a boolean (true/false, yes/no, 1/0), got 'hello'",
    ],
    [
      "not a duration",
      (ps) => ps.getDuration("x"),
      "parameter 'x' must be a duration such as 30s, 5m, 1h30m or 500ms, got 'hello'",
    ],
    [
      "not a size",
      (ps) => ps.getSize("bad"),
      "parameter 'bad' must be a size such as 512, 10KB or 4MB, got '10 parsecs'",
    ],
  ])("%s", (_, read, message) => {
    const ps = p("x:hello f:1.5 bad:'10 parsecs'");
    expect(() => read(ps)).toThrow(message);
  });

  test("keys are looked up without regard to case", () => {
    expect(p("Name:x").get("NAME")).toBe("x");
  });
});

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

describe("herolib's getters at their edges", () => {
  test.each<[string, string, (ps: Params) => unknown, unknown]>([
    ["percentage 0", "p:0", (ps) => ps.getPercentage("p"), 0],
    ["percentage 100", "p:100%", (ps) => ps.getPercentage("p"), 1],
    ["float with %", "f:50%", (ps) => ps.getFloat("f"), 0.5],
    ["u8 255", "n:255", (ps) => ps.getU8("n"), 255],
    ["u64 at its top, exact", "n:18446744073709551615", (ps) => ps.getU64("n"), 2n ** 64n - 1n],
    ["u8 list", "l:0, 255", (ps) => ps.getListU8("l"), [0, 255]],
    ["i8 list", "l:-128,127", (ps) => ps.getListI8("l"), [-128, 127]],
    [
      "list of names",
      "l:'My Item', other-Thing",
      (ps) => ps.getListNamefix("l"),
      ["my_item", "other_thing"],
    ],
    ["a quoted comma list", "hosts:'h1,h2,h3'", (ps) => ps.getList("hosts"), ["h1", "h2", "h3"]],
    ["default true: YES", "b:YES", (ps) => ps.getDefaultTrue("b"), true],
    ["default false: True", "b:True", (ps) => ps.getDefaultFalse("b"), true],
    ["e-mail", "e:'John <John@Example.com>'", (ps) => ps.getEmail("e"), "john@example.com"],
    ["telephone", "t:'+32 (478) 12-34.56'", (ps) => ps.getTelnr("t"), "+32478123456"],
    ["nested parameters", "child:'name:x size:2'", (ps) => ps.getParams("child").getInt("size"), 2],
    [
      "positional arguments",
      "first 42 k:v",
      (ps) => [ps.getArg(0), ps.getArgInt(1)],
      ["first", 42],
    ],
    ["a missing argument's fallback", "a", (ps) => ps.getArgInt(3, 7), 7],
    ["gigabytes round up", "s:1025MB", (ps) => ps.getStorageCapacityInGigabytes("s"), 2],
    [
      "a date written day first",
      "d:5-12-2022",
      (ps) => ps.getTime("d").toISOString(),
      "2022-12-05T00:00:00.000Z",
    ],
    [
      "date with hours and minutes",
      "d:'2022/12/05 20:14'",
      (ps) => ps.getTime("d").toISOString(),
      "2022-12-05T20:14:00.000Z",
    ],
    ["12AM is midnight", "t:12AM", (ps) => ps.getTimestamp("t"), 0],
    ["12PM is noon", "t:12PM", (ps) => ps.getTimestamp("t"), 12 * 3_600_000],
    [
      "an amount without currency is USD",
      "m:5.5",
      (ps) => ps.getCurrencyAmount("m"),
      { amount: 5.5, currency: "USD" },
    ],
    ["arguments' comments", "force // why\nkeep", (ps) => ps.comments, ["why"]],
  ])("%s", (_, text, read, expected) => {
    expect(read(p(text))).toEqual(expected);
  });

  test("relative times count from now: +1h, -2d +3h, 1w, M, Q, Y", () => {
    const ps = p("a:+1h b:'-2d +3h' c:+1w d:+1M e:+1Q f:+1Y");
    const offsets: Record<string, number> = {
      a: 3600,
      b: -2 * 86400 + 3 * 3600,
      c: 7 * 86400,
      d: 30 * 86400,
      e: 90 * 86400,
      f: 365 * 86400,
    };
    for (const [key, seconds] of Object.entries(offsets)) {
      const before = Date.now();
      const t = ps.getTime(key).getTime();
      const after = Date.now();
      expect(t).toBeGreaterThanOrEqual(before + seconds * 1000);
      expect(t).toBeLessThanOrEqual(after + seconds * 1000);
    }
  });

  test("getPathCreate makes the folder; getPath wants it to exist", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { existsSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const base = await mkdtemp(`${tmpdir()}/params-path-`);
    try {
      const ps = p(`made:'${base}/a/b' missing:'${base}/nope'`);
      expect(ps.getPathCreate("made")).toBe(`${base}/a/b`);
      expect(existsSync(`${base}/a/b`)).toBe(true);
      expect(ps.getPath("made")).toBe(`${base}/a/b`);
      expect(() => ps.getPath("missing")).toThrow(
        `parameter 'missing': path '${base}/nope' does not exist`,
      );
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test.each<[string, string, (ps: Params) => unknown, string]>([
    [
      "percentage over 100",
      "p:100.1",
      (ps) => ps.getPercentage("p"),
      "parameter 'p' must be a percentage between 0 and 100, got '100.1'",
    ],
    [
      "percentage below 0",
      "p:-1",
      (ps) => ps.getPercentage("p"),
      "must be a percentage between 0 and 100",
    ],
    [
      "u8 256",
      "n:256",
      (ps) => ps.getU8("n"),
      "parameter 'n' must be a unsigned 8-bit integer, got '256'",
    ],
    [
      "u64 one over its top",
      "n:18446744073709551616",
      (ps) => ps.getU64("n"),
      "must be a unsigned 64-bit integer",
    ],
    [
      "a list item out of range",
      "l:1,256",
      (ps) => ps.getListU8("l"),
      "parameter 'l': list item '256' must be a unsigned 8-bit integer (in '1,256')",
    ],
    [
      "a float item that is not a number",
      "l:1.5,x",
      (ps) => ps.getListF64("l"),
      "list item 'x' must be a number",
    ],
    [
      "not an e-mail",
      "e:'not an email'",
      (ps) => ps.getEmail("e"),
      "parameter 'e' must be an e-mail address",
    ],
    [
      "not a telephone number",
      "t:call-me",
      (ps) => ps.getTelnr("t"),
      "parameter 't' must be a telephone number",
    ],
    ["a month 13", "d:2022-13-01", (ps) => ps.getTime("d"), "parameter 'd' must be a time"],
    ["February 30", "d:2023-2-30", (ps) => ps.getTime("d"), "parameter 'd' must be a time"],
    ["13PM", "t:13PM", (ps) => ps.getTimestamp("t"), "parameter 't' must be a time of day"],
    ["minute 60", "t:10:60", (ps) => ps.getTimestamp("t"), "parameter 't' must be a time of day"],
    [
      "not an amount",
      "m:lots",
      (ps) => ps.getCurrencyAmount("m"),
      "parameter 'm' must be an amount",
    ],
    [
      "no hashmap match",
      "k:zzz",
      (ps) => ps.getFromHashmap("k", "yyy", { "a,b": "1" }),
      "parameter 'k' ('zzz') and its default 'yyy' match none of 'a,b'",
    ],
    [
      "a missing argument",
      "a",
      (ps) => ps.getArg(2),
      "missing positional argument 2 (there are 1)",
    ],
  ])("%s", (_, text, read, message) => {
    expect(() => read(p(text))).toThrow(message);
  });
});

describe("long values from a script are read in linear time", () => {
  // With the regular expressions used before, a 100 000-digit non-number took 26 s and a
  // 100 000-dash comment 15 s (quadratic), and a block of 200 000 lines overflowed the
  // stack: one value could stall the runner's main process. The lists are guards.
  const n = 1_000_000;
  test.each<[string, () => unknown, unknown]>([
    ["a list value of spaces", () => p(`l:'${" ".repeat(n)}x'`).getList("l"), ["x"]],
    [
      "a list item of quotes and spaces",
      () => p(`l:'"${" ".repeat(n)}x,y'`).getList("l"),
      ["x", "y"],
    ],
    ["a long non-number", () => p(`f:${"1".repeat(n)}x`).getFloat("f"), "error"],
    ["a comment of dashes", () => p(`x:1 //${"-".repeat(n)}a`).param("x")?.comment?.length, n + 1],
    [
      "a block of many lines",
      () => p(`t:'\n${"  a\n".repeat(200_000)}'`).get("t").length,
      200_000 * 2 - 1,
    ],
  ])("%s", (_, read, expected) => {
    if (expected === "error") {
      expect(read).toThrow("must be a number");
      return;
    }
    expect(read()).toEqual(expected);
  });
});

// The packages through the real engine: scripts as a user writes them, checked row by row.
import { describe, expect, it } from "vitest";
import { Engine } from "../../../src/rhai/engine.js";
import { Blob, Char, Float, type Value } from "../../../src/rhai/value.js";

const f = (x: number) => new Float(x);
const c = (s: string) => new Char(s);

function run(script: string): Value {
  return new Engine().onPrint(() => {}).eval(script);
}

describe("standard packages through the engine", () => {
  const rows: [string, Value][] = [
    // numbers
    ["abs(-42) + sign(-3)", 41],
    ["max(3, 7.5)", f(7.5)],
    ["10.is_even && 3.is_odd", true],
    ['parse_int("ff", 16) + parse_int("10")', 265],
    ['parse_float(" 2.5 ")', f(2.5)],
    ["(2.5).round()", f(3)],
    ["(-7.9).to_int()", -7],
    ["'A'.to_int()", 65],
    ["let x = 10; x.set_bit(0, true); x.get_bits(0, 2)", 3],
    ["let n = 0; for b in bits(0b1011) { if b { n += 1 } } n", 3],
    ["255.to_hex() + (-1).to_binary().len", "ff64"],
    // ranges and iteration
    ["let s = 0; for i in range(10, 0, -3) { s += i } s", 22],
    ["let s = 0.0; for x in range(0.0, 1.0, 0.25) { s += x } s", f(1.5)],
    ["let r = 2..=5; r.start + r.end + r.len()", undefined],
    ["(1..10).contains(5) && !(1..10).contains(10)", true],
    ['let t = ""; for ch in "héllo".chars(1, 3) { t += ch } t', "éll"],
    // strings
    ['let s = "hello, world"; s.sub_string(-5) + s.len', "world12"],
    ['let s = "a,b,,c"; s.split(",").len() + s.split(",", 2).len()', 6],
    ["let s = \"  pad \"; s.trim(); s.pad(6, '*'); s", "pad***"],
    ['let s = "hello"; s.replace("l", "L"); s.to_upper()', "HELLO"],
    ['"hello".index_of(\'l\', 3) + "hello".index_of("lo")', 6],
    ["\"x\" + 1 + 2.5 + true + 'c' + ()", "x12.5truec"],
    ['let s = "abc"; s.crop(1); s += [1]; s', "bc[1]"],
    ['"héllo".to_blob().len()', 6],
    // arrays
    ["let a = [3, 1, 2]; a.sort(); a", [1, 2, 3]],
    ["let a = [3, 1, 2]; a.sort(|x, y| y - x); a", [3, 2, 1]],
    ["[1, 2, 3, 4].filter(|v| v % 2 == 0).map(|v, i| v * 10 + i)", [20, 41]],
    ["[1, 2, 3].reduce(|s, v| s + v, 10)", 16],
    ["let a = [1, 2, 3]; a.for_each(|| this *= 2); a", [2, 4, 6]],
    ["[1, 2, 3].some(|v| v > 2) && [1, 2, 3].all(|v| v > 0)", true],
    ["let a = [1, 2, 3, 4, 5]; let d = a.drain(|v| v > 3); [a.len(), d.len()]", [3, 2]],
    ["let a = [1, 2, 3, 4, 5]; a.splice(1..3, [9]); a", [1, 9, 4, 5]],
    ["let a = [1, 1, 2, 2, 1]; a.dedup(); a", [1, 2, 1]],
    ["[1, 2].zip([10, 20], |a, b| a + b)", [11, 22]],
    ["let m = []; m.pad(2, [0]); m[0][0] = 5; m[1][0]", 0],
    ["[[1], [2]] == [[1], [2]]", true],
    ["3 in [1, 2, 3] && !(4 in [1, 2, 3])", true],
    ["[1.0, 2.0].contains(2) && [1].index_of(1.0) == 0", true],
    ['["a", "b"].contains(\'b\') && [\'x\'].index_of("x") == 0', true],
    // maps
    ["let m = #{b: 2, a: 1}; m.keys() + m.values()", ["a", "b", 1, 2]],
    ["let m = #{a: 1}; m.mixin(#{b: 2}); m.fill_with(#{a: 9, c: 3}); m.a + m.b + m.c", 6],
    ["let m = #{a: 1, b: 5}; let r = m.retain(|k, v| v > 2); [m.len(), r.len()]", [1, 1]],
    ['#{a: [1, 2.0, "x", ()]}.to_json()', '{"a":[1,2.0,"x",null]}'],
    ['parse_json("{\\"a\\": {\\"b\\": [1, 2]}}").a.b[1]', 2],
    ['"a" in #{a: 1}', true],
    // blobs
    ["let b = blob(4, 1); b.push(2); b.len() + b[4]", 7],
    ["let b = blob(8); b.write_le(0, 8, 258); b.parse_le_int(0, 2)", 258],
    ['let b = blob(); b.append("hi"); b.as_string()', "hi"],
    ["blob(3, 0x41)", new Blob([65, 65, 65])],
    // time
    ["let t = timestamp(); let u = t + 2; u - t", f(2)],
    ["timestamp().elapsed < 5.0", true],
    // function pointers
    ['Fn("foo").name', "foo"],
    ["(|x| x).is_anonymous", true],
  ];

  // Examples from the reference's own documentation of these functions.
  const documented: [string, Value][] = [
    ["\"hello, world!\".index_of('l', 5)", 10],
    ["\"hello, world!\".index_of('o', -7)", 8],
    ['let t = "hello, world!"; t.crop(2, 8); t', "llo, wor"],
    ['let t = "llo, wor"; t.crop(-5, 3); t', ", w"],
    ['"hello, world!".sub_string(-8, 3)', ", w"],
    ["\"hello, world! hello, foo!\".split('l')", ["he", "", "o, wor", "d! he", "", "o, foo!"]],
    ["\"hello, world! hello, foo!\".split('l', 3)", ["he", "", "o, world! hello, foo!"]],
    ["\"hello, world! hello, foo!\".split_rev('l')", ["o, foo!", "", "d! he", "o, wor", "", "he"]],
    ['"hello, world! hello, foo!".split_rev("ll", 2)', ["o, foo!", "hello, world! he"]],
    ['"hello, world!".split(13)', ["hello, world!", ""]],
    ['"hello, world!".split(-99)', ["", "hello, world!"]],
    [
      "let x = [1, 2, 3, 4, 5]; [x.extract(1, 3), x.extract(-3, 2), x.extract(2)]",
      [
        [2, 3, 4],
        [3, 4],
        [3, 4, 5],
      ],
    ],
    [
      "let x = [1, 2, 3, 4, 5]; x.splice(1, 2, [7, 8, 9, 10]); x.splice(-5, 4, [7, 8, 9, 10]); x",
      [1, 7, 7, 8, 9, 10, 5],
    ],
    ["[1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 5].index_of(4, -5)", 11],
    ["[1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 5].index_of(|v, i| v * i > 20)", 7],
    ["[1, 2, 3, 5, 8, 13].find(|v, i| v * i > 6, 3)", 5],
    [
      "let x = [1, 2, 3, 4, 5]; let y = x.retain(1, 2); let z = x.retain(-1, 1); [x, y, z]",
      [[3], [1, 4, 5], [2]],
    ],
    ["let x = [1, 2, 2, 2, 3, 1, 2, 3, 4, 3, 3, 2, 1]; x.dedup(|a, b| a >= b); x", [1, 2, 3, 4]],
    ["123456.get_bits(5, 8)", 18],
    ["let x = 123456; x.set_bits(5, 8, 42); x", 124224],
    ["let x = 124224; x.set_bits(-16, 10, 42); x", 11821949021971776n],
    ["let x = 123424; x.set_bit(-48, false); x", 57888],
    ["123456.get_bit(-48)", true],
    [
      "let b = blob(12, 0); b.write_be(0, 8, 0xab_cd_ef_12_34_56_78_90); b.write_be(8, 8, 0x0a_0b_0c_0d_00_00_00_00); b.to_string()",
      "[abcdef1234567890 0a0b0c0d]",
    ],
    ["let m = #{a:1, b:2, c:3}; m.fill_with(#{a: 42, d:0}); m.a + m.d", 1],
  ];

  it.each(documented)("documented: %s", (script, expected) => {
    expect(run(script)).toEqual(expected);
  });

  it.each(rows)("%s", (script, expected) => {
    if (expected === undefined && script.includes("r.len()")) {
      // Ranges have no len(): the reference reports a missing function.
      expect(() => run(script)).toThrow(expect.objectContaining({ code: "ErrorFunctionNotFound" }));
      return;
    }
    expect(run(script)).toEqual(expected);
  });

  it("reports errors with the reference's variants", () => {
    expect(() => run('parse_int("zz")')).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
    expect(() => run("range(1, 5, 0)")).toThrow(
      expect.objectContaining({ code: "ErrorInFunctionCall" }),
    );
    expect(() => run("10.get_bit(99)")).toThrow(
      expect.objectContaining({ code: "ErrorBitFieldBounds" }),
    );
    expect(() => run('[1, "a"].sort()')).toThrow(
      expect.objectContaining({ code: "ErrorFunctionNotFound" }),
    );
    expect(() => run("[1].map(|v| v / 0)")).toThrow(
      expect.objectContaining({ code: "ErrorInFunctionCall" }),
    );
  });

  it("lets the engine stop a long sleep (it counts as operations)", () => {
    const e = new Engine().onPrint(() => {});
    e.limits.maxOperations = 5;
    const start = performance.now();
    expect(() => e.run("sleep(30)")).toThrow(
      expect.objectContaining({ code: "ErrorTooManyOperations" }),
    );
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it("enforces the size limits in growing functions", () => {
    const e = new Engine().onPrint(() => {});
    e.limits.maxArraySize = 10;
    e.limits.maxStringSize = 10;
    expect(() => e.eval("let a = [1]; a.pad(11, 0); a")).toThrow(
      expect.objectContaining({ code: "ErrorDataTooLarge" }),
    );
    expect(() => e.eval('let s = "a"; s.pad(11, "b"); s')).toThrow(
      expect.objectContaining({ code: "ErrorDataTooLarge" }),
    );
    expect(c("a")).toEqual(new Char("a"));
  });
});

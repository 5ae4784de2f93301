import { describe, expect, test } from "vitest";
import { failure, run } from "./helpers.js";

describe("indexing and properties", () => {
  test.each([
    ["let a = [1, 2, 3]; a[0] + a[-1]", "4"],
    ["let a = [[1, 2], [3, 4]]; a[1][0]", "3"],
    ['"hello"[1]', "'e'"],
    ['"hello"[-1]', "'o'"],
    ['let s = "héllo"; s[1]', "'é'"],
    ['let y = "hello"; y[1..]', '"ello"'],
    ['let y = "hello"; y[..2]', '"he"'],
    ['let y = "hello"; y[1..=2]', '"el"'],
    ['let y = "hello"; y[1..=-1]', '"ello"'],
    ['let y = "hello"; y[1..3] = "EL"; y', '"hELlo"'],
    ['let m = #{a: 1}; m["a"]', "1"],
    ['let m = #{a: 1}; m["zz"]', "()"],
    ["let m = #{a: #{b: 2}}; m.a.b", "2"],
    ["let m = #{a: 1}; m.nothing", "()"],
    ["let m = #{a: 1}; m?.a", "1"],
    ["let m = (); m?.a.b.c", "()"],
    ["let m = (); m?[0]", "()"],
    ["let x = 0b1010; [x[1], x[2], x[-1]]", "[true, false, false]"],
    ["let x = 0b1011_0000; x[4..8]", "11"],
    ["let x = 0; x[0..4] = 9; x", "9"],
    ["let m = #{a: [1, #{b: [5]}]}; m.a[1].b[0] = 6; m.a[1].b", "[6]"],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  test.each([
    ["let a = [1, 2]; a[2]", "ErrorArrayBounds", 1, 19],
    ["let a = [1, 2]; a[-3]", "ErrorArrayBounds", 1, 19],
    ['let s = "ab"; s[5]', "ErrorStringBounds", 1, 17],
    ["let x = 1; x[64]", "ErrorBitFieldBounds", 1, 14],
    ["let x = 10; x[1..99]", "ErrorBitFieldBounds", 1, 14],
    ['let a = [1]; a["x"]', "ErrorMismatchDataType", 1, 16],
    // The reference indexes arrays by integers only; extract() takes a slice.
    ["let a = [1, 2, 3, 4]; a[1..3]", "ErrorMismatchDataType", 1, 26],
    ["let x = true; x[0]", "ErrorIndexingType", 1, 16],
    ['[1, 2, 3]["x"]', "MalformedIndexExpr", 1, 11],
    ["#{a: 1}[0]", "MalformedIndexExpr", 1, 9],
    ["[1][1.5]", "MalformedIndexExpr", 1, 5],
    ["let x = 5; x.foo", "ErrorDotExpr", 1, 14],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src)).toEqual({ code, line, column });
  });
});

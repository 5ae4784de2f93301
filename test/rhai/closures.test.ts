import { describe, expect, test } from "vitest";
import { failure, run } from "./helpers.js";

describe("closures and function pointers", () => {
  test.each([
    ["let f = |x| x * 2; f.call(21)", "42"],
    ["let f = || 42; call(f)", "42"],
    ["let y = 10; let f = |x| x + y; y = 20; f.call(1)", "21"],
    ["let n = 0; let inc = || n += 1; inc.call(); inc.call(); n", "2"],
    ["let x = 1; let f = || x; is_shared(x)", "true"],
    ["let x = 1; is_shared(x)", "false"],
    ['fn add(a, b) { a + b } let f = Fn("add"); f.call(1, 2)', "3"],
    ['fn add(a, b) { a + b } let f = Fn("add").curry(40); f.call(2)', "42"],
    ["fn add(a, b) { a + b } let f = add; f.call(1, 1)", "2"],
    ["let f = |a, b, c| a + b + c; let g = f.curry(1).curry(2); g.call(3)", "6"],
    ["let fs = []; for i in 0..3 { let j = i; fs += || j; } fs.len()", "3"],
    ["let fs = []; for i in 0..3 { let j = i; fs += || j; } [call(fs[0]), call(fs[2])]", "[0, 2]"],
    ["let fs = []; for i in 0..3 { fs += || i; } [call(fs[0]), call(fs[2])]", "[2, 2]"],
    ["let m = #{v: 1, get: || this.v}; m.get()", "1"],
    ["let m = #{v: 1, bump: |n| this.v += n}; m.bump(5); m.v", "6"],
    ["let f = |x| { let y = x * 2; y + 1 }; f.call(3)", "7"],
    ["let a = 1; let f = || { let g = || a + 1; g.call() }; f.call()", "2"],
    ['Fn("abc").is_anonymous()', "false"],
    ["(|| 1).is_anonymous()", "true"],
    ["type_of(|| 1)", '"Fn"'],
    ["let x = 40; let f = |d| this + d + x; 0.call(f, 2)", "42"],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  test.each([
    ["let f = |x| x; f.call()", "ErrorFunctionNotFound", 1, 18],
    ["let a = 1; let f = |x| { this += a }; a.call(f, 1);", "ErrorDataRace", 1, 41],
    ["call(42)", "ErrorMismatchDataType", 1, 1],
    // The reference does not call a variable holding a closure as `f(21)`.
    ["let f = |x| x * 2; f(21)", "ErrorFunctionNotFound", 1, 20],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src)).toEqual({ code, line, column });
  });
});

import { describe, expect, test } from "vitest";
import { failure, run } from "./helpers.js";

describe("functions", () => {
  test.each([
    ["fn add(a, b) { a + b } add(40, 2)", "42"],
    ["fn f() { 1 } fn f(x) { x } fn f(x, y) { x * y } [f(), f(5), f(2, 3)]", "[1, 5, 6]"],
    ["fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } } fib(20)", "6765"],
    ["late(1); fn late(x) { x + 1 }", "2"],
    ["fn f(x) { x += 1; x } let y = 1; f(y); y", "1"],
    ["fn f(a) { a.push(9); a } let y = [1]; f(y); y", "[1]"],
    [
      "fn items() { this.items } let m = #{items: [1]}; let x = m.items(); x.push(2); m.items",
      "[1]",
    ],
    ["fn first() { return this[0]; } let a = [[1]]; let x = a.first(); x.push(2); a", "[[1]]"],
    ["fn inc() { this += 1; } let x = 41; x.inc(); x", "42"],
    ["fn get() { this.v } let m = #{v: 7}; m.get()", "7"],
    ["fn set(v) { this.v = v; } let m = #{v: 7}; m.set(8); m.v", "8"],
    ["fn len2() { this.len() * 2 } [1, 2, 3].len2()", "6"],
    ["fn int.twice() { this * 2 } fn twice() { 0 } [5.twice(), 'x'.twice()]", "[10, 0]"],
    ['fn string.shout() { this + "!" } "hi".shout()', '"hi!"'],
    ["const G = 5; fn f() { global::G * 2 } f()", "10"],
    ["fn f() { return 1; 2 } f()", "1"],
    ["fn f(x) { if x > 0 { return x; } -x } f(-4)", "4"],
    ["private fn p() { 1 } p()", "1"],
    ["fn f() { let a = 1; a } let a = 2; f() + a", "3"],
    ['is_def_fn("f", 1); fn f(x) {} is_def_fn("f", 1)', "true"],
    ['is_def_fn("nope", 0)', "false"],
    ['let x = 1; [is_def_var("x"), is_def_var("y")]', "[true, false]"],
    ["type_of(fn_ptr_test) ; fn fn_ptr_test() {} 1", "1"],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  test.each([
    ["fn f(x, x) {}", "FnDuplicatedParam", 1, 9],
    ["fn f(x) {} fn f(y) {}", "FnDuplicatedDefinition", 1, 15],
    ["{ fn f() {} }", "WrongFnDefinition", 1, 3],
    ["fn f() { outer } let outer = 1; f()", "ErrorInFunctionCall", 1, 33],
    ["fn f() { this } f()", "ErrorInFunctionCall", 1, 17],
    ["nothing(1)", "ErrorFunctionNotFound", 1, 1],
    ["fn f(x) { f(x + 1) } f(0)", "ErrorStackOverflow", 1, 11],
    ["fn f() { throw 1; } f()", "ErrorInFunctionCall", 1, 21],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src)).toEqual({ code, line, column });
  });
});

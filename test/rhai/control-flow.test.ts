import { describe, expect, test } from "vitest";
import { failure, run } from "./helpers.js";

describe("control flow", () => {
  test.each([
    ["if true { 1 } else { 2 }", "1"],
    ["if false { 1 }", "()"],
    ["let x = 5; if x < 3 { 1 } else if x < 10 { 2 } else { 3 }", "2"],
    ["let x = if 1 > 2 { 'a' } else { 'b' }; x", "'b'"],
    ["{ 1; 2 }", "2"],
    ["let x = { let y = 2; y * 21 }; x", "42"],
    ["let i = 0; while i < 5 { i += 1; } i", "5"],
    ["let i = 0; let s = 0; while i < 10 { i += 1; if i % 2 == 0 { continue; } s += i; } s", "25"],
    ["let i = 0; loop { i += 1; if i == 7 { break; } } i", "7"],
    ["let i = 0; let v = loop { i += 1; if i == 3 { break i * 10; } }; v", "30"],
    ["let i = 0; do { i += 1; } while i < 3; i", "3"],
    ["let i = 0; do { i += 1; } until i >= 4; i", "4"],
    ["let i = 10; do { i += 1; } while false; i", "11"],
    ["let s = 0; for x in 1..=4 { s += x; } s", "10"],
    ["let s = 0; for x in 4..1 { s += x; } s", "0"],
    ["let s = []; for (x, i) in [10, 20] { s += x + i; } s", "[10, 21]"],
    ['let s = ""; for c in "abc" { s = c + s; } s', '"cba"'],
    ["let s = 0; for x in [1, 2, 3, 4] { if x == 3 { break; } s += x; } s", "3"],
    ["let r = for x in 1..10 { if x * x > 20 { break x; } }; r", "5"],
    ["let a = [1, 2]; for x in a { x += 10; } a", "[1, 2]"],
    ["let x = (); let y = x ?? 7; y", "7"],
    ["fn f(n) { for x in 0..n { if x == 2 { return x * 100; } } -1 } f(5)", "200"],
    ["fn f() { return; } f()", "()"],
    ["let n = 0; for x in 0..3 { for y in 0..3 { if y == 1 { break; } n += 1; } } n", "3"],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  test.each([
    ["break;", "LoopBreak", 1, 1],
    ["let x = 0;\nif x > 0 { continue; }", "LoopBreak", 2, 12],
    ["loop { let f = || { break; }; }", "LoopBreak", 1, 21],
    ["let c = 1; if c { 2 }", "ErrorMismatchDataType", 1, 15],
    ["let c = 0; while c {}", "ErrorMismatchDataType", 1, 18],
    ["let c = 42; for x in c {}", "ErrorFor", 1, 22],
    // A literal of the wrong type is found while parsing, as the reference does.
    ["if 1 { 2 }", "MismatchedType", 1, 4],
    ["while 0 {}", "MismatchedType", 1, 7],
    ["for x in 42 {}", "MismatchedType", 1, 10],
    ["for x in #{a: 1} {}", "MismatchedType", 1, 10],
    ["fn f() { let x = 1 let y = 2 }", "MissingToken", 1, 20],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src)).toEqual({ code, line, column });
  });
});

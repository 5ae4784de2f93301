import { describe, expect, test } from "vitest";
import { failure, run } from "./helpers.js";

describe("variables and assignment", () => {
  test.each([
    ["let x; x", "()"],
    ["let x = 1; let x = x + 1; x", "2"],
    ["let x = 1; { let x = 5; } x", "1"],
    ["let x = 1; { x = 5; } x", "5"],
    ["let x = 10; x += 5; x -= 3; x *= 2; x /= 4; x", "6"],
    ["let x = 7; x %= 4; x **= 3; x", "27"],
    ["let x = 1; x <<= 4; x >>= 1; x |= 1; x &= 0xf; x ^= 2; x", "11"],
    ['let s = "a"; s += "b"; s += \'c\'; s += 1; s', '"abc1"'],
    ["let a = [1]; a += 2; a += [3, 4]; a", "[1, 2, 3, 4]"],
    ["let m = #{a: 1}; m += #{b: 2}; m", '#{"a": 1, "b": 2}'],
    ["let a = [1, 2]; let b = a; b[0] = 9; a", "[1, 2]"],
    ["let m = #{x: [1]}; let n = m; n.x[0] = 5; m.x[0]", "1"],
    ["const X = 42; X", "42"],
    ["let a = [[1, 2], [3]]; a[0][1] = 7; a", "[[1, 7], [3]]"],
    ["let m = #{}; m.a = #{}; m.a.b = 1; m", '#{"a": #{"b": 1}}'],
    ["let m = #{a: [1, 2]}; m.a[1] += 40; m.a[1]", "42"],
    ["let s = \"abc\"; s[1] = 'X'; s", '"aXc"'],
    ["let x = 0; x[3] = true; x", "8"],
    ["let x = (); x?.a.b = 1; x", "()"],
    ["let x = 5; { let x = 6; } x", "5"],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  test.each([
    ["const x = 1; x = 2;", "AssignmentToConstant", 1, 14],
    ["(1 + 2) = 3;", "AssignmentToInvalidLHS", 1, 9],
    ["123 = 4;", "AssignmentToConstant", 1, 1],
    ["let x = #{}; x.f() = 1;", "AssignmentToInvalidLHS", 1, 20],
    ["const a = [1]; a[0] = 2;", "ErrorAssignmentToConstant", 1, 17],
    ["const a = [1]; a.push(2);", "ErrorNonPureMethodCallOnConstant", 1, 18],
    ["y = 1;", "ErrorVariableNotFound", 1, 1],
    ["let a = [1]; a[5] = 1;", "ErrorArrayBounds", 1, 16],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src)).toEqual({ code, line, column });
  });
});

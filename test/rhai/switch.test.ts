import { describe, expect, test } from "vitest";
import { failure, run } from "./helpers.js";

const sw = (x: string) =>
  `let x = ${x}; switch x { 1 => "one", 2 | 3 => "few", 4..=9 => "some", 10..100 if x % 2 == 0 => "even", 10..100 => "odd", "a" => "letter", _ => "other" }`;

describe("switch", () => {
  test.each([
    [sw("1"), '"one"'],
    [sw("3"), '"few"'],
    [sw("9"), '"some"'],
    [sw("42"), '"even"'],
    [sw("43"), '"odd"'],
    [sw('"a"'), '"letter"'],
    [sw("'a'"), '"other"'],
    [sw("1.0"), '"other"'],
    [sw("1000"), '"other"'],
    ["switch 5 { 1 => 2 }", "()"],
    ["let r = switch 2 { 1 => { 10 } 2 => { 20 } }; r", "20"],
    ["let x = 0; switch 1 { 1 => x = 5, _ => () } x", "5"],
    ["switch 3 { 3 if false => 1, 3 => 2 }", "2"],
    ["let x = 1..3; switch x { 1..3 => true, _ => false }", "true"],
    ["for i in 0..10 { switch i { 4 => break i * 2, _ => () } }", "8"],
    ["switch -1 { -1 => 'm', _ => 'p' }", "'m'"],
    // A repeated case is allowed by the reference: the first one wins.
    ["switch 1 { 1 => 1, 1 => 2 }", "1"],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  test.each([
    // The reference points at the default case itself (checked with rhai-run).
    ["switch 1 { _ => 1, 2 => 3 }", "WrongSwitchDefaultCase", 1, 12],
    ["switch 1 { _ if true => 1 }", "WrongSwitchCaseCondition", 1, 14],
    ["switch 1 { 1..5 => 1, 3 => 2 }", "WrongSwitchIntegerCase", 1, 23],
    ["let y = 1; switch 1 { y => 1 }", "ExprExpected", 1, 23],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src)).toEqual({ code, line, column });
  });
});

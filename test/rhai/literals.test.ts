import { describe, expect, test } from "vitest";
import { failure, run } from "./helpers.js";

describe("literals", () => {
  test.each([
    ["42", "42"],
    ["1_000_000", "1000000"],
    ["0x_ff", "255"],
    ["0xffffffffffffffff", "-1"],
    ["0o17", "15"],
    ["0b1010", "10"],
    ["9223372036854775807", "9223372036854775807"],
    ["-9223372036854775808", "-9223372036854775808"],
    ["1.5", "1.5"],
    ["1.", "1.0"],
    ["1e3", "1000.0"],
    ["2.5e-3", "0.0025"],
    ["1_000.5", "1000.5"],
    ["true", "true"],
    ["()", "()"],
    ["'a'", "'a'"],
    ["'\\u2764'", "'❤'"],
    ['"tab\\there"', '"tab\\there"'],
    ['"\\x41\\u0042\\U00000043"', '"ABC"'],
    ['"say ""hi"""', '"say \\"hi\\""'],
    // A continued line drops its indentation up to the column of the opening quote.
    ['"line \\\n   continued"', '"line   continued"'],
    ['  "line \\\n     continued"', '"line   continued"'],
    ['#"raw \\n"#', '"raw \\\\n"'],
    ['##"with "# inside"##', '"with \\"# inside"'],
    ["`multi\nline`", '"multi\\nline"'],
    ["`\nfirst line skipped`", '"first line skipped"'],
    ["`a``b`", '"a`b"'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
    ["let x = 2; `x = ${x + 1}!`", '"x = 3!"'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
    ["`nested ${`inner ${1 + 1}`}`", '"nested inner 2"'],
    ["[1, 2, 3,]", "[1, 2, 3]"],
    ["[]", "[]"],
    ['#{b: 1, a: "x", "c d": 2.0}', '#{"a": "x", "b": 1, "c d": 2.0}'],
    ["/* a /* nested */ comment */ 1 // rest", "1"],
    ["/// doc\n//! module doc\n/** block doc */ 7", "7"],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  test.each([
    ["123abc", "BadInput", 1, 1],
    ["0x", "BadInput", 1, 1],
    ['"open', "BadInput", 1, 1],
    ["'ab'", "BadInput", 1, 1],
    ['"\\q"', "BadInput", 1, 2],
    ["1 === 1", "BadInput", 1, 3],
    ["let var = 1;", "Reserved", 1, 5],
    ["let print = 1;", "Reserved", 1, 5],
    ["9223372036854775808", "BadInput", 1, 1],
    ["#{a: 1, a: 2}", "DuplicatedProperty", 1, 9],
    ["let x = ( );", "BadInput", 1, 11],
    ["let x = 1\nlet y = 2;", "MissingToken", 2, 1],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src)).toEqual({ code, line, column });
  });
});

import { describe, expect, test } from "vitest";
import { RhaiRuntimeError } from "../../src/rhai/index.js";
import { failure, quietEngine, run } from "./helpers.js";

describe("throw and try/catch", () => {
  test.each([
    ["try { throw 42; } catch (e) { e }", "()"],
    ["let r = 0; try { throw 42; } catch (e) { r = e; } r", "42"],
    ['let r = 0; try { throw "boom"; } catch (e) { r = e; } r', '"boom"'],
    ["let r = 0; try { 1 / 0; } catch (e) { r = type_of(e); } r", '"map"'],
    ["let r = 0; try { let x = 1;\n y; } catch (e) { r = [e.line, e.position]; } r", "[2, 2]"],
    // The reference's built-in operators fail without a position.
    [
      "let r = 0; try { let x = 1;\n 1 / 0; } catch (e) { r = [e.line, e.position]; } r",
      "[(), ()]",
    ],
    ['let r = 0; try { x } catch (e) { r = "message" in e; } r', "true"],
    ["fn f() { throw 7; } let r = 0; try { f(); } catch (e) { r = e; } r", "7"],
    ["let r = 1; try { r = 2; } catch { r = 3; } r", "2"],
    ["try { 5 } catch { 6 }", "5"],
    [
      "let r = []; for i in 0..3 { try { if i == 1 { throw i; } r += i; } catch (e) { r += e * 10; } } r",
      "[0, 10, 2]",
    ],
    ["fn f() { try { return 1; } catch { return 2; } } f()", "1"],
    ["let i = 0; loop { try { i += 1; if i > 2 { break; } } catch {} } i", "3"],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  test.each([
    ["throw 42;", "ErrorRuntime", 1, 1],
    ["throw;", "ErrorRuntime", 1, 1],
    ["try { 42 / 0; } catch { throw; }", "ErrorArithmetic", 1, 10],
    ["try { throw 1; } catch { throw 2; }", "ErrorRuntime", 1, 26],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src)).toEqual({ code, line, column });
  });

  test("the thrown value travels with the error", () => {
    try {
      quietEngine().eval('throw #{reason: "bad"};');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RhaiRuntimeError);
      const err = e as RhaiRuntimeError;
      expect(err.code).toBe("ErrorRuntime");
      expect((err.value as Map<string, unknown>).get("reason")).toBe("bad");
    }
  });

  test("an error inside a function keeps the inner error and both positions", () => {
    try {
      quietEngine().eval("fn f(x) {\n  x / 0\n}\nf(1)");
      expect.unreachable();
    } catch (e) {
      const err = e as RhaiRuntimeError;
      expect(err.code).toBe("ErrorInFunctionCall");
      expect(err.position).toEqual({ line: 4, column: 1 });
      expect(err.innermost().code).toBe("ErrorArithmetic");
      expect(err.innermost().position).toEqual({ line: 2, column: 5 });
    }
  });
});

import { describe, expect, test } from "vitest";
import { Engine, isRhaiError } from "../../src/rhai/index.js";
import { failure, quietEngine } from "./helpers.js";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isRhaiError(e)) return e.code;
    throw e;
  }
  return "no error";
}

describe("limits", () => {
  test("an endless loop stops at the operations limit", () => {
    const engine = quietEngine();
    engine.limits.maxOperations = 10_000;
    // The error points into the loop (the loop itself or its statement).
    expect(failure("let x = 0;\nloop { x += 1; }", engine)).toMatchObject({
      code: "ErrorTooManyOperations",
      line: 2,
    });
    expect(failure("while true {}", engine).code).toBe("ErrorTooManyOperations");
    expect(failure("do {} while true", engine).code).toBe("ErrorTooManyOperations");
  });

  test("a limited script that finishes in time runs", () => {
    const engine = quietEngine();
    engine.limits.maxOperations = 10_000;
    expect(engine.eval("let s = 0; for i in 0..100 { s += i; } s")).toBe(4950);
  });

  test("deep recursion is a stack overflow, not a JavaScript RangeError", () => {
    expect(failure("fn f(x) { f(x + 1) } f(0)").code).toBe("ErrorStackOverflow");
    const engine = quietEngine();
    engine.limits.maxCallLevels = 10_000_000;
    expect(failure("fn f(x) { 1 + f(x + 1) } f(0)", engine).code).toBe("ErrorStackOverflow");
  });

  test("the call-level limit is exact", () => {
    const engine = quietEngine();
    engine.limits.maxCallLevels = 5;
    expect(engine.eval("fn f(n) { if n == 0 { 0 } else { f(n - 1) } } f(4)")).toBe(0);
    expect(failure("fn f(n) { if n == 0 { 0 } else { f(n - 1) } } f(5)", engine).code).toBe(
      "ErrorStackOverflow",
    );
  });

  test("a 10,000-deep nested expression is a parse error", () => {
    const engine = new Engine();
    for (const src of [
      `${"(".repeat(10_000)}1${")".repeat(10_000)}`,
      `${"[".repeat(10_000)}1${"]".repeat(10_000)}`,
      `${"{".repeat(10_000)}1${"}".repeat(10_000)}`,
      Array.from({ length: 10_000 }, () => "1").join(" ** "),
    ]) {
      expect(code(() => engine.compile(src))).toBe("ExprTooDeep");
    }
  });

  test("without a depth limit, deep nesting still fails cleanly", () => {
    const engine = new Engine();
    engine.limits.maxExprDepth = 0;
    engine.limits.maxFunctionExprDepth = 0;
    expect(code(() => engine.compile(`${"(".repeat(200_000)}1${")".repeat(200_000)}`))).toBe(
      "ExprTooDeep",
    );
  });

  test("expression depth limits for the script and for functions", () => {
    const engine = new Engine();
    engine.configure("set_max_expr_depths", [10, 5]);
    expect(code(() => engine.compile("1 + 2 + 3 + 4 + 5"))).toBe("no error");
    expect(code(() => engine.compile("1+1+1+1+1+1+1+1+1+1+1"))).toBe("ExprTooDeep");
    expect(code(() => engine.compile("fn f() { 1 + 2 }"))).toBe("no error");
    expect(code(() => engine.compile("fn f() { 1+1+1+1+1+1 }"))).toBe("ExprTooDeep");
  });

  test("data size limits", () => {
    const engine = quietEngine();
    engine.limits.maxStringSize = 10;
    expect(code(() => engine.compile('let x = "hello, world!";'))).toBe("LiteralTooLarge");
    expect(failure('let x = "hello"; x + x + x', engine).code).toBe("ErrorDataTooLarge");
    const arrays = quietEngine();
    arrays.limits.maxArraySize = 5;
    expect(code(() => arrays.compile("[1, 2, 3, 4, 5, 6]"))).toBe("LiteralTooLarge");
    expect(failure("let a = []; loop { a += 1; }", arrays).code).toBe("ErrorDataTooLarge");
    expect(failure("let a = [1, 2]; [a, a]", arrays).code).toBe("ErrorDataTooLarge");
    const maps = quietEngine();
    maps.limits.maxMapSize = 2;
    expect(failure("let m = #{}; m.a = 1; m.b = 2; m.c = 3;", maps).code).toBe("ErrorDataTooLarge");
  });

  test("variables and functions limits", () => {
    const engine = quietEngine();
    engine.limits.maxVariables = 2;
    expect(engine.eval("let a = 1; let b = 2; a + b")).toBe(3);
    expect(failure("let a = 1; let b = 2; let c = 3;", engine).code).toBe("ErrorTooManyVariables");
    const fns = new Engine();
    fns.limits.maxFunctions = 1;
    expect(code(() => fns.compile("fn a() {} fn b() {}"))).toBe("TooManyFunctions");
  });

  test("the progress hook can stop a script", () => {
    const engine = quietEngine();
    let calls = 0;
    engine.onProgress(() => {
      calls++;
      return calls < 3;
    });
    expect(failure("loop {}", engine).code).toBe("ErrorTerminated");
    expect(calls).toBe(3);
  });

  test("an aborted signal stops a script", () => {
    const engine = quietEngine();
    const controller = new AbortController();
    engine.setAbortSignal(controller.signal);
    engine.lib.fn("stop", [], () => {
      controller.abort();
      return undefined;
    });
    expect(failure("stop(); loop {}", engine).code).toBe("ErrorTerminated");
  });

  test("limit errors cannot be caught by the script", () => {
    const engine = quietEngine();
    engine.limits.maxOperations = 1000;
    expect(failure("try { loop {} } catch { 1 }", engine).code).toBe("ErrorTooManyOperations");
    expect(failure("fn f() { f() } try { f() } catch { 1 }").code).toBe("ErrorStackOverflow");
  });
});

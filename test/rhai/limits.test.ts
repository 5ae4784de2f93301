import { describe, expect, test } from "vitest";
import { Engine, isRhaiError } from "../../src/rhai/index.js";
import { DEFAULT_ENGINE_LIMITS } from "../../src/sandbox/limits.js";
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

  test("every way of growing a map, array, string or blob is checked", () => {
    const engine = quietEngine();
    engine.limits.maxArraySize = 8;
    engine.limits.maxMapSize = 8;
    engine.limits.maxStringSize = 8;
    for (const src of [
      'let m = #{}; for i in 0..9 { m["k" + i] = i }',
      "let m = #{}; for i in 0..9 { m[i.to_string()] = i }",
      'let m = #{a: #{}}; for i in 0..9 { m.a["k" + i] = i }',
      'let m = #{}; for i in 0..9 { let n = #{}; n["k" + i] = i; m.mixin(n) }',
      'let m = #{}; for i in 0..9 { let n = #{}; n["k" + i] = i; m += n }',
      "let a = []; for i in 0..9 { a.push(i) }",
      "let a = []; for i in 0..9 { a.insert(0, i) }",
      "let a = [1]; a.append([1, 2, 3, 4, 5, 6, 7, 8])",
      "let a = [[]]; for i in 0..9 { a[0].push(i) }",
      "let a = #{x: []}; for i in 0..9 { a.x += i }",
      "let a = [1]; a[0] = [1, 2, 3, 4, 5, 6, 7, 8]",
      "let a = #{}; a.x = [1, 2, 3, 4, 5, 6, 7, 8]; a.x.push(9)",
      'let a = #{}; a.x = "12345"; a.x += "6789"',
      "let a = []; a.pad(9, 0)",
      'let a = [""]; a[0] += "12345"; a[0] += "6789"',
      'let s = ""; for i in 0..9 { s += "x" }',
      'let s = ""; for i in 0..9 { s.append("x") }',
      'let s = ""; s.pad(9, "x")',
      'let s = #{s: ""}; for i in 0..9 { s.s += "x" }',
      "let b = blob(); for i in 0..9 { b += 1 }",
      "let b = blob(); for i in 0..9 { b.push(1) }",
      "let b = blob(8); b.append(blob(1))",
    ]) {
      expect(failure(src, engine), src).toMatchObject({ code: "ErrorDataTooLarge", line: 1 });
    }
  });

  test("a value may grow right up to each size limit", () => {
    const engine = quietEngine();
    engine.limits.maxArraySize = 8;
    engine.limits.maxMapSize = 8;
    engine.limits.maxStringSize = 8;
    expect(engine.eval('let m = #{}; for i in 0..8 { m["k" + i] = i } m.len()')).toBe(8);
    expect(engine.eval("let a = [1, 2, 3, 4]; a.append([5, 6, 7, 8]); a.len")).toBe(8);
    expect(engine.eval("let a = [1, 2, 3, 4]; a += [5, 6, 7, 8]; a.len")).toBe(8);
    expect(engine.eval('let s = "1234"; s += "5678"; s.len')).toBe(8);
    // UTF-8 bytes count: four two-byte characters fit, five do not.
    expect(engine.eval('let s = ""; for i in 0..4 { s += "é" } s.len')).toBe(4);
    expect(failure('let s = ""; for i in 0..5 { s += "é" }', engine).code).toBe(
      "ErrorDataTooLarge",
    );
  });

  test("size checks cost the change, not the size of the whole value", () => {
    // 20,000 appends under a 16 Mi limit took 6.8 s when every change re-measured the value.
    const engine = quietEngine();
    engine.limits.maxStringSize = 16 * 1024 * 1024;
    engine.limits.maxArraySize = 1024 * 1024;
    engine.limits.maxMapSize = 1024 * 1024;
    const started = performance.now();
    expect(
      engine.eval(`
        let s = ""; let a = []; let m = #{}; let rows = [];
        for i in 0..20000 { s += "abcdefghij"; a.push(i); m[\`k\${i}\`] = i; rows += [[i]]; }
        s.len + a.len + m.len() + rows.len`),
    ).toBe(260_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test("V8's own size ceiling is a data-size error, deep recursion a stack overflow", () => {
    const engine = quietEngine(); // no size limits: the string doubles until V8 refuses
    expect(failure('let s = "x"; loop { s += s }', engine)).toMatchObject({
      code: "ErrorDataTooLarge",
      line: 1,
    });
    expect(failure('let s = "x"; loop { s = s + s }', engine).code).toBe("ErrorDataTooLarge");
    expect(failure("fn f(x) { 1 + f(x + 1) } f(0)").code).toBe("ErrorStackOverflow");
  });

  test("large arrays and blobs are appended without overflowing the JS stack", () => {
    const engine = quietEngine();
    expect(engine.eval("let a = []; a.pad(300000, 1); let b = [0]; b += a; b.len")).toBe(300_001);
    expect(engine.eval("let a = []; a.pad(300000, 1); let b = [0]; b.splice(0, 0, a); b.len")).toBe(
      300_001,
    );
    expect(engine.eval("let a = blob(300000); let b = blob(1); b += a; b.len")).toBe(300_001);
    expect(engine.eval("let a = blob(300000); let b = blob(1); b.splice(0, 0, a); b.len")).toBe(
      300_001,
    );
  });

  test("the job defaults stop runaway growth with a data-size error and a position", () => {
    const engine = quietEngine();
    Object.assign(engine.limits, DEFAULT_ENGINE_LIMITS);
    for (const src of [
      "let a = [];\nloop { a.push(1) }",
      'let s = "x";\nloop { s += s }',
      "let b = blob(1);\nloop { b += b }",
    ]) {
      expect(failure(src, engine), src).toMatchObject({ code: "ErrorDataTooLarge", line: 2 });
    }
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

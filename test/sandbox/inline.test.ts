// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} in plain strings is Rhai interpolation under test
// The inline path: tiny scripts that cannot loop or call anything answered without a worker,
// with the same answers and failures as a worker gives, and every other script still sent
// to a worker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/rhai/index.js";
import { createSandbox, DEFAULT_ENGINE_LIMITS, type Sandbox } from "../../src/sandbox/index.js";
import { InlineRunner, isInlineScript } from "../../src/sandbox/inline.js";
import { failureOf, fixture, scriptJob } from "./helpers.js";

const inlineRunner = (limits = {}) =>
  InlineRunner.create({ ...DEFAULT_ENGINE_LIMITS, ...limits }, []) as InlineRunner;

describe("which scripts may run inline", () => {
  const engine = new Engine();
  it.each([
    "1 + 1",
    'let x = ENV.FOO; x + "!"',
    "`${JOB_ID}: ${SIGNATORIES[0]}`",
    'if 1 < 2 { "y" } else { "n" }',
    'switch 3 { 1 => "a", 3 => "c", _ => "z" }',
    "let m = #{a: 1}; m.b = [1, 2]; m",
    "return ENV.X ?? 0;",
    '"abc".len',
  ])("inline: %s", (source) => {
    expect(isInlineScript(engine.compile(source))).toBe(true);
  });

  it.each([
    'print("x"); 1',
    "loop {}",
    "while true {}",
    "for i in 0..10 {}",
    "do {} while false",
    "fn f() { 1 } 1",
    'len("x")',
    '"x".len()',
    "let f = |x| x; 1",
    "try { 1 } catch { 2 }",
    "throw 1",
    'eval("1")',
    'import "m" as m; 1',
    "global::X",
  ])("worker: %s", (source) => {
    expect(isInlineScript(engine.compile(source))).toBe(false);
  });

  it("is off when a host function could change such a script", () => {
    const echo = { name: "echo", params: ["any"] };
    for (const f of [
      { name: "+", params: ["i64", "i64"] },
      { name: "==", params: ["any", "any"] },
      { name: "get$len", params: ["string"] },
      { name: "set$x", params: ["map", "any"] },
      { name: "index$get", params: ["array", "i64"] },
      { name: "to_string", params: ["f64"] },
      { name: "contains", params: ["string", "string"] },
    ]) {
      expect(InlineRunner.create(DEFAULT_ENGINE_LIMITS, [echo, f])).toBeUndefined();
    }
  });

  it("stays on for plain host functions and for implicit ones on host types only", () => {
    const functions = [
      { name: "redis_get", params: ["string"] },
      { name: "get$title", params: ["Note"] },
      { name: "to_string", params: ["Note"] },
      { name: "==", params: ["Note", "any"] },
    ];
    expect(InlineRunner.create(DEFAULT_ENGINE_LIMITS, functions)).toBeDefined();
  });
});

describe("the inline runner on its own", () => {
  it("answers a tiny script and leaves failures to a worker", () => {
    const runner = inlineRunner();
    expect(runner.tryRun(scriptJob("1 + 1"))).toBe("2");
    expect(runner.tryRun(scriptJob("ENV.FOO", { envVars: { FOO: "bar" } }))).toBe("bar");
    for (const source of ["1 / 0", "undefined_var", "let = 2;", 'print("x")', "loop {}"]) {
      expect(runner.tryRun(scriptJob(source))).toBeUndefined();
    }
  });

  it("leaves long sources, large worlds and values past its caps to a worker", () => {
    const runner = inlineRunner();
    expect(runner.tryRun(scriptJob(`${" ".repeat(600)}1`))).toBeUndefined();
    expect(runner.tryRun(scriptJob("1", { envVars: { BIG: "x".repeat(5000) } }))).toBeUndefined();
    const doubling = `let s = "0123456789abcdef"; ${"s += s; ".repeat(11)} s.len`;
    expect(runner.tryRun(scriptJob(doubling))).toBeUndefined();
  });

  it("keeps the runner's tighter limits", () => {
    const runner = inlineRunner({ maxOperations: 3 });
    expect(runner.tryRun(scriptJob("let a = 1; let b = 2; let c = 3; a + b + c"))).toBeUndefined();
  });

  it("gives each run its own variables", () => {
    const runner = inlineRunner();
    expect(runner.tryRun(scriptJob("let x = 5; x"))).toBe("5");
    expect(runner.tryRun(scriptJob("x"))).toBeUndefined();
  });
});

describe("sandbox answers inline as a worker would", () => {
  let inline: Sandbox;
  let workers: Sandbox;
  beforeAll(async () => {
    const modules = [{ url: fixture("test-module.mjs"), options: { tag: "t1" } }];
    [inline, workers] = await Promise.all([
      createSandbox({ size: 1, modules }),
      createSandbox({ size: 1, modules, inline: false }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([inline.close(), workers.close()]);
  });

  const sources = [
    "1 + 1",
    '[1, "a", 2.5, #{x: ()}]',
    "let x = 1;",
    'JOB_ID + "|" + CALLER_ID + "|" + SIGNATORIES[1] + "|" + ENV.FOO',
    'ENV.MISSING ?? "none"',
    "`${1 + 1} ${true} ${[1, 2]}`",
    'if 1 < 2 { "y" } else { "n" }',
    'switch 3 { 1 => "a", 3 => "c", _ => "z" }',
    "let m = #{a: 1}; m.b = 2; m",
    '"abc".len',
    "1.0 / 3.0",
    "0x7fffffffffffffff",
    `let s = "0123456789abcdef"; ${"s += s; ".repeat(11)} s.len`,
    "1 / 0",
    "9223372036854775807 + 1",
    "let a = 1;\n  a + undefined_var",
    "let a = 1;\nlet = 2;",
    "const C = 1; C = 2;",
    'JOB_ID = "x";',
  ];
  it.each(sources)("%s", async (source) => {
    const job = scriptJob(source, { envVars: { FOO: "bar" } });
    const outcome = (p: Promise<string>) =>
      p.then(
        (output) => ({ output }),
        (e: Error & { errorKind?: string }) => ({ kind: e.errorKind, message: e.message }),
      );
    expect(await outcome(inline.run(job))).toEqual(await outcome(workers.run(job)));
  });

  it("answers while its only worker is busy, so no worker ran it", async () => {
    const controller = new AbortController();
    const busy = failureOf(inline.run(scriptJob("loop {}"), { signal: controller.signal }));
    try {
      expect(await inline.run(scriptJob("40 + 2"))).toBe("42");
    } finally {
      controller.abort("cancelled");
    }
    expect((await busy).errorKind).toBe("cancelled");
  });

  it("still refuses a job cancelled before it runs, and any job once closed", async () => {
    const controller = new AbortController();
    controller.abort("cancelled");
    const failure = await failureOf(inline.run(scriptJob("1 + 1"), { signal: controller.signal }));
    expect(failure.errorKind).toBe("cancelled");
    const other = await createSandbox({ size: 1 });
    await other.close();
    expect((await failureOf(other.run(scriptJob("1 + 1")))).message).toMatch(/closed/);
  });
});

describe("a host module that shadows what the engine calls implicitly", () => {
  it("turns the inline path off, so the worker's answer stands", async () => {
    const sandbox = await createSandbox({
      size: 1,
      modules: [{ url: fixture("getter-module.mjs") }],
    });
    try {
      expect(await sandbox.run(scriptJob('"abc".len'))).toBe("99");
    } finally {
      await sandbox.close();
    }
  });
});

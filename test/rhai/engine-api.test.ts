import { describe, expect, test } from "vitest";
import {
  Engine,
  Float,
  isRhaiError,
  RHAI_TYPE_NAME,
  Scope,
  type Value,
} from "../../src/rhai/index.js";
import { quietEngine } from "./helpers.js";

class Counter {
  readonly [RHAI_TYPE_NAME] = "Counter";
  constructor(public n: number) {}
}

describe("engine API", () => {
  test("print and debug go to the hooks with their text", () => {
    const engine = quietEngine();
    engine.eval(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
      'print("hi"); print(42); print(1.0); print(\'c\'); debug("q"); print(`${[1, "a"]}`)',
    );
    expect(engine.output).toEqual(["hi", "42", "1.0", "c", 'debug: "q"', '[1, "a"]']);
  });

  test("a compiled script runs many times with different scopes", () => {
    const engine = quietEngine();
    const ast = engine.compile("JOB_ID + ENV.user");
    const env = new Map<string, Value>([["user", "bob"]]);
    expect(
      engine.eval(ast, new Scope().pushConstant("JOB_ID", "j1-").pushConstant("ENV", env)),
    ).toBe("j1-bob");
    expect(
      engine.eval(ast, new Scope().pushConstant("JOB_ID", "j2-").pushConstant("ENV", env)),
    ).toBe("j2-bob");
  });

  test("closures see the host scope; functions do not", () => {
    const engine = quietEngine();
    const scope = new Scope().pushConstant("JOB_ID", "j7");
    expect(engine.eval("let f = || JOB_ID; f.call()", scope)).toBe("j7");
    expect(engine.eval('[1, 2].map(|x| JOB_ID + "-" + x)', scope)).toEqual(["j7-1", "j7-2"]);
    expect(() => engine.eval("fn f() { JOB_ID } f()", scope)).toThrow(/JOB_ID/);
  });

  test("a script compiled by one engine runs on another with that engine's functions", () => {
    const a = quietEngine();
    const b = quietEngine();
    b.lib.fn("who", [], () => "b");
    const ast = a.compile("fn f() { 1 } f() + who()");
    expect(() => a.eval(ast)).toThrow(/Function not found: who/);
    expect(b.eval(ast)).toBe("1b");
    expect(b.eval(ast)).toBe("1b");
  });

  test("scope constants cannot be assigned; variables written back", () => {
    const engine = quietEngine();
    const scope = new Scope().pushConstant("K", 1).push("v", 1);
    expect(() => engine.eval("K = 2;", scope)).toThrow(/constant/);
    engine.eval("v += 1; let created = v * 10;", scope);
    expect(scope.get("v")).toBe(2);
    expect(scope.get("created")).toBe(20);
  });

  test("strict variables accept names the scope defines", () => {
    const engine = quietEngine();
    engine.options.strictVariables = true;
    expect(engine.eval("X + 1", new Scope().push("X", 1))).toBe(2);
    expect(() => engine.compile("Y + 1")).toThrow(/Undefined variable/);
  });

  test("registered natives resolve by argument types", () => {
    const engine = quietEngine();
    engine.lib.fn("describe", ["i64"], () => "int");
    engine.lib.fn("describe", ["string"], () => "string");
    engine.lib.fn("describe", ["any"], () => "other");
    expect(engine.eval('[describe(1), describe("x"), describe(1.5), describe(2)]')).toEqual([
      "int",
      "string",
      "other",
      "int",
    ]);
  });

  test("a mutating native writes back to the variable, element or property", () => {
    const engine = quietEngine();
    engine.lib.fn(
      "bump",
      ["i64"],
      (_ctx, args) => {
        args[0] = (args[0] as number) + 1;
        return undefined;
      },
      { mutatesFirst: true },
    );
    expect(engine.eval("let x = 1; x.bump(); bump(x); x")).toBe(3);
    expect(engine.eval("let a = [1]; a[0].bump(); a[0]")).toBe(2);
    expect(engine.eval("let a = [1]; bump(a[0]); a[0]")).toBe(1);
    expect(engine.eval("let m = #{n: 5}; m.n.bump(); m.n")).toBe(6);
    expect(() => engine.eval("const c = 1; c.bump();")).toThrow(/constant/);
  });

  test("host types with getters, setters and methods", () => {
    const engine = quietEngine();
    engine.lib.fn("new_counter", [], () => new Counter(0) as unknown as Value);
    engine.lib.fn("get$n", ["Counter"], (_ctx, [c]) => (c as unknown as Counter).n);
    engine.lib.fn("set$n", ["Counter", "i64"], (_ctx, [c, v]) => {
      (c as unknown as Counter).n = v as number;
      return undefined;
    });
    engine.lib.fn("inc", ["Counter"], (_ctx, [c]) => {
      (c as unknown as Counter).n++;
      return undefined;
    });
    expect(engine.eval("let c = new_counter(); c.n = 5; c.inc(); [type_of(c), c.n]")).toEqual([
      "Counter",
      6,
    ]);
  });

  test("natives can call back into the script", () => {
    const engine = quietEngine();
    engine.lib.fn("twice", ["Fn", "any"], (ctx, [f, x]) => {
      const once = ctx.callFnPtr(f as never, [x]);
      return ctx.callFnPtr(f as never, [once]);
    });
    expect(engine.eval('fn inc(x) { x + 1 } twice(Fn("inc"), 1) + twice(|x| x * 3, 1)')).toBe(12);
  });

  test("a host function returning null gives unit", () => {
    const engine = quietEngine();
    engine.lib.fn("nothing", [], () => null as unknown as Value);
    expect(engine.eval("print(nothing()); [type_of(nothing()), nothing() ?? 1]")).toEqual([
      "()",
      1,
    ]);
    expect(engine.output).toEqual([""]);
  });

  test("natives learn how many arguments a function pointer takes", () => {
    const engine = quietEngine();
    engine.lib.fn("arity", ["Fn"], (ctx, [f]) => ctx.fnPtrArity?.(f as never) ?? -1);
    expect(
      engine.eval(
        'fn one(a) {} fn two(a, b) {} fn two(a) {} [arity(|x, y| x), arity(Fn("one")), arity(Fn("two")), arity(Fn("one").curry(1)), arity(Fn("abs"))]',
      ),
    ).toEqual([2, 1, -1, 0, -1]);
  });

  test("a raw engine has the language but no packages", () => {
    const engine = Engine.raw();
    engine.onPrint(() => {});
    expect(engine.eval("let x = [1, 2]; x[1] * 21")).toBe(42);
    expect(() => engine.eval("[1].len()")).toThrow(/Function not found/);
  });

  test("expressions only", () => {
    const engine = quietEngine();
    expect(engine.evalExpression("1 + 2 * 3")).toBe(7);
    for (const src of ["let x = 1", "x = 1", "{ 1 }", "|x| x", "loop {}", "1;"]) {
      expect(() => engine.evalExpression(src), src).toThrow();
    }
  });

  test("floats are boxed, integers are numbers or bigints", () => {
    const engine = quietEngine();
    expect(engine.eval("1.5")).toEqual(new Float(1.5));
    expect(engine.eval("9223372036854775807")).toBe(9223372036854775807n);
    expect(engine.eval("9007199254740991 + 1")).toBe(9007199254740992n);
    expect(engine.eval("9007199254740992 - 1")).toBe(9007199254740991);
  });

  test("errors carry code, message and position", () => {
    try {
      quietEngine().eval("let a = 1;\nlet b = a +;");
      expect.unreachable();
    } catch (e) {
      expect(isRhaiError(e)).toBe(true);
      if (!isRhaiError(e)) return;
      expect(e.phase).toBe("parse");
      expect(e.position.line).toBe(2);
      expect(e.message).toMatch(/line 2/);
    }
  });

  test("eval runs in the caller's scope", () => {
    const engine = quietEngine();
    expect(engine.eval('let x = 1; eval("x += 1"); x')).toBe(2);
    expect(engine.eval('eval("let y = 5"); y * 2')).toBe(10);
    expect(engine.eval('let r = 1; { eval("let r = 7"); } r')).toBe(1);
    expect(engine.eval('eval("40 + 2")')).toBe(42);
    expect(engine.eval('let x = 10; let r = eval("let y = x; y += 2; x + y"); [r, y]')).toEqual([
      22, 12,
    ]);
    // In Rhai 1.25 `eval` is a keyword: no function or variable may take its name.
    expect(() => engine.compile("fn eval(s) { s }")).toThrow(/reserved/);
    expect(() => engine.eval('eval("1 +")')).toThrow(/Script is incomplete|Unexpected/);
  });

  test("import has no module resolver yet", () => {
    expect(() => quietEngine().eval('import "m" as m;')).toThrow(/Module not found/);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FileModuleResolver, Module, StaticModuleResolver } from "../../src/rhai/index.js";
import { failure, quietEngine, run } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rhai-modules-"));
writeFileSync(
  join(dir, "geo.rhai"),
  `
  export const PI3 = 3;
  let hidden = 1;
  let r = 2;
  export r as radius;
  fn area(r) { global::PI3 * r * r }
  fn twice(x) { helper(x) * 2 }
  private fn helper(x) { x }
  print("geo loaded");
  `,
);
writeFileSync(join(dir, "broken.rhai"), "let x = ;");
writeFileSync(join(dir, "uses.rhai"), 'import "geo" as g; export const A = g::area(1);');

function engineWithFiles() {
  const engine = quietEngine();
  engine.setModuleResolver(new FileModuleResolver(dir));
  return engine;
}

describe("modules", () => {
  test.each([
    ['import "geo" as g; g::PI3', "3"],
    ['import "geo" as g; g::radius', "2"],
    ['import "geo" as g; g::area(2)', "12"],
    ['import "geo" as g; g::twice(5)', "10"],
    ['import "uses" as u; u::A', "3"],
    ['let r = 0; { import "geo" as g; r = g::PI3; } r', "3"],
    ['fn f() { g::PI3 } import "geo" as g; f()', "3"],
  ])("%s is %s", (src, expected) => {
    expect(run(src, engineWithFiles())).toBe(expected);
  });

  test("a module runs once per resolver and its output goes to the hooks", () => {
    const engine = engineWithFiles();
    engine.eval('import "geo" as a; import "geo" as b; a::PI3 + b::PI3');
    expect(engine.output).toEqual(["geo loaded"]);
  });

  test.each([
    ['import "geo" as g; g::hidden', "ErrorVariableNotFound", 1, 20],
    ['import "geo" as g; g::helper(1)', "ErrorFunctionNotFound", 1, 20],
    ['{ import "geo" as g; } g::PI3', "ErrorModuleNotFound", 1, 24],
    ['import "nothing" as n;', "ErrorModuleNotFound", 1, 1],
    ['import "broken" as b;', "ErrorInModule", 1, 1],
    ["import 42 as n;", "ErrorMismatchDataType", 1, 1],
  ])("%s fails with %s at %i:%i", (src, code, line, column) => {
    expect(failure(src, engineWithFiles())).toEqual({ code, line, column });
  });

  test("without a resolver an import is ErrorModuleNotFound", () => {
    expect(failure('import "geo" as g;').code).toBe("ErrorModuleNotFound");
  });

  test("the number of modules is limited", () => {
    const engine = engineWithFiles();
    engine.limits.maxModules = 1;
    expect(engine.eval('import "geo" as g; g::PI3')).toBe(3);
    expect(failure('import "geo" as a; import "geo" as b;', engine).code).toBe(
      "ErrorTooManyModules",
    );
  });

  test("host modules: static resolver, registered modules, natives and sub-modules", () => {
    const engine = quietEngine();
    const math = new Module("math").setVar("ANSWER", 42);
    math.lib.fn("double", ["i64"], (_ctx, [x]) => (x as number) * 2);
    math.setModule("deep", new Module().setVar("X", 7));
    engine.setModuleResolver(new StaticModuleResolver().add("math", math));
    expect(engine.eval('import "math" as m; m::double(m::ANSWER) + m::deep::X')).toBe(91);
    engine.registerModule("util", math);
    expect(engine.eval("util::double(2)")).toBe(4);
  });

  test("a script can be turned into a module directly", () => {
    const engine = quietEngine();
    const m = engine.moduleFromScript("export let x = 5; fn inc(v) { v + x }");
    expect(m.vars.get("x")).toBe(5);
    expect(m.hasFn("inc", 1)).toBe(true);
  });
});

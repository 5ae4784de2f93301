import { describe, expect, it } from "vitest";
import type { NativeFunction } from "../../../src/rhai/native.js";
import { corePackages, standardPackages } from "../../../src/rhai/packages/index.js";
import { Float, Timestamp } from "../../../src/rhai/value.js";
import { TestEngine, TestLibrary } from "./harness.js";

function all(lib: TestLibrary): NativeFunction[] {
  return [...lib.functions.values()].flat();
}

describe("the package registry", () => {
  it("documents every function in one line", () => {
    const lib = new TestLibrary();
    for (const p of standardPackages) p(lib);
    const undocumented = all(lib).filter((f) => !f.doc || f.doc.includes("\n"));
    expect(undocumented.map((f) => `${f.name}(${f.params.join(", ")})`)).toEqual([]);
  });

  it("never registers the same signature twice", () => {
    const seen = new Map<string, number>();
    const counting = new TestLibrary();
    counting.add = (fn) => {
      const key = `${fn.name}(${fn.params.join(",")})`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    };
    for (const p of standardPackages) p(counting);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
  });

  it("keeps the core set a subset of the standard set", () => {
    const core = new TestLibrary();
    for (const p of corePackages) p(core);
    expect(core.resolve("abs", [1])).toBeDefined();
    expect(core.resolve("sort", [[1]])).toBeUndefined();
    expect(core.iterators.has("StepRange<i64>")).toBe(true);
  });

  it("gives the same records to every engine", () => {
    const a = new TestEngine();
    const b = new TestEngine();
    expect(a.lib.resolve("abs", [1])).toBe(b.lib.resolve("abs", [1]));
  });
});

describe("time and core functions", () => {
  const e = new TestEngine();
  it("does arithmetic on timestamps", () => {
    const t = new Timestamp(1000);
    expect(e.call("+", t, 2)).toEqual(new Timestamp(3000));
    expect(e.call("-", t, new Float(0.5))).toEqual(new Timestamp(500));
    expect(e.call("-", new Timestamp(3000), t)).toEqual(new Float(2));
    expect(e.call("<", t, new Timestamp(1001))).toBe(true);
    expect(e.mutate("+=", t, 1)[1]).toEqual(new Timestamp(2000));
    const later = e.call("+", e.call("timestamp"), 3600);
    expect(() => e.call("elapsed", later)).toThrow(
      expect.objectContaining({ code: "ErrorArithmetic" }),
    );
  });

  it("sleeps for about the time asked", () => {
    const start = performance.now();
    e.call("sleep", new Float(0.05));
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
    expect(e.call("sleep", -1)).toBeUndefined();
  });

  it("takes a value out of its place", () => {
    expect(e.mutate("take", [1, 2])).toEqual([[1, 2], undefined]);
  });

  it("rejects malformed JSON with a clear error", () => {
    expect(() => e.call("parse_json", '{"a": }')).toThrow(/Invalid JSON/);
    expect(() => e.call("parse_json", "[1] x")).toThrow(/trailing/);
  });
});

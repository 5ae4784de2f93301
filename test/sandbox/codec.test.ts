// The bridge's value codec: every Rhai value that may cross survives a real structured clone.
import { describe, expect, it } from "vitest";
import { Blob, Char, Float, FnPtr, Range, type Value } from "../../src/rhai/index.js";
import { BridgeValueError, decodeValue, encodeValue } from "../../src/sandbox/index.js";

const roundTrip = (v: unknown): Value => decodeValue(structuredClone(encodeValue(v)));

describe("bridge value codec", () => {
  it.each<[string, Value]>([
    ["unit", undefined],
    ["bool", true],
    ["small INT", -42],
    ["big INT", 9007199254740993n],
    ["string", "héllo ✓"],
  ])("keeps %s as it is", (_name, v) => {
    expect(roundTrip(v)).toBe(v);
  });

  it("keeps FLOAT, char and blob boxed", () => {
    const f = roundTrip(new Float(2));
    expect(f).toBeInstanceOf(Float);
    expect((f as Float).value).toBe(2);
    const c = roundTrip(new Char("λ"));
    expect(c).toBeInstanceOf(Char);
    expect((c as Char).value).toBe("λ");
    const b = roundTrip(new Blob([0, 1, 255]));
    expect(b).toBeInstanceOf(Blob);
    expect((b as Blob).bytes).toEqual([0, 1, 255]);
  });

  it("walks arrays and maps", () => {
    const v = [1, new Map<string, Value>([["x", [new Float(0.5), "s"]]]), []];
    const back = roundTrip(v) as Value[];
    expect(back[0]).toBe(1);
    const m = back[1] as Map<string, Value[]>;
    expect(m).toBeInstanceOf(Map);
    const x = m.get("x") ?? [];
    expect((x[0] as Float).value).toBe(0.5);
    expect(x[1]).toBe("s");
    expect(back[2]).toEqual([]);
  });

  it("accepts what host code naturally returns", () => {
    expect(roundTrip(null)).toBe(undefined);
    expect((roundTrip(1.5) as Float).value).toBe(1.5);
    expect(roundTrip(5n)).toBe(5);
    expect((roundTrip(new Uint8Array([7, 8])) as Blob).bytes).toEqual([7, 8]);
  });

  it("refuses values that cannot cross, saying which", () => {
    expect(() => encodeValue(new FnPtr("f"))).toThrow(BridgeValueError);
    expect(() => encodeValue(new FnPtr("f"))).toThrow(/type Fn cannot cross/);
    expect(() => encodeValue(new Range(1, 2, false))).toThrow(/type range cannot cross/);
    expect(() => encodeValue({ a: 1 })).toThrow(BridgeValueError);
    expect(() => encodeValue(2n ** 64n)).toThrow(/outside the 64-bit range/);
    expect(() => encodeValue(new Map([[1, 2]]))).toThrow(/key must be a string/);
  });
});

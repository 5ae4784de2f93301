import { describe, expect, test } from "vitest";
import { argHandle, scalarText } from "../../src/host/index.js";
import { Float, RHAI_TYPE_NAME, RhaiRuntimeError, type Value } from "../../src/rhai/index.js";

class Handle {
  readonly [RHAI_TYPE_NAME] = "Handle";
}
/** Another class under the same type name: the engine would pick the same functions. */
class Impostor {
  readonly [RHAI_TYPE_NAME] = "Handle";
}

describe("argHandle", () => {
  test("gives the handle as its class", () => {
    const h = new Handle();
    expect(argHandle([1, h], 1, Handle)).toBe(h);
  });

  test("a value of another class is a catchable error, not a cast", () => {
    const call = () => argHandle([new Impostor() as Value], 0, Handle);
    expect(call).toThrow(RhaiRuntimeError);
    expect(call).toThrow("expected a Handle, not Handle");
    expect(() => argHandle([3], 0, Handle, "an Osiris object")).toThrow(
      "expected an Osiris object, not i64",
    );
  });
});

describe("scalarText", () => {
  test("strings, numbers and bools as their text; anything else undefined", () => {
    expect(scalarText("a")).toBe("a");
    expect(scalarText(3)).toBe("3");
    expect(scalarText(2n ** 60n)).toBe("1152921504606846976");
    expect(scalarText(new Float(1.5))).toBe("1.5");
    expect(scalarText(false)).toBe("false");
    expect(scalarText([1])).toBeUndefined();
    expect(scalarText(undefined)).toBeUndefined();
  });
});

import { describe, expect, test } from "vitest";
import { coerceError } from "../../src/util/index.js";

describe("coerceError", () => {
  test("an Error is returned as it is", () => {
    const e = new TypeError("bad");
    expect(coerceError(e)).toBe(e);
  });

  test("anything else becomes an Error with String(value) as message and the value as cause", () => {
    for (const v of ["text", 42, undefined, null, { a: 1 }]) {
      const e = coerceError(v);
      expect(e).toBeInstanceOf(Error);
      expect(e.message).toBe(String(v));
      expect(e.cause).toBe(v);
    }
  });

  test("a value String() throws on still gives a message", () => {
    const bare = Object.create(null) as object;
    expect(coerceError(bare).message).toBe("[object Object]");
  });
});

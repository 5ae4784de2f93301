// Script return codes are named in one table each, and a code no table has is an error, not
// a silent default (it once turned surprises into "already-run" or "not-holder").
import { describe, expect, test } from "vitest";
import {
  decodeCode,
  FINISH_CODES,
  START_CODES,
  SUBMIT_CODES,
  UnknownCodeError,
} from "../../src/protocol/codes.js";

describe("script return codes", () => {
  test("each known code has its word", () => {
    expect(decodeCode(START_CODES, -2, "START")).toBe("already-run");
    expect(decodeCode(FINISH_CODES, 2, "FINISH")).toBe("written");
    expect(decodeCode(SUBMIT_CODES, -7, "SUBMIT")).toBe("claimed");
  });

  test.each([[7], [-9], ["1"], [null], [undefined]])(
    "an unknown code (%s) throws, naming the script",
    (code) => {
      expect(() => decodeCode(FINISH_CODES, code, "FINISH")).toThrow(UnknownCodeError);
      expect(() => decodeCode(FINISH_CODES, code, "FINISH")).toThrow(
        /FINISH answered .*a code it never returns/,
      );
    },
  );
});

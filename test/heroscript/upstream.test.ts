// herolib's own tests, as data (upstream-vectors.ts names each upstream file): every row is
// one upstream assertion, run against our parser, params and playbook.
import { describe, expect, test } from "vitest";
import { ParamError } from "../../src/heroscript/index.js";
import { FAILS, VECTORS } from "./upstream-vectors.js";

describe("herolib's test vectors", () => {
  for (const [i, v] of VECTORS.entries()) {
    const title = `${String(i + 1).padStart(3, "0")} ${v.from}: ${v.what}`;
    if (v.skip !== undefined || v.actual === undefined) {
      test.skip(`${title} (not here: ${v.skip})`, () => {});
      continue;
    }
    const actual = v.actual;
    test(title, () => {
      if (v.expected === FAILS) {
        // Upstream raises; we raise the error that names the parameter.
        expect(actual).toThrow(ParamError);
        return;
      }
      expect(actual()).toEqual(v.differs ? v.differs.ours : v.expected);
    });
  }
});

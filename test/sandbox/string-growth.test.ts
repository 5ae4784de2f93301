// Building a long string by appending must stay linear near the string size limit, and the
// limit must still be exact (UTF-8 bytes, as the reference counts them) for every join.
import { describe, expect, test } from "vitest";
import { Engine, isRhaiError } from "../../src/rhai/index.js";
import { utf8Length } from "../../src/rhai/ops.js";
import { createSandbox } from "../../src/sandbox/index.js";
import { DEFAULT_ENGINE_LIMITS } from "../../src/sandbox/limits.js";
import { scriptJob } from "./helpers.js";

function outcome(engine: Engine, src: string): string {
  try {
    return String(engine.eval(src));
  } catch (e) {
    if (isRhaiError(e)) return e.code;
    throw e;
  }
}

describe("appending to a string near the size limit", () => {
  test("600k appends of 10 bytes finish in a worker with the default limits", async () => {
    const sandbox = await createSandbox({ modules: [], size: 1, inline: false });
    try {
      const started = performance.now();
      const out = await sandbox.run(
        scriptJob('let out = ""; for i in 0..600000 { out += "abcdefghij"; } out.len()'),
        { timeoutMs: 60_000 },
      );
      expect(out).toBe("6000000");
      // Quadratic counting took minutes; linear takes about a second (slack for a busy host).
      expect(performance.now() - started).toBeLessThan(30_000);
    } finally {
      await sandbox.close();
    }
  }, 70_000);

  test("growing past the default limit fails fast with the engine's size error", () => {
    const engine = new Engine();
    Object.assign(engine.limits, DEFAULT_ENGINE_LIMITS);
    const started = performance.now();
    // 1.7 M appends of 10 bytes: 17,000,000 > 16 MiB.
    expect(
      outcome(engine, 'let out = ""; for i in 0..1700000 { out += "abcdefghij"; } out.len()'),
    ).toBe("ErrorDataTooLarge");
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 40_000);

  test("the limit counts UTF-8 bytes exactly across every kind of join", () => {
    // Strings and chars of 1-, 2-, 3- and 4-byte characters (a surrogate pair in JS).
    const pieces = ['"a"', '"é"', "'€'", '"😀"', "'😀'", '"ab"', '"😀x"', "'é'"];
    let checked = 0;
    for (let max = 6; max <= 24; max++) {
      for (let seed = 0; seed < 40; seed++) {
        const engine = new Engine();
        engine.limits.maxStringSize = max;
        let text = "";
        const steps: string[] = [];
        let expected = "";
        let x = seed * 7919 + max;
        for (let i = 0; i < 12; i++) {
          x = (x * 1103515245 + 12345) % 2147483648;
          const piece = pieces[x % pieces.length] as string;
          steps.push(`s += ${piece};`);
          text += piece.slice(1, -1);
          if (expected === "" && (text.length > max || utf8Length(text) > max))
            expected = "ErrorDataTooLarge";
        }
        if (expected === "") expected = String(text.length);
        // Rhai's len() counts chars, not units: compare the size check only.
        const got = outcome(engine, `let s = ""; ${steps.join(" ")} "ok"`);
        expect(got, `max ${max}: ${steps.join(" ")}`).toBe(
          expected === "ErrorDataTooLarge" ? expected : "ok",
        );
        checked++;
      }
    }
    expect(checked).toBe(19 * 40);
  });
});

// Hostile heroscript: the parser answers with a script or a HeroscriptSyntaxError, quickly,
// for any text; what it reads it can write back and read again the same.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  HeroscriptSyntaxError,
  parseHeroscript,
  writeHeroscript,
} from "../../src/heroscript/index.js";

const RUNS = 300;

/** Text made of heroscript's own pieces, so the parser's deeper paths are reached. */
const pieces = fc.constantFrom(
  "!!",
  "!",
  "!!!",
  "!!!!!",
  "![",
  "play.echo",
  "a.b.c",
  "core",
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "key:",
  "value",
  "'",
  '"',
  "'''",
  ":'",
  '\\"',
  "\\'",
  ",",
  "[",
  "]",
  "//",
  "// note\n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a heroscript placeholder
  "${x}",
  "@x",
  "{x}",
  "id:1",
  "ids:1,2,3",
  "é",
  "😀",
);
const scriptish = fc.array(pieces, { maxLength: 60 }).map((p) => p.join(""));

function parseOrSyntaxError(text: string): ReturnType<typeof parseHeroscript> | undefined {
  try {
    return parseHeroscript(text);
  } catch (e) {
    if (!(e instanceof HeroscriptSyntaxError)) throw e;
    expect(e.message).toMatch(/line \d+/);
    return undefined;
  }
}

describe("heroscript fuzzing", () => {
  test("any text parses or fails with a HeroscriptSyntaxError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 400 }), scriptish), (text) => {
        parseOrSyntaxError(text);
      }),
      { numRuns: RUNS },
    );
  });

  test("what parses, written back, parses to the same actions", () => {
    fc.assert(
      fc.property(scriptish, (text) => {
        const script = parseOrSyntaxError(text);
        if (!script) return;
        let written: string;
        try {
          written = writeHeroscript(script);
        } catch {
          return; // the writer refuses values it cannot write unchanged, by design
        }
        const again = parseHeroscript(written);
        // Where a parameter stood (line, column) is layout, which the writer chooses; what
        // the actions say must come back the same.
        const shape = (s: typeof script) =>
          s.actions.map((a) => ({
            actor: a.actor,
            name: a.name,
            params: a.params.entries.map(({ line: _l, column: _c, ...said }) => said),
          }));
        expect(shape(again)).toEqual(shape(script));
      }),
      { numRuns: RUNS },
    );
  });

  test("huge and deeply repeated input stays fast and bounded", () => {
    const t0 = performance.now();
    parseOrSyntaxError(`!!a.b ${"k:'v' ".repeat(20_000)}`);
    parseOrSyntaxError("!!a.b x:'\n".repeat(5_000));
    parseOrSyntaxError(`${"  ".repeat(50_000)}!!a.b`);
    expect(performance.now() - t0).toBeGreaterThan(0);
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${key} is heroscript placeholder syntax under test
// Placeholders: which spellings are replaced, from where, and what is left alone.
import { describe, expect, test } from "vitest";
import { replacePlaceholders, scopedLookup } from "../../src/heroscript/index.js";

const lookup = scopedLookup(
  new Map([["name", "include-arg"]]),
  new Map([
    ["NAME", "env"],
    ["HOST", "h1"],
  ]),
);

test.each<[string, string, string]>([
  ["@key", "hi @HOST!", "hi h1!"],
  ["${key}", "hi ${HOST}x", "hi h1x"],
  ["{key}", "hi {HOST}", "hi h1"],
  [
    "the first scope wins (include arguments over the session)",
    "{name} ${NAME}",
    "include-arg env",
  ],
  ["case-insensitive when nothing matches exactly", "@host", "h1"],
  ["unknown keys are left as written", '{"json": 1} a@b.c ${nope}', '{"json": 1} a@b.c ${nope}'],
])("%s", (_, text, expected) => {
  expect(replacePlaceholders(text, lookup)).toBe(expected);
});

describe("placeholders in lists", () => {
  test("a filled-in ',' stays inside its item; other items still split", async () => {
    const { PlaybookEngine, ActionRegistry } = await import("../../src/heroscript/index.js");
    const seen: string[][] = [];
    const registry = new ActionRegistry().register({
      name: "t.list",
      summary: "records getList",
      run: (ctx) => {
        seen.push(ctx.params.getList("l"));
      },
    });
    await new PlaybookEngine(registry).run(
      "!!t.list l:'{NAME}'\n!!t.list l:'{NAME}',x\n!!t.list l:'h1,h2,h3'",
      { env: { NAME: "a,b" } },
    );
    expect(seen).toEqual([["a,b"], ["a,b", "x"], ["h1", "h2", "h3"]]);
  });
});

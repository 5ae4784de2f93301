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

describe("filling is capped at MAX_EXPANDED_CHARS", async () => {
  const { MAX_EXPANDED_CHARS, PlaybookEngine, builtinActions, replaceAtParse } = await import(
    "../../src/heroscript/index.js"
  );
  const cap = MAX_EXPANDED_CHARS;
  const env = (x: string) => scopedLookup(new Map([["x", x]]));

  test("the cap is 16 MiB", () => {
    expect(cap).toBe(16 * 1024 * 1024);
  });

  test("a value may grow to the cap, not one character past it", () => {
    expect(replacePlaceholders("{x}", env("a".repeat(cap))).length).toBe(cap);
    expect(() => replacePlaceholders("{x}", env("a".repeat(cap + 1)))).toThrow(
      `filling placeholders would make a value (at '{x}') longer than ${cap} characters`,
    );
  });

  test("a short script repeating a large value fails with its action and line", async () => {
    const engine = new PlaybookEngine(builtinActions());
    const script = `!!play.echo ok\n!!play.echo content:'${"{x}".repeat(1000)}'`;
    await expect(engine.run(script, { env: { x: "b".repeat(20_000) } })).rejects.toThrow(
      /^line 2: !!play\.echo: filling placeholders would make a value \(at '\{x\}'\) longer than/,
    );
  });

  test("replacement at parse time: up to the cap, and refused before building past it", () => {
    const base = "!!a.b x:@v";
    const fits = "c".repeat(cap - base.length + 2);
    expect(replaceAtParse(base, { v: fits }).length).toBe(cap);
    expect(() => replaceAtParse(base, { v: `${fits}c` })).toThrow(
      `filling placeholders would make the script (replacing '@v') longer than ${cap} characters`,
    );
  });
});

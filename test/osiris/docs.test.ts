// docs/osiris.md carries a reference generated from the model declarations and the host
// module; this test fails when they drift apart. `UPDATE_DOCS=1` rewrites that part.
import { readFileSync, writeFileSync } from "node:fs";
import { expect, test } from "vitest";
import { osirisReference } from "../../src/osiris/index.js";

const PAGE = new URL("../../docs/osiris.md", import.meta.url);
const START = /<!-- generated: osiris reference[^\n]*-->\n/;
const END = "<!-- end of generated reference -->";

test("docs/osiris.md holds the reference generated from the code", () => {
  const page = readFileSync(PAGE, "utf8");
  const start = START.exec(page);
  const end = page.indexOf(END);
  expect(start, "the start marker").not.toBeNull();
  expect(end, "the end marker").toBeGreaterThan(0);
  const from = (start?.index ?? 0) + (start?.[0].length ?? 0);
  const wanted = `\n${osirisReference()}\n\n`;
  if (process.env.UPDATE_DOCS === "1") {
    writeFileSync(PAGE, page.slice(0, from) + wanted + page.slice(end));
    return;
  }
  expect(page.slice(from, end)).toBe(wanted);
});

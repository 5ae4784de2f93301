// Wildcard patterns come from scripts and are matched on the runner's main thread: they must
// match as the shell does and never take more than (name length) x (pattern length) steps.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { osModule } from "../../src/sal/index.js";
import { compileGlob, MAX_GLOB_LENGTH } from "../../src/sal/os/glob.js";
import { callMain, mainContext, rejection, type TestMainContext, tempDir } from "./helpers.js";

/**
 * An independent oracle: a plain recursive matcher, exponential in the worst case but
 * obviously right, for short patterns and subjects only.
 */
function oracle(p: string, s: string): boolean {
  if (p === "") return s === "";
  if (p.startsWith("**/")) {
    if (oracle(p.slice(3), s)) return true;
    for (let i = 0; i < s.length; i++)
      if (s[i] === "/" && oracle(p.slice(3), s.slice(i + 1))) return true;
    return false;
  }
  if (p.startsWith("**")) {
    for (let i = 0; i <= s.length; i++) if (oracle(p.slice(2), s.slice(i))) return true;
    return false;
  }
  if (p[0] === "*") {
    for (let i = 0; i <= s.length; i++) {
      if (oracle(p.slice(1), s.slice(i))) return true;
      if (s[i] === "/") return false;
    }
    return false;
  }
  if (s === "") return false;
  if (p[0] === "?") return s[0] !== "/" && oracle(p.slice(1), s.slice(1));
  if (p[0] === "[") {
    const close = p.indexOf("]", p[1] === "!" ? 3 : 2);
    if (close !== -1) {
      const negated = p[1] === "!";
      const body = p.slice(negated ? 2 : 1, close);
      let hit = false;
      for (let i = 0; i < body.length; i++) {
        if (body[i + 1] === "-" && i + 2 < body.length) {
          if (
            (s[0] as string) >= (body[i] as string) &&
            (s[0] as string) <= (body[i + 2] as string)
          )
            hit = true;
          i += 2;
        } else if (body[i] === s[0]) hit = true;
      }
      return s[0] !== "/" && hit !== negated && oracle(p.slice(close + 1), s.slice(1));
    }
  }
  return p[0] === s[0] && oracle(p.slice(1), s.slice(1));
}

describe("compileGlob", () => {
  test.each([
    ["*.rs", "main.rs", true],
    ["*.rs", "main.rsx", false],
    ["*.rs", "src/main.rs", false], // * never crosses /
    ["?.rs", "a.rs", true],
    ["?.rs", "ab.rs", false],
    ["file[0-9].txt", "file7.txt", true],
    ["file[0-9].txt", "filex.txt", false],
    ["file[!0-9].txt", "filex.txt", true],
    ["file[!0-9].txt", "file7.txt", false],
    ["[]]x", "]x", true], // ] first in a class belongs to it
    ["a[bc", "a[bc", true], // an unclosed [ is itself
    ["**/c/*.rs", "c/z.rs", true], // **/ matches zero directories
    ["**/c/*.rs", "a/b/c/z.rs", true],
    ["**/c/*.rs", "a/bc/z.rs", false],
    ["a/**", "a/b/c", true],
    ["a/**/z", "a/z", true],
    ["*/**/x", "a/x", true],
    ["*a*/b", "xay/b", true],
    ["*a*/b", "xa/y/b", false],
    ["a.b", "axb", false], // . is plain
    ["(x)+", "(x)+", true], // regex characters are plain
    ["", "", true],
    ["", "a", false],
    ["ünï*", "ünïcode", true],
  ])("%j against %j is %s", (pattern, subject, expected) => {
    expect(compileGlob(pattern).test(subject)).toBe(expected);
    expect(oracle(pattern, subject)).toBe(expected);
  });

  test("agrees with the oracle on every small pattern over a, /, *, ?, and **/", () => {
    const atoms = ["a", "b", "/", "*", "?", "**", "**/", "[ab]", "[!a]"];
    const subjects = ["", "a", "b", "ab", "ba", "a/b", "/", "a/", "/a", "aa/b/ab", "b/a/a", "a//b"];
    let checked = 0;
    // Every sequence of up to three atoms (9 + 81 + 729 of them, a few spelled alike).
    let patterns = [""];
    const all = new Set(patterns);
    for (let len = 1; len <= 3; len++) {
      patterns = patterns.flatMap((base) => atoms.map((atom) => base + atom));
      for (const p of patterns) all.add(p);
    }
    for (const p of all) {
      const glob = compileGlob(p);
      for (const s of subjects) {
        expect([p, s, glob.test(s)]).toEqual([p, s, oracle(p, s)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(9_000);
  });

  test("a pathological pattern at the length limit takes linear time", () => {
    // `*a*a*a...b` made a backtracking RegExp run for minutes on names of sixty `a`s.
    const pattern = `${"*a".repeat((MAX_GLOB_LENGTH - 1) / 2)}b`.slice(0, MAX_GLOB_LENGTH);
    const glob = compileGlob(pattern);
    const name = "a".repeat(255); // the longest name a Linux file system allows
    const started = performance.now();
    for (let i = 0; i < 20; i++) expect(glob.test(name)).toBe(false);
    const perMatch = (performance.now() - started) / 20;
    // 255 characters x 256 states at most; generous for a loaded machine.
    expect(perMatch).toBeLessThan(250);
  });

  test("a pattern longer than the limit is refused with its length", () => {
    expect(() => compileGlob("*".repeat(MAX_GLOB_LENGTH))).not.toThrow();
    expect(() => compileGlob("*".repeat(MAX_GLOB_LENGTH + 1))).toThrow(
      `pattern is ${MAX_GLOB_LENGTH + 1} characters long, at most ${MAX_GLOB_LENGTH} are allowed`,
    );
  });
});

describe("SAL functions with a pathological pattern", () => {
  let dir: string;
  let remove: () => Promise<void>;
  let ctx: TestMainContext;
  const os = (name: string, ...args: string[]) => callMain(osModule, ctx, name, ...args);

  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
    ctx = mainContext({ options: { workDir: dir } });
    for (let i = 0; i < 50; i++) await writeFile(join(dir, `${"a".repeat(200)}${i}`), "");
  });
  afterEach(async () => {
    await ctx.end();
    await remove();
  });

  // Before the linear matcher each of these froze the runner's main thread: twelve stars
  // against a 200-character name is far beyond minutes for a backtracking RegExp.
  const pathological = `${"*a".repeat(12)}b`;

  test("find_files and find_dirs answer at once", { timeout: 20_000 }, async () => {
    expect(await os("find_files", ".", pathological)).toEqual([]);
    expect(await os("find_dirs", ".", pathological)).toEqual([]);
    expect(await os("find_files", ".", `${"*a".repeat(12)}0`)).toEqual([
      join(dir, `${"a".repeat(200)}0`),
    ]);
  });

  test("delete and copy with such a pattern answer at once", { timeout: 20_000 }, async () => {
    expect((await rejection(os("copy", pathological, "elsewhere"))).message).toContain(
      "nothing matches",
    );
    await os("delete", pathological); // nothing matches: nothing to delete, no error
    expect(await os("find_files", ".", "a*")).toHaveLength(50);
  });

  test("an over-long pattern is refused by name", async () => {
    const e = await rejection(os("find_files", ".", "*".repeat(MAX_GLOB_LENGTH + 1)));
    expect(e.message).toBe(
      `find_files: pattern is ${MAX_GLOB_LENGTH + 1} characters long, at most ${MAX_GLOB_LENGTH} are allowed`,
    );
  });

  test("a job that ends stops a search in a large directory", async () => {
    const search = os("find_files", ".", "*");
    await ctx.end(); // aborts the job's signal before the walk has read a batch
    expect((await rejection(search)).message).toMatch(/^find_files: .*abort/i);
  });
});

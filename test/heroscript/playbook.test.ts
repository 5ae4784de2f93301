// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${key} is heroscript placeholder syntax under test
// The Playbook beyond herolib's own vectors: ids over several scripts, done and result,
// filter edges, priorities at their limits, keys, and replacement at parse time.
import { describe, expect, test } from "vitest";
import {
  actionHashkey,
  filterMatch,
  MAX_PRIORITY,
  Playbook,
  parseHeroscript,
} from "../../src/heroscript/index.js";

const SCRIPT = "!!git.clone url:a\n!!git.pull\n!!site.build name:x\n!!core.echo hi\n!!echo2";

describe("ids, done and result", () => {
  test("ids go on counting over added scripts", () => {
    const book = Playbook.parse("!!a.one\n!!a.two").add("!!b.three");
    expect(book.actions.map((a) => [a.id, `${a.actor}.${a.name}`])).toEqual([
      [1, "a.one"],
      [2, "a.two"],
      [3, "b.three"],
    ]);
  });

  test("find leaves done actions out unless asked; a result is kept on the action", () => {
    const book = Playbook.parse(SCRIPT);
    const [clone] = book.find("git.clone");
    if (clone === undefined) throw new Error("no clone");
    clone.done = true;
    clone.result = Playbook.parse("!!r.r path:/tmp/a").actions[0]?.params ?? clone.result;
    expect(book.find("git.*").map((a) => a.name)).toEqual(["pull"]);
    expect(book.find("git.*", { includeDone: true }).map((a) => a.name)).toEqual(["clone", "pull"]);
    expect(book.actions[0]?.result.get("path")).toBe("/tmp/a");
    expect(() => book.emptyCheck()).toThrow(
      "4 actions were not handled: git.pull (line 2), site.build (line 3), core.echo (line 4), core.echo2 (line 5)",
    );
  });

  test("findOne wants exactly one", () => {
    const book = Playbook.parse(SCRIPT);
    expect(book.findOne("site.build").params.get("name")).toBe("x");
    expect(() => book.findOne("nope.*")).toThrow("no action matches 'nope.*'");
    expect(() => book.findOne("git.*")).toThrow("2 actions match 'git.*', expected one");
    expect(book.findMaxOne("nope.*")).toEqual([]);
    expect(() => book.findMaxOne("git.*")).toThrow("expected at most one");
    expect(book.exists("core.echo")).toBe(true);
    expect(book.existsOnce("git.*")).toBe(false);
  });
});

describe("filters", () => {
  test.each<[string, string[]]>([
    ["git.clone", ["git.clone"]],
    ["git:*", ["git.clone", "git.pull"]],
    ["echo", ["core.echo"]],
    ["echo?", ["core.echo2"]],
    ["*.echo*", ["core.echo", "core.echo2"]],
    ["[gs]*.*", ["git.clone", "git.pull", "site.build"]],
    ["[!g]*.*", ["site.build", "core.echo", "core.echo2"]],
    [" site.build , git.pull ", ["git.pull", "site.build"]],
    ["GIT.PULL", ["git.pull"]],
    // As upstream: an empty pattern is actor core with any name.
    ["", ["core.echo", "core.echo2"]],
  ])("%j finds %j", (filter, expected) => {
    const found = Playbook.parse(SCRIPT).find(filter);
    expect(found.map((a) => `${a.actor}.${a.name}`)).toEqual(expected);
  });

  test("filterMatch alone", () => {
    expect(filterMatch({ actor: "git", name: "clone" }, "git.c*")).toBe(true);
    expect(filterMatch({ actor: "git", name: "clone" }, "site.*,core.*")).toBe(false);
  });
});

describe("filtersort", () => {
  test("the lowest priority whose filter finds an action takes it; the rest get 50", () => {
    const book = Playbook.parse(SCRIPT);
    const sorted = book.filtersort({ 5: "git.*", 1: "git.pull,site.*" });
    expect(sorted.map((a) => `${a.priority} ${a.name}`)).toEqual([
      "1 pull",
      "1 build",
      "5 clone",
      "50 echo",
      "50 echo2",
    ]);
    expect(book.actionsSorted({ prioOnly: true }).map((a) => a.name)).toEqual([
      "pull",
      "build",
      "clone",
    ]);
  });

  test(`priorities run from 0 to ${MAX_PRIORITY}`, () => {
    const book = Playbook.parse(SCRIPT);
    expect(book.filtersort({ 0: "site.*", 49: "git.*" }).map((a) => a.priority)).toEqual([
      0, 49, 49, 50, 50,
    ]);
    expect(() => book.filtersort({ 50: "git.*" })).toThrow(
      "a priority is a whole number from 0 to 49, got 50",
    );
    expect(() => book.filtersort({ [-1]: "git.*" })).toThrow("got -1");
  });

  test("done actions are not picked by a priority's filter", () => {
    const book = Playbook.parse(SCRIPT);
    (book.actions[0] as { done: boolean }).done = true;
    book.filtersort({ 1: "git.*" });
    expect(book.priorities.get(1)).toEqual([2]);
    expect(book.priorities.get(50)).toEqual([1, 3, 4, 5]);
  });
});

describe("hashkey", () => {
  test("comments and layout do not change it; a value does", () => {
    const a = Playbook.parse("// note\n!!a.b x:1 y:'two'");
    const b = Playbook.parse("!!a.b\n    x:1\n    y:two // other");
    const c = Playbook.parse("!!a.b x:1 y:three");
    expect(a.hashkey()).toMatch(/^[0-9a-f]{40}$/);
    expect(b.hashkey()).toBe(a.hashkey());
    expect(c.hashkey()).not.toBe(a.hashkey());
    const [action] = parseHeroscript("!!a.b x:1 y:two").actions;
    if (action === undefined) throw new Error("no action");
    expect(actionHashkey(action)).toBe(actionHashkey(b.actions[0] as typeof action));
  });
});

describe("replacement at parse time", () => {
  test("k fills @k, ${k} and {k}; a key starting with @ $ [ { is replaced as written", () => {
    const book = Playbook.parse("!!a.b x:'@name ${name} {name}' y:'[[port]]' z:'$$'", {
      replace: { name: "web", "[[port]]": "8080", $$: "cash" },
    });
    const p = book.actions[0]?.params;
    expect([p?.get("x"), p?.get("y"), p?.get("z")]).toEqual(["web web web", "8080", "cash"]);
  });

  test("a value holding $& stays as it is", () => {
    const book = Playbook.parse("!!a.b x:'{v}'", { replace: { v: "a$&b" } });
    expect(book.actions[0]?.params.get("x")).toBe("a$&b");
  });
});

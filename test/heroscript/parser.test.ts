// The heroscript rules, one table row each: what a script reads as, and what it fails with.
import { describe, expect, test } from "vitest";
import { type Action, actionName, parseHeroscript } from "../../src/heroscript/index.js";

/** An action in a form a table row can spell out. */
function digest(a: Action): Record<string, unknown> {
  const params: Record<string, string> = {};
  for (const p of a.params.entries) params[p.key] = p.value;
  const d: Record<string, unknown> = { name: actionName(a), params };
  if (a.bangs !== 2) d.bangs = a.bangs;
  if (a.params.args.length > 0) d.args = a.params.args.map((x) => x.value);
  if (a.comments.length > 0) d.comments = a.comments;
  return d;
}

function read(script: string): Record<string, unknown>[] {
  return parseHeroscript(script).actions.map(digest);
}

const T = "\t";

describe("actions: where they start, their kind and name", () => {
  test.each<[string, string, Record<string, unknown>[]]>([
    ["!! is the ordinary kind", "!!play.echo", [{ name: "play.echo", params: {} }]],
    ["leading spaces before '!' are fine", "   !!play.echo", [{ name: "play.echo", params: {} }]],
    ["one '!'", "!play.echo", [{ name: "play.echo", params: {}, bangs: 1 }]],
    ["three '!'", "!!!play.echo", [{ name: "play.echo", params: {}, bangs: 3 }]],
    ["four '!'", "!!!!play.echo", [{ name: "play.echo", params: {}, bangs: 4 }]],
    ["one part means actor core", "!!echo", [{ name: "core.echo", params: {} }]],
    ["names are lowercased", "!!Play.ECHO", [{ name: "play.echo", params: {} }]],
    [
      "names are normalised as upstream's name_fix does",
      "!!My-Actor.Do-It",
      [{ name: "my_actor.do_it", params: {} }],
    ],
    [
      "separators in a row make one '_', so a written name reads back the same",
      "!!key::x",
      [{ name: "core.key_x", params: {} }],
    ],
    [
      "'![' is Markdown, not an action",
      "![img](a.png)\n!!play.echo",
      [{ name: "play.echo", params: {} }],
    ],
    [
      "several actions in order",
      "!!a.one\n!!b.two\n!!c.three",
      [
        { name: "a.one", params: {} },
        { name: "b.two", params: {} },
        { name: "c.three", params: {} },
      ],
    ],
  ])("%s", (_, script, expected) => {
    expect(read(script)).toEqual(expected);
  });
});

describe("which lines hold an action's parameters", () => {
  test.each<[string, string, Record<string, unknown>[]]>([
    ["the rest of the action line", "!!a.b x:1 y:2", [{ name: "a.b", params: { x: "1", y: "2" } }]],
    [
      "following lines indented by two spaces",
      "!!a.b\n  x:1\n  y:2",
      [{ name: "a.b", params: { x: "1", y: "2" } }],
    ],
    ["a tab counts as four spaces", `!!a.b\n${T}x:1`, [{ name: "a.b", params: { x: "1" } }]],
    [
      "a line indented by one space ends the action",
      "!!a.b x:1\n y:2\n!!c.d",
      [
        { name: "a.b", params: { x: "1" } },
        { name: "c.d", params: {} },
      ],
    ],
    [
      "an indented line starting with '!' ends it and starts the next",
      "!!a.b x:1\n  !!c.d y:2",
      [
        { name: "a.b", params: { x: "1" } },
        { name: "c.d", params: { y: "2" } },
      ],
    ],
    [
      "blank lines do not end it",
      "!!a.b\n  x:1\n\n   \n  y:2",
      [{ name: "a.b", params: { x: "1", y: "2" } }],
    ],
    [
      "an unindented line of prose ends it",
      "!!a.b\n  x:1\nsome prose\n  y:2",
      [{ name: "a.b", params: { x: "1" } }],
    ],
  ])("%s", (_, script, expected) => {
    expect(read(script)).toEqual(expected);
  });
});

describe("parameters", () => {
  const one = (params: string) => read(`!!a.b ${params}`)[0];
  test.each<[string, string, Record<string, unknown>]>([
    ["key:value", "color:red", { name: "a.b", params: { color: "red" } }],
    ["spaces after ':' are skipped", "color:   red", { name: "a.b", params: { color: "red" } }],
    ["single quotes keep spaces", "name:'John Doe'", { name: "a.b", params: { name: "John Doe" } }],
    [
      "double quotes equal single quotes",
      'name:"John Doe"',
      { name: "a.b", params: { name: "John Doe" } },
    ],
    ["a single quote inside double quotes", `say:"it's"`, { name: "a.b", params: { say: "it's" } }],
    ["\\' escapes a quote", String.raw`say:'it\'s'`, { name: "a.b", params: { say: "it's" } }],
    ["an empty quoted value", "x:''", { name: "a.b", params: { x: "" } }],
    ["an empty value at the end of a line", "y:2 x:", { name: "a.b", params: { y: "2", x: "" } }],
    [
      "key characters: letters, digits, _ , . /",
      "a_1.b/c,d:v",
      { name: "a.b", params: { "a_1.b/c,d": "v" } },
    ],
    ["keys are case-insensitive", "Color:red", { name: "a.b", params: { color: "red" } }],
    ["the last of a repeated key wins", "x:1 X:2", { name: "a.b", params: { x: "2" } }],
    [
      "a bare word is a positional argument",
      "force x:1",
      { name: "a.b", params: { x: "1" }, args: ["force"] },
    ],
    [
      "a quoted positional argument",
      "'two words'",
      { name: "a.b", params: {}, args: ["two words"] },
    ],
    [
      "comma-separated values are a list, kept as its items joined with ','",
      "ids:1,2,3",
      { name: "a.b", params: { ids: "1,2,3" } },
    ],
    [
      "a space before the comma",
      "x: Apple ,Banana",
      { name: "a.b", params: { x: "Apple,Banana" } },
    ],
    ["a bracketed list", "items:['a','b']", { name: "a.b", params: { items: "a,b" } }],
    [
      "a list item holding a space is kept in double quotes",
      "items:[ 'a b' , c ]",
      { name: "a.b", params: { items: '"a b",c' } },
    ],
    ["an empty bracketed list", "items:[]", { name: "a.b", params: { items: "" } }],
    [
      "quoted list items",
      "names:'John Doe','Jane'",
      { name: "a.b", params: { names: '"John Doe",Jane' } },
    ],
    ["a quoted value keeps its commas", "x:'a,b'", { name: "a.b", params: { x: "a,b" } }],
    ["quoted values are trimmed", "url:'x '", { name: "a.b", params: { url: "x" } }],
    [
      "<BR> and <<BR>> are newlines",
      "x:'a<BR>b<<BR>>c'",
      { name: "a.b", params: { x: "a\nb\nc" } },
    ],
    ["a written \\n is a newline", String.raw`x:'a\nb'`, { name: "a.b", params: { x: "a\nb" } }],
    [
      "a list goes on after ', '",
      "ids:1, 2, 3 y:4",
      { name: "a.b", params: { ids: "1,2,3", y: "4" } },
    ],
    ["// starts a comment", "x:1 // the rest is ignored y:2", { name: "a.b", params: { x: "1" } }],
    ["// right after ':' is a value", "url://host/a", { name: "a.b", params: { url: "//host/a" } }],
    [
      "'//' inside a value stays",
      "url:http://host/a",
      { name: "a.b", params: { url: "http://host/a" } },
    ],
    ["a param named id is dropped", "id:7 name:x", { name: "a.b", params: { name: "x" } }],
  ])("%s", (_, params, expected) => {
    expect(one(params)).toEqual(expected);
  });

  test.each<[string, string, Record<string, unknown>]>([
    [
      "a list ending in ',' goes on on the next line",
      "!!a.b ids:1,2,\n  3,4",
      { name: "a.b", params: { ids: "1,2,3,4" } },
    ],
    [
      "comment lines among parameters",
      "!!a.b\n  // about x\n  x:1",
      { name: "a.b", params: { x: "1" } },
    ],
  ])("%s", (_, script, expected) => {
    expect(read(script)[0]).toEqual(expected);
  });
});

describe("multi-line values", () => {
  test.each<[string, string, string]>([
    [
      "opened by :' and closed by a line holding only '",
      "!!a.b text:'\n    one\n    two\n  '",
      "one\ntwo",
    ],
    ['opened by :"', '!!a.b text:"\n    one\n  "', "one"],
    ["opened by :'''", "!!a.b text:'''\n    it's\n  '''", "it's"],
    ['opened by :"""', '!!a.b text:"""\n    say "hi"\n  """', 'say "hi"'],
    ["closed by any of the four quotes", '!!a.b text:"""\n    one\n  \'', "one"],
    [
      "the content is dedented, inner indentation kept",
      "!!a.b text:'\n      a\n        b\n  '",
      "a\n  b",
    ],
    ["blank lines inside are kept", "!!a.b text:'\n    a\n\n    b\n  '", "a\n\nb"],
    ["a space between ':' and the quote is fine", "!!a.b text: '\n    a\n  '", "a"],
    [
      "lines starting with '!' inside are content",
      "!!a.b text:'\n    !!not.an.action\n  '",
      "!!not.an.action",
    ],
    ["quotes and // inside are content", "!!a.b text:'\n    x:'y' // z\n  '", "x:'y' // z"],
    ["<BR> inside is content", "!!a.b text:'\n    a<BR>b\n  '", "a<BR>b"],
    ["opened on an indented line", "!!a.b\n  x:1\n  text:'\n    a\n  '", "a"],
  ])("%s", (_, script, expected) => {
    const [action] = parseHeroscript(script).actions;
    expect(action?.params.get("text")).toBe(expected);
  });

  test("parameters go on after the closing line", () => {
    expect(read("!!a.b text:'\n    a\n  '\n  y:2")[0]).toEqual({
      name: "a.b",
      params: { text: "a", y: "2" },
    });
  });
});

describe("comments and other text", () => {
  test("// lines right before an action belong to it", () => {
    const s = parseHeroscript("// first\n//second\n!!a.b\n// third\n!!c.d");
    expect(s.actions.map((a) => a.comments)).toEqual([["first", "second"], ["third"]]);
    expect(s.otherText).toEqual([]);
  });
  test("blank lines between comments and their action are fine", () => {
    expect(parseHeroscript("// about b\n\n!!a.b").actions[0]?.comments).toEqual(["about b"]);
  });
  test("Windows line ends read the same", () => {
    expect(read("!!a.b x:1\r\n  y:'two'\r\n!!c.d text:'\r\n    l1\r\n  '\r\n")).toEqual([
      { name: "a.b", params: { x: "1", y: "two" } },
      { name: "c.d", params: { text: "l1" } },
    ]);
  });
  test("other text is kept aside, with comments not followed by an action", () => {
    const s = parseHeroscript("# Title\n// a note\nprose\n!!a.b x:1\n\nmore prose\n// trailing");
    expect(s.actions.map(digest)).toEqual([{ name: "a.b", params: { x: "1" } }]);
    expect(s.otherText).toEqual(["# Title", "// a note", "prose", "more prose", "// trailing"]);
  });
  test("positions: an action's line and column, a parameter's line and column", () => {
    const [a] = parseHeroscript("\n  !!a.b x:1\n    y:2").actions;
    expect([a?.line, a?.column]).toEqual([2, 3]);
    expect(a?.params.param("x")).toMatchObject({ line: 2, column: 9 });
    expect(a?.params.param("y")).toMatchObject({ line: 3, column: 5 });
  });
});

describe("errors say where and what was expected", () => {
  test.each<[string, string, string]>([
    ["five '!'", "!!!!!a.b", "line 1, column 1: an action starts with one to four '!', found 5"],
    ["no name", "!! x:1", "line 1, column 3: expected an action name after '!!'"],
    [
      "three parts",
      "!!a.b.c",
      "line 1, column 3: expected 'actor.action' or 'action', found 3 parts in 'a.b.c'",
    ],
    ["an empty part", "!!a.", "line 1, column 5: expected a name part in 'a.', found an empty one"],
    [
      "a name part with no letter or digit",
      "!!$$.c",
      "line 1, column 3: invalid action name '$$.c': expected letters or digits in '$$'",
    ],
    [
      "a bad key character",
      "!!a.b\n  my-key:1",
      "line 2, column 5: invalid character '-' in key 'my-key': expected letters, digits or _ , . /",
    ],
    ["a ':' without key", "!!a.b :1", "line 1, column 7: expected a key before ':'"],
    [
      "an unclosed quote",
      "!!a.b x:'abc",
      "line 1, column 9: expected a closing ' on the same line (a value over several lines starts with key:' at the end of a line and ends with a line holding only ')",
    ],
    [
      "text glued to a closing quote",
      "!!a.b x:'a'b",
      "line 1, column 12: expected a space after the value, found 'b'",
    ],
    ["an unclosed bracket", "!!a.b x:['a'", "line 1, column 9: expected ']' to close the list"],
    [
      "a bad list separator",
      "!!a.b x:['a' 'b']",
      "line 1, column 14: expected ',' or ']' in the list, found '''",
    ],
    ["a dangling comma", "!!a.b x:1,", "line 1, column 10: expected a list item after ','"],
    ["an empty list item", "!!a.b x:1,,2", "line 1, column 11: expected a value"],
    [
      "a multi-line value never closed",
      "!!a.b text:'\n    one",
      "line 1, column 7: multi-line value of 'text' is not closed: expected an indented line holding only '",
    ],
    [
      "a multi-line value cut by an unindented line",
      "!!a.b text:'\n    one\nprose\n  '",
      "line 1, column 7: multi-line value of 'text' is not closed: expected an indented line holding only '",
    ],
  ])("%s", (_, script, message) => {
    expect(() => parseHeroscript(script)).toThrow(message);
  });

  test("a syntax error carries its line and column as fields, and the file name", () => {
    try {
      parseHeroscript("!!a.b\n  x:'y", { source: "lib.hero" });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ name: "HeroscriptSyntaxError", line: 2, column: 5 });
      expect((e as Error).message).toMatch(/^lib\.hero line 2, column 5: /);
    }
  });
});

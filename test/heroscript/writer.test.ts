// Writing actions back: what is written parses to the same actions.
import { describe, expect, test } from "vitest";
import {
  type Action,
  actionName,
  Params,
  parseHeroscript,
  writeAction,
  writeHeroscript,
} from "../../src/heroscript/index.js";

/** Everything that carries meaning, without positions. */
function meaning(actions: readonly Action[]): unknown {
  return actions.map((a) => ({
    bangs: a.bangs,
    name: actionName(a),
    comments: a.comments,
    args: a.params.args.map((x) => x.value),
    params: a.params.entries.map((p) => [p.key, p.value, p.comment]),
    argComments: a.params.comments,
  }));
}

const SCRIPTS: [string, string][] = [
  ["plain values", "!!a.b x:1 name:'John Doe' empty:'' url:http://h/x"],
  ["quotes of both kinds", `!!a.b one:"it's" two:'say "hi"' both:'it\\'s "x"'`],
  ["lists", "!!a.b ids:1,2,3 names:'a b','c' one:[x] none:[] tricky:['a,b','c]d']"],
  ["arguments and kinds", "!a.b force 'two words'\n!!!c.d\n!!!!e.f"],
  ["comments", "// about b\n//\n!!a.b x:1"],
  ["multi-line values", "!!a.b text:'\n    one\n      two\n\n    three\n  '\n  y:2"],
  [
    "comments of parameters and arguments",
    "!!a.b\n  // about x\n  x:1 // end\n  y:2\n  force // why",
  ],
  ["newlines written as <BR>", "!!a.b x:'one<BR>two'"],
  ["values that look like syntax", "!!a.b c:'// not a comment' b:'[x]' q:\"'\" bang:'!x'"],
];

describe("round trip", () => {
  test.each(SCRIPTS)("%s", (_, script) => {
    const first = parseHeroscript(script);
    const written = writeHeroscript(first);
    expect(meaning(parseHeroscript(written).actions)).toEqual(meaning(first.actions));
    // Writing is stable: the written form writes to itself.
    expect(writeHeroscript(parseHeroscript(written))).toBe(written);
  });

  test("the written form is the canonical layout", () => {
    expect(writeHeroscript(parseHeroscript("// hi\n!!Play.Echo  content:'a b' n:1"))).toBe(
      "// hi\n!!play.echo\n    content:'a b'\n    n:1\n",
    );
  });

  test.each([
    ["spaces at its ends (values are trimmed)", "  padded"],
    ["a line holding only a quote (it would close the value)", "a\n'\nb"],
  ])("a value heroscript cannot express is an error, not a silent change: %s", (_, value) => {
    const action: Action = {
      bangs: 2,
      actor: "a",
      name: "b",
      comments: [],
      line: 0,
      column: 0,
      params: new Params([{ key: "text", value, line: 0, column: 0 }]),
    };
    expect(() => writeAction(action)).toThrow(
      "cannot write the value of 'text' as heroscript without changing it",
    );
  });
});

import { describe, expect, test } from "vitest";
import { RhaiRuntimeError } from "../../src/rhai/index.js";
import { textModule } from "../../src/sal/index.js";
import { callWorker, rejection, workerContext } from "./helpers.js";

const call = (name: string, ...args: Parameters<typeof callWorker>[3][]) =>
  callWorker(textModule, workerContext(), name, ...args);
const m = (o: Record<string, unknown>) => new Map(Object.entries(o)) as Map<string, never>;

describe("text helpers", () => {
  test.each([
    ["    a\n      b\n", "a\n  b\n"],
    ["\n    a\n\n    b", "\na\n\nb"],
    ["\ta\n\t\tb", "a\n\tb"],
    ["a\n  b", "a\n  b"],
  ])("dedent %j", (input, expected) => {
    expect(call("dedent", input)).toBe(expected);
  });

  test("prefix puts the prefix on every line, not after a final break", () => {
    expect(call("prefix", "a\nb\n", "> ")).toBe("> a\n> b\n");
    expect(call("prefix", "one", "# ")).toBe("# one");
  });

  test.each([
    ["My File-2.TXT", "my_file_2.txt"],
    ["Hello   World", "hello_world"],
    ["Café crème", "cafe_creme"],
    ["a/b", "a_b"],
  ])("name_fix %j", (input, expected) => {
    expect(call("name_fix", input)).toBe(expected);
  });

  test("path_fix fixes only the last part", () => {
    expect(call("path_fix", "/Data/My Notes.md")).toBe("/Data/my_notes.md");
    expect(call("path_fix", "/Data/Some Dir/")).toBe("/Data/Some Dir/");
    expect(call("path_fix", "Plain Name")).toBe("plain_name");
  });
});

describe("render_template", () => {
  const render = (tpl: string, vars: Record<string, unknown>) =>
    call("render_template", tpl, m(vars));

  test("variables, paths and filters", () => {
    const vars = { name: "web", user: m({ name: "Ann" }), ports: [80, 443] };
    expect(render("{{ name }} {{user.name|upper}} {{ ports.1 }}", vars)).toBe("web ANN 443");
  });

  test("if, else, not, and blocks alone on their line leave no blank line", () => {
    const tpl =
      "a\n{% if on %}\n  yes\n{% else %}\n  no\n{% endif %}\n{% if not on %}off{% endif %}b\n";
    expect(render(tpl, { on: true })).toBe("a\n  yes\nb\n");
    expect(render(tpl, { on: false })).toBe("a\n  no\noffb\n");
  });

  test("for over arrays and over maps (keys sorted)", () => {
    const tpl =
      "{% for p in ports %}[{{ p }}]{% endfor %}\n{% for k, v in env %}\n{{ k }}={{ v }}\n{% endfor %}\n";
    expect(render(tpl, { ports: [1, 2], env: m({ B: "2", A: "1" }) })).toBe("[1][2]\nA=1\nB=2\n");
  });

  test.each([
    ["{{ nope }}", 'undefined variable "nope" (template line 1)'],
    ["x\n{{ user.age }}", '"user" has no "age" (template line 2)'],
    ["{% if x %}open", '"{% if %}" is never closed (template line 1)'],
    ["{{ x | shout }}", 'unknown filter "shout"'],
    ["{% for a in x %}{% endfor %}", '"x" is not an array'],
    ["{% endif %}", 'unknown or misplaced tag "{% endif %}"'],
  ])("%j is a clear error", async (tpl, message) => {
    const e = await rejection(() => render(tpl, { x: 1, user: m({ name: "Ann" }) }));
    expect(e).toBeInstanceOf(RhaiRuntimeError);
    expect(e.message).toContain("render_template: ");
    expect(e.message).toContain(message);
  });
});

// A small template language for rendering a map into text:
//   {{ name }}  {{ user.name }}  {{ items.0 }}  {{ name | upper }}   (filters: upper, lower, trim)
//   {% if cond %}...{% else %}...{% endif %}    {% if not cond %}...{% endif %}
//   {% for x in list %}...{% endfor %}          {% for k, v in map %}...{% endfor %}
// An unknown variable is an error that names it and its line, never silently empty. A block
// tag alone on its line takes the whole line with it, so templates can be laid out freely.

import { type RhaiMap, toDisplay, type Value } from "../../rhai/index.js";

type Node =
  | { kind: "text"; text: string }
  | { kind: "var"; path: string[]; filters: string[]; line: number }
  | { kind: "if"; negate: boolean; path: string[]; then: Node[]; otherwise: Node[]; line: number }
  | { kind: "for"; names: string[]; path: string[]; body: Node[]; line: number };

type Token =
  | { kind: "text"; text: string }
  | { kind: "var"; body: string; line: number }
  | { kind: "tag"; body: string; line: number };

const FILTERS: Record<string, (s: string) => string> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  trim: (s) => s.trim(),
};

export class TemplateError extends Error {}

function fail(line: number, message: string): never {
  throw new TemplateError(`${message} (template line ${line})`);
}

/** Splits the source into text, `{{ }}` and `{% %}` tokens; block tags on their own line eat it. */
function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const lineAt = (index: number) => src.slice(0, index).split("\n").length;
  const re = /\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;
  let last = 0;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    let before = src.slice(last, m.index);
    let end = m.index + m[0].length;
    if (m[2] !== undefined) {
      // Alone on its line: drop the indentation before it and the line break after it.
      const lineStart = src.lastIndexOf("\n", m.index - 1) + 1;
      const indent = src.slice(lineStart, m.index);
      const after = /^[ \t]*(\r?\n|$)/.exec(src.slice(end));
      if (lineStart >= last && /^[ \t]*$/.test(indent) && after) {
        before = before.slice(0, before.length - indent.length);
        end += after[0].length;
      }
    }
    if (before !== "") tokens.push({ kind: "text", text: before });
    const line = lineAt(m.index);
    if (m[1] !== undefined) tokens.push({ kind: "var", body: m[1].trim(), line });
    else tokens.push({ kind: "tag", body: (m[2] as string).trim(), line });
    last = end;
    re.lastIndex = end;
  }
  if (last < src.length) tokens.push({ kind: "text", text: src.slice(last) });
  return tokens;
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

function parsePath(text: string, line: number): string[] {
  if (!PATH.test(text)) fail(line, `not a variable name: "${text}"`);
  return text.split(".");
}

function parse(tokens: Token[]): Node[] {
  let pos = 0;
  // Parses nodes until one of `stops` (a block keyword) is met; returns it with the nodes.
  const block = (stops: string[], opener?: { name: string; line: number }): [Node[], string] => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++] as Token;
      if (t.kind === "text") {
        nodes.push({ kind: "text", text: t.text });
        continue;
      }
      if (t.kind === "var") {
        const [expr = "", ...filters] = t.body.split("|").map((s) => s.trim());
        for (const f of filters) {
          if (!(f in FILTERS))
            fail(t.line, `unknown filter "${f}" (known: ${Object.keys(FILTERS).join(", ")})`);
        }
        nodes.push({ kind: "var", path: parsePath(expr, t.line), filters, line: t.line });
        continue;
      }
      const [word = "", ...rest] = t.body.split(/\s+/);
      if (stops.includes(word)) return [nodes, word];
      if (word === "if") {
        const negate = rest[0] === "not";
        const path = parsePath((negate ? rest.slice(1) : rest).join(" "), t.line);
        const [then, stop] = block(["else", "endif"], { name: "if", line: t.line });
        const otherwise = stop === "else" ? block(["endif"], { name: "if", line: t.line })[0] : [];
        nodes.push({ kind: "if", negate, path, then, otherwise, line: t.line });
      } else if (word === "for") {
        const m = /^([A-Za-z_]\w*)(?:\s*,\s*([A-Za-z_]\w*))?\s+in\s+(\S+)$/.exec(rest.join(" "));
        if (!m) fail(t.line, `expected "for x in list" or "for k, v in map", got "${t.body}"`);
        const names = m[2] ? [m[1] as string, m[2]] : [m[1] as string];
        const body = block(["endfor"], { name: "for", line: t.line })[0];
        nodes.push({
          kind: "for",
          names,
          path: parsePath(m[3] as string, t.line),
          body,
          line: t.line,
        });
      } else {
        fail(t.line, `unknown or misplaced tag "{% ${t.body} %}"`);
      }
    }
    if (opener) fail(opener.line, `"{% ${opener.name} %}" is never closed`);
    return [nodes, ""];
  };
  return block([])[0];
}

type Scope = ReadonlyMap<string, Value>;

function lookup(scope: Scope, path: string[], line: number): Value {
  const [head = "", ...rest] = path;
  if (!scope.has(head)) fail(line, `undefined variable "${head}"`);
  let v = scope.get(head);
  let walked = head;
  for (const part of rest) {
    if (v instanceof Map && v.has(part)) v = v.get(part);
    else if (Array.isArray(v) && /^\d+$/.test(part) && Number(part) < v.length) v = v[Number(part)];
    else fail(line, `"${walked}" has no "${part}"`);
    walked += `.${part}`;
  }
  return v;
}

function truthy(v: Value): boolean {
  if (v === undefined || v === false || v === "" || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

function render(nodes: Node[], scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case "text":
        out.push(node.text);
        break;
      case "var": {
        let s = toDisplay(lookup(scope, node.path, node.line));
        for (const f of node.filters) s = (FILTERS[f] as (s: string) => string)(s);
        out.push(s);
        break;
      }
      case "if": {
        const yes = truthy(lookup(scope, node.path, node.line)) !== node.negate;
        render(yes ? node.then : node.otherwise, scope, out);
        break;
      }
      case "for": {
        const v = lookup(scope, node.path, node.line);
        const [a = "", b] = node.names;
        if (Array.isArray(v) && b === undefined) {
          for (const item of v) render(node.body, new Map(scope).set(a, item), out);
        } else if (v instanceof Map && b !== undefined) {
          const keys = [...v.keys()].sort();
          for (const k of keys) render(node.body, new Map(scope).set(a, k).set(b, v.get(k)), out);
        } else {
          const wanted = b === undefined ? "an array" : "a map";
          fail(node.line, `"${node.path.join(".")}" is not ${wanted}`);
        }
        break;
      }
    }
  }
}

/** Renders `template` with the variables of `vars`; a mistake raises TemplateError. */
export function renderTemplate(template: string, vars: RhaiMap): string {
  const out: string[] = [];
  render(parse(tokenize(template)), vars, out);
  return out.join("");
}

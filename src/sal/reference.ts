// The SAL reference page (docs/sal.md), rendered from the very declarations the engine
// registers, so the page cannot drift from the code (a test compares the committed file).

import type { HostFunction, HostModule } from "../sandbox/index.js";

export const REGENERATE_HINT = "UPDATE_SAL_DOCS=1 npx vitest run test/sal/reference.test.ts";

function signature(fn: HostFunction): string {
  return `${fn.name}(${fn.params.join(", ")}) -> ${fn.returns}`;
}

/** Functions of a module grouped by name (overloads together), in declaration order. */
function byName(functions: readonly HostFunction[]): HostFunction[][] {
  const groups = new Map<string, HostFunction[]>();
  for (const fn of functions) {
    const group = groups.get(fn.name);
    if (group) group.push(fn);
    else groups.set(fn.name, [fn]);
  }
  return [...groups.values()];
}

const unique = (items: string[]) => [...new Set(items)];

function renderGroup(group: HostFunction[]): string {
  const [first] = group as [HostFunction];
  return [
    `### \`${first.name}\``,
    "",
    "```",
    ...group.map(signature),
    "```",
    "",
    ...unique(group.map((f) => f.doc)).map((d) => `${d}\n`),
    "```rhai",
    ...unique(group.map((f) => f.example)),
    "```",
    "",
  ].join("\n");
}

/** The whole reference page, in markdown. */
export function renderSalReference(modules: readonly HostModule[]): string {
  const out: string[] = [
    "# SAL reference",
    "",
    `<!-- Generated from src/sal by renderSalReference; do not edit. Regenerate: ${REGENERATE_HINT} -->`,
    "",
    "The system functions `runner_sal` gives to Rhai scripts. Names and meanings follow the",
    "upstream herocode SAL, so scripts carry over. Every failure raises an error a script can",
    "catch (`try { ... } catch (e) { print(e); }`) whose message starts with the function's name.",
    "A function whose first parameter is a builder (`CommandBuilder`, `TemplateBuilder`) is",
    'called as a method: `run("ls").cwd("/tmp").execute()`.',
    "",
    "Modules:",
    "",
    ...modules.map(
      (m) =>
        `- [${m.name}](#module-${m.name}): ${byName(m.functions)
          .map(([f]) => `\`${(f as HostFunction).name}\``)
          .join(", ")}`,
    ),
    "",
  ];
  for (const m of modules) {
    out.push(`## Module \`${m.name}\``, "", m.description, "");
    for (const group of byName(m.functions)) out.push(renderGroup(group));
  }
  return `${out.join("\n").trimEnd()}\n`;
}

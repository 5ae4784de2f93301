// The SAL reference page (docs/sal.md), rendered from the very declarations the engine
// registers, so the page cannot drift from the code (a test compares the committed file).

import type { HostFunction, HostModule } from "../host/index.js";
import { NOT_PROVIDED } from "./not-provided.js";

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

/** The example of "What a script sees of its job" (a test runs it in the real sandbox). */
export const JOB_WORLD_EXAMPLE = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai's own string interpolation
  "print(`job ${JOB_ID} from ${CALLER_ID} in ${CONTEXT_ID}`);",
  "let region = ENV.REGION;        // () when the job sets no REGION",
  'if region == () { region = "eu"; }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai's own string interpolation
  "print(`region ${region}, signed by ${SIGNATORIES.len()} key(s)`);",
  'print(run_silent("echo $REGION").stdout);   // commands see the job\'s env_vars too',
].join("\n");

function jobWorld(): string[] {
  return [
    "## What a script sees of its job",
    "",
    "Every script starts with these constants in scope:",
    "",
    "| name | type | value |",
    "|---|---|---|",
    '| `ENV` | map | the job\'s `env_vars`, name to string: `ENV.NAME` or `ENV["NAME"]`; a name the job does not set reads as `()` |',
    "| `JOB_ID` | string | the job's id |",
    "| `CALLER_ID` | string | the job's `caller_id` |",
    "| `CONTEXT_ID` | string | the job's `context_id` |",
    "| `SIGNATORIES` | array of strings | the public keys (hex) of the job's valid signatures by keys the runner trusts |",
    "",
    "The same `env_vars` are the environment of every command the job starts (with `PATH` and",
    "`HOME` added, nothing else of the runner's). Under `herodo`, `ENV` holds the `--env`",
    'values, `JOB_ID` is `herodo-<pid>-<n>`, `CALLER_ID` and `CONTEXT_ID` are `"herodo"` and',
    "`SIGNATORIES` is empty. A job's result is its script's final value; `print` goes to the",
    "job's log.",
    "",
    "```rhai",
    JOB_WORLD_EXAMPLE,
    "```",
    "",
  ];
}

function notProvided(): string[] {
  return [
    "## Not provided",
    "",
    "Upstream functions that `runner_sal` leaves out, and why. Every other name in the",
    "published lists of sal-os, sal-process, sal-net, sal-redisclient and sal-postgresclient",
    "is above.",
    "",
    "| upstream | crate | why not |",
    "|---|---|---|",
    ...NOT_PROVIDED.map(
      (n) =>
        `| ${n.names.map((x) => (x.includes(" ") ? x : `\`${x}\``)).join(", ")} | ${n.crate} | ${n.reason} |`,
    ),
    "",
  ];
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
    'called as a method: `run("ls").cwd("/tmp").execute()`. To try a script on your own machine',
    "before submitting it, run it with `herodo FILE|DIR` (same sandbox, modules and limits).",
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
    ...jobWorld(),
  ];
  for (const m of modules) {
    out.push(`## Module \`${m.name}\``, "", m.description, "");
    for (const group of byName(m.functions)) out.push(renderGroup(group));
  }
  out.push(...notProvided());
  return `${out.join("\n").trimEnd()}\n`;
}

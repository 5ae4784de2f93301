// The reference part of docs/osiris.md, generated from the model declarations and the host
// module, so the page cannot drift from the code (a test compares them).

import type { HostFunction } from "../host/index.js";
import { MODELS, type ModelSpec } from "./models.js";
import osiris from "./rhai-module.js";

const KIND_TEXT = {
  string: "string",
  text: "string (long)",
  int: "i64",
  tags: "map of strings",
  list: "array of strings",
} as const;

function modelTable(model: ModelSpec): string {
  const rows = model.fields.map((f) => {
    const flags = [
      f.indexed ? "indexed" : "",
      f.searchable || f.indexed ? "searched" : "",
      f.required ? "required" : "",
    ]
      .filter((x) => x !== "")
      .join(", ");
    return `| \`${f.name}\` | ${KIND_TEXT[f.kind]} | ${flags || "-"} | ${f.doc} |`;
  });
  const open = model.open
    ? "\n\nBesides these, `set(name, value)` sets any field (any value JSON can hold) and `index(name)` indexes one (its value must then be a string, number or bool)."
    : "";
  return (
    [
      `### \`${model.rhaiType}\`: \`${model.constructorName}(ns)\`, stored type \`"${model.type}"\``,
      "",
      model.doc,
      "",
      "| field | type | kept as | meaning |",
      "|---|---|---|---|",
      ...rows,
    ].join("\n") + open
  );
}

function signature(f: HostFunction): string {
  const params = f.params.join(", ");
  if (f.name.startsWith("get$")) return `\`${f.params[0]}.${f.name.slice(4)}\``;
  return `\`${f.name}(${params})\``;
}

function functionTable(fns: readonly HostFunction[]): string {
  return [
    "| function | returns | what it does | example |",
    "|---|---|---|---|",
    ...fns.map(
      (f) =>
        `| ${signature(f)} | ${f.returns} | ${f.doc} | \`${f.example.replaceAll("|", "\\|")}\` |`,
    ),
  ].join("\n");
}

/** The generated reference, as it appears between the markers in docs/osiris.md. */
export function osirisReference(): string {
  const worker = osiris.functions.filter((f) => f.side === "worker");
  const main = osiris.functions.filter((f) => f.side === "main");
  return [
    "## Models",
    "",
    "Every stored object also has `id`, `type`, `ns`, `created_at` and `modified_at` (unix seconds, kept by the store).",
    "",
    MODELS.map(modelTable).join("\n\n"),
    "",
    "## Functions",
    "",
    "### In the script (builders and the context)",
    "",
    functionTable(worker),
    "",
    "### Served by the runner (what the context methods call)",
    "",
    functionTable(main),
  ].join("\n");
}

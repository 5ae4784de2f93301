// The `text` host module: indentation, prefixes, name clean-up and templates. Everything
// runs in the script's worker, except reading and writing template files (main thread).

import {
  argHandle,
  argMap,
  argNonEmpty,
  argString,
  type HostModule,
  hostError,
  type WorkerSideContext,
  workerFn,
} from "../../host/index.js";
import { RHAI_TYPE_NAME, type RhaiMap, type Value } from "../../rhai/index.js";
import { renderTemplate, TemplateError } from "./template.js";
import { dedent, nameFix, pathFix, prefixLines } from "./text.js";

export const TEMPLATE_BUILDER = "TemplateBuilder";

/** A template and its variables; every method returns a new builder (Rhai copies values). */
export class TemplateBuilder {
  readonly [RHAI_TYPE_NAME] = TEMPLATE_BUILDER;
  constructor(
    readonly source: string,
    readonly path: string,
    readonly vars: ReadonlyMap<string, Value> = new Map(),
  ) {}

  with(entries: Iterable<[string, Value]>): TemplateBuilder {
    const vars = new Map(this.vars);
    for (const [k, v] of entries) vars.set(k, v);
    return new TemplateBuilder(this.source, this.path, vars);
  }

  toString(): string {
    return `TemplateBuilder(${JSON.stringify(this.path)})`;
  }
}

function render(fn: string, source: string, vars: RhaiMap): string {
  try {
    return renderTemplate(source, vars);
  } catch (e) {
    if (e instanceof TemplateError) throw hostError(fn, e.message);
    throw e;
  }
}

const builderOf = (args: readonly Value[]) => argHandle(args, 0, TemplateBuilder);

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkVarName(fn: string, name: string): string {
  if (!VAR_NAME.test(name))
    throw hostError(fn, `not a template variable name: ${JSON.stringify(name)}`);
  return name;
}

function readTemplate(ctx: WorkerSideContext, path: string): string {
  const text = ctx.callMain("os.file_read", [path]);
  if (typeof text !== "string") throw hostError("template_builder_open", `could not read ${path}`);
  return text;
}

const textModule: HostModule = {
  name: "text",
  description:
    "Text helpers and templates. Templates write `{{ name }}` (dotted paths such as `{{ user.name }}` or `{{ list.0 }}`, filters `| upper`, `| lower`, `| trim`), `{% if x %}...{% else %}...{% endif %}` (also `if not x`) and `{% for x in list %}...{% endfor %}` (or `for k, v in map`, keys sorted). A variable that is not defined is an error naming it and its line. A block tag alone on its line leaves no blank line behind.",
  functions: [
    workerFn({
      name: "dedent",
      params: ["string"],
      returns: "string",
      doc: "Removes the indentation every non-blank line shares.",
      example: 'let s = dedent("    a\\n      b"); // "a\\n  b"',
      run: (_ctx, args) => dedent(argString("dedent", args, 0, "text")),
    }),
    workerFn({
      name: "prefix",
      params: ["string", "string"],
      returns: "string",
      doc: "Puts a prefix before every line of a text.",
      example: 'print(prefix("a\\nb", "> ")); // "> a\\n> b"',
      run: (_ctx, args) =>
        prefixLines(argString("prefix", args, 0, "text"), argString("prefix", args, 1, "prefix")),
    }),
    workerFn({
      name: "name_fix",
      params: ["string"],
      returns: "string",
      doc: "Makes a name safe for files: lower case, accents dropped, runs of other characters than a-z, 0-9 and `.` become `_`.",
      example: 'name_fix("My File-2.TXT") // "my_file_2.txt"',
      run: (_ctx, args) => nameFix(argString("name_fix", args, 0, "text")),
    }),
    workerFn({
      name: "path_fix",
      params: ["string"],
      returns: "string",
      doc: "Applies name_fix to the last part of a path (a path ending in `/` is unchanged).",
      example: 'path_fix("/data/My Notes.md") // "/data/my_notes.md"',
      run: (_ctx, args) => pathFix(argString("path_fix", args, 0, "path")),
    }),
    workerFn({
      name: "render_template",
      params: ["string", "map"],
      returns: "string",
      doc: "Renders a template text with the variables of a map.",
      example: 'render_template("Hello {{ name }}!", #{name: "Ann"}) // "Hello Ann!"',
      run: (_ctx, args) =>
        render(
          "render_template",
          argString("render_template", args, 0, "template"),
          argMap("render_template", args, 1, "variables"),
        ),
    }),
    workerFn({
      name: "template_builder_open",
      params: ["string"],
      returns: TEMPLATE_BUILDER,
      doc: "Reads a template file and starts a builder: add variables, then `render()` or `render_to_file(path)`.",
      example: 'let t = template_builder_open("site.conf.tpl").add_var("port", 8080);',
      run: (ctx, args) => {
        const path = argNonEmpty("template_builder_open", args, 0, "path");
        return new TemplateBuilder(readTemplate(ctx, path), path);
      },
    }),
    workerFn({
      name: "add_var",
      params: [TEMPLATE_BUILDER, "string", "any"],
      returns: TEMPLATE_BUILDER,
      doc: "Sets one template variable.",
      example: 't = t.add_var("name", "web");',
      run: (_ctx, args) => {
        const name = checkVarName("add_var", argString("add_var", args, 1, "name"));
        return builderOf(args).with([[name, args[2]]]);
      },
    }),
    workerFn({
      name: "add_vars",
      params: [TEMPLATE_BUILDER, "map"],
      returns: TEMPLATE_BUILDER,
      doc: "Sets every entry of a map as a template variable.",
      example: 't = t.add_vars(#{name: "web", port: 8080});',
      run: (_ctx, args) => {
        const vars = argMap("add_vars", args, 1, "variables");
        for (const k of vars.keys()) checkVarName("add_vars", k);
        return builderOf(args).with(vars);
      },
    }),
    workerFn({
      name: "render",
      params: [TEMPLATE_BUILDER],
      returns: "string",
      doc: "Renders the template with the variables set so far.",
      example: "let text = t.render();",
      run: (_ctx, args) => {
        const b = builderOf(args);
        return render("render", b.source, new Map(b.vars));
      },
    }),
    workerFn({
      name: "render_to_file",
      params: [TEMPLATE_BUILDER, "string"],
      returns: "string",
      doc: "Renders the template into a file (parents created); returns the file's path.",
      example: 't.render_to_file("/etc/myapp/site.conf");',
      run: (ctx, args) => {
        const b = builderOf(args);
        const path = argNonEmpty("render_to_file", args, 1, "path");
        return ctx.callMain("os.file_write", [
          path,
          render("render_to_file", b.source, new Map(b.vars)),
        ]);
      },
    }),
  ],
};

export default textModule;

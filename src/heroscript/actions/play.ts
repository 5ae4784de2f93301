// `play.*`: printing and bringing in other scripts.
import { replaceMap } from "../placeholders.js";
import type { ActionDefinition } from "../registry.js";

export const playActions: ActionDefinition[] = [
  {
    name: "play.echo",
    params: ["content"],
    summary: "prints `content` (or the positional words, joined by spaces)",
    run(ctx) {
      const words = ctx.params.args.map((a) => a.value);
      const text = ctx.params.has("content") ? ctx.params.get("content") : words.join(" ");
      ctx.print(text);
    },
  },
  {
    name: "play.include",
    summary:
      "runs the script file (or every .hero/.heroscript/.md file of the folder) at `path`, relative to this script; each path once; `replace:'k:v,...'` fills its placeholders of `k` in its text before it is read; other parameters fill its placeholders",
    async run(ctx) {
      if (ctx.params.has("git_url")) {
        throw new Error(
          "git_url is not supported here: clone the repository first and include it by path",
        );
      }
      const path = ctx.params.get("path");
      const replace = ctx.params.has("replace") ? replaceMap(ctx.params.get("replace")) : undefined;
      const vars = new Map<string, string>();
      for (const p of ctx.params.without("path", "replace").entries) vars.set(p.key, p.value);
      await ctx.include(path, vars, replace);
    },
  },
];

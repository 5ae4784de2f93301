// `play.*`: printing and bringing in other scripts.
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
      "runs the script file (or every .hero/.heroscript file of the folder) at `path`, relative to this script; each path once; other parameters fill its placeholders",
    async run(ctx) {
      const path = ctx.params.get("path");
      const vars = new Map<string, string>();
      for (const p of ctx.params.without("path").entries) vars.set(p.key, p.value);
      await ctx.include(path, vars);
    },
  },
];

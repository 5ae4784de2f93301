// `session.*`: the session environment. Its values fill placeholders in later actions and
// are the environment of the processes the script starts.
import type { ActionDefinition, PlayContext } from "../registry.js";

function keyAndValue(ctx: PlayContext): [string, string] {
  const key = ctx.params.get("key");
  if (key === "") throw new Error("parameter 'key' must not be empty");
  return [key, ctx.params.getOneOf(["val", "value"])];
}

export const sessionActions: ActionDefinition[] = [
  {
    name: "session.env_set",
    params: ["key", "val", "value"],
    summary: "sets the session variable `key` to `val` (or `value`)",
    run(ctx) {
      const [key, value] = keyAndValue(ctx);
      ctx.env.set(key, value);
    },
  },
  {
    name: "session.env_set_once",
    params: ["key", "val", "value"],
    summary: "sets `key` to `val` (or `value`) only if it has no value yet (a job's env var wins)",
    run(ctx) {
      const [key, value] = keyAndValue(ctx);
      if (!ctx.env.has(key)) ctx.env.set(key, value);
    },
  },
];

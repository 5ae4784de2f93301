// `process.run`: runs a shell command under the host kit's rules for children. The child
// gets the session environment (the job's env vars and `session.env_set` values) plus the
// runner's PATH and HOME when it sets none, nothing else of the runner's; its process group
// is killed when the action's timeout passes or the job ends.
import { resolve } from "node:path";
import { childEnvironment, describeExit, runChild } from "../../host/index.js";
import type { ActionDefinition } from "../registry.js";

/** How much of stderr an error message quotes. */
const STDERR_TAIL_LINES = 5;

export const processActions: ActionDefinition[] = [
  {
    name: "process.run",
    params: ["cmd", "cwd", "timeout", "ignore_error"],
    summary:
      "runs `cmd` with /bin/sh and prints its output; `cwd`, `timeout` (duration), `ignore_error:true` to go on after a failure",
    async run(ctx) {
      const cmd = ctx.params.get("cmd");
      if (cmd.trim() === "") throw new Error("parameter 'cmd' must not be empty");
      const cwd = resolve(ctx.baseDir, ctx.params.get("cwd", "."));
      const timeoutMs = ctx.params.has("timeout") ? ctx.params.getDuration("timeout") : undefined;
      const ignoreError = ctx.params.getBool("ignore_error", false);
      const outcome = await runChild({
        file: "/bin/sh",
        args: ["-c", cmd],
        env: childEnvironment(Object.fromEntries(ctx.env)),
        cwd,
        signal: ctx.signal,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        onStdoutLine: (line) => ctx.print(line),
        onStderrLine: (line) => ctx.log(`stderr: ${line}`),
      });
      if (outcome.code === 0 && outcome.killed === undefined) return;
      const how = describeExit(outcome, timeoutMs);
      if (ignoreError && outcome.killed !== "aborted") {
        ctx.log(`command ${how}; going on (ignore_error)`);
        return;
      }
      const tail = outcome.stderr.trimEnd().split("\n").slice(-STDERR_TAIL_LINES).join("\n");
      throw new Error(`command ${how}${tail === "" ? "" : `: ${tail}`}`);
    },
  },
];

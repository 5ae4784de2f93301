// `horus flow ...`: signed graphs of jobs (docs/flows.md). Only the commands' description is
// here; what they do is in horus-flow-actions.ts, loaded when one runs (so `horus --help`
// stays quick).
import type { Command } from "commander";

type Actions = typeof import("./horus-flow-actions.js");

function lazy(name: keyof Actions) {
  return async (...args: unknown[]) => {
    const actions = await import("./horus-flow-actions.js");
    await (actions[name] as (...a: unknown[]) => unknown)(...args);
  };
}

const EXPIRES = [
  "--expires-in <duration>",
  "sign an expires_at this long after created_at (30m, 6h): the nodes may run until then, not only within the runners' --max-job-age",
] as const;
const NO_CHECK = [
  "--no-runner-check",
  "sign and submit even if a node's runner id has no live instance and no registration (runners started later)",
] as const;

/** Adds `horus flow` and its sub-commands to the program. */
export function addFlowCommand(program: Command): void {
  const flow = program
    .command("flow")
    .description(
      "flows: signed graphs of jobs across runners, each node run once its parents finished",
    );
  flow
    .command("run <file>")
    .description(
      "sign the flow in FILE (JSON or YAML) with your key, submit it, wait, print each node's outcome",
    )
    .option("--key <hex|@file>", "signing key (default: $HORUS_SIGNING_KEY)")
    .option(EXPIRES[0], EXPIRES[1])
    .option(NO_CHECK[0], NO_CHECK[1])
    .option("--wait <seconds>", "how long to wait for the flow to end", "300")
    .option("--json", "print the flow's record as JSON")
    .action(lazy("run"));
  flow
    .command("submit <file>")
    .description("sign the flow in FILE (JSON or YAML) with your key and start it; prints its id")
    .option("--key <hex|@file>", "signing key (default: $HORUS_SIGNING_KEY)")
    .option(EXPIRES[0], EXPIRES[1])
    .option(NO_CHECK[0], NO_CHECK[1])
    .action(lazy("submit"));
  flow
    .command("status <id>")
    .description("a flow's status and its nodes' states, results and times")
    .option("--json", "print the record as JSON")
    .action(lazy("status"));
  flow
    .command("cancel <id>")
    .description("cancel a flow: nodes not yet queued at once, queued and running ones as jobs")
    .action(lazy("cancel"));
  flow
    .command("list")
    .description("the newest flows with their status")
    .option("--limit <n>", "how many", "50")
    .option("--json", "print them as JSON")
    .action(lazy("list"));
}

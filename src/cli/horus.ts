#!/usr/bin/env node
// `horus`: the supervisor's side on the command line. Exit codes: 0 success, 1 the job (or
// the request) failed, 2 bad usage.
//
// This file only describes the commands. What they do lives in horus-actions.ts, loaded
// when one runs: the Redis client, zod and the curve code take several times longer to
// load than Node itself starts, and `horus --help` needs none of them. So the values of
// the options are read there too, through each sub-command's zod schema.
import { Command, Option } from "commander";
import { DEFAULT_TIMEOUT_S } from "../job/create.js";
import { addFlowCommand } from "./horus-flow.js";
import { addScheduleCommand } from "./horus-schedule.js";
import { namespaceOption, redisClusterOption, redisUrlOption } from "./options.js";
import { packageVersion } from "./version.js";

// A reader that stops early (`horus logs ID | head`) closes the pipe: that ends the output,
// quietly, as it would for any Unix tool, instead of a stack trace for EPIPE.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

type Actions = typeof import("./horus-actions.js");
type ActionName = { [K in keyof Actions]: K }[keyof Actions];
type OpsActions = typeof import("./horus-ops.js");

/** The named action of horus-actions.ts, imported on first use. */
function lazy(
  name: Exclude<ActionName, "exitWhenWritten" | "globalOptions" | "guarded" | "printJson" | "say">,
) {
  return async (...args: unknown[]) => {
    const actions = await import("./horus-actions.js");
    await (actions[name] as (...a: unknown[]) => unknown)(...args);
  };
}

/** The named action of horus-ops.ts, imported on first use. */
function lazyOps(name: keyof OpsActions) {
  return async (...args: unknown[]) => {
    const actions = await import("./horus-ops.js");
    await (actions[name] as (...a: unknown[]) => unknown)(...args);
  };
}

/** The job flags; `batch`: --runner and --script become defaults for a batch file's lines. */
function addJobOptions(cmd: Command, batch = false): Command {
  const runner = "runner id to send the job to";
  const script = "file holding the payload, or - for standard input";
  if (batch)
    cmd
      .option("--runner <id>", `${runner} (with --batch: for lines that give none)`)
      .option("--script <file>", `${script} (with --batch: for lines that give none)`)
      .option(
        "--batch <file>",
        "submit the jobs of a JSON-lines file (- for standard input), one job spec a line, signed as one batch; the other flags are defaults for every line",
      );
  else cmd.requiredOption("--runner <id>", runner).requiredOption("--script <file>", script);
  return cmd
    .option("--executor <name>", "hero, sal or osiris (informational)")
    .addOption(
      new Option("--timeout <seconds>", "job timeout (at most 7 days)").default(DEFAULT_TIMEOUT_S),
    )
    .option(
      "--env <KEY=VALUE...>",
      "environment variable for the job (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--context <id>", "context id", "")
    .option("--caller <id>", "caller id", "")
    .option(
      "--key <key>",
      "signing private key: HEX or @FILE (the key, or `horus keygen`'s JSON); default HORUS_SIGNING_KEY",
    )
    .option("--attempts <n>", "run at most N times in all: a failed attempt is tried again (1-100)")
    .option(
      "--backoff <delay>",
      "wait between attempts: 200ms, or 1s,exp[,MAX] to double each time",
    )
    .option("--delay <duration>", "start no sooner than this from now (30s, 5m, 2h)")
    .option("--at <time>", "start no sooner than this RFC 3339 time (2026-12-24T18:00:00Z)")
    .option("--priority <p>", "0-9, higher taken first within the runner id (default 5)");
}

const program = new Command("horus")
  .description("Submit signed jobs to Horus runners and follow them")
  .version(packageVersion(), "-V, --version")
  .addOption(redisUrlOption())
  .addOption(redisClusterOption())
  .addOption(namespaceOption())
  .addOption(
    new Option("--supervisor <url>", "go through this supervisor instead of Redis").env(
      "HORUS_SUPERVISOR",
    ),
  )
  .addOption(new Option("--api-key <key>", "API key for --supervisor").env("HORUS_API_KEY"))
  // Set before the sub-commands are added, so they inherit both: bad usage (an unknown flag,
  // a missing --runner) exits 2, not commander's 1, which here means "the job failed".
  .showHelpAfterError("(horus --help, or horus COMMAND --help, lists the options)")
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command("keygen")
  .description("make a secp256k1 key pair; prints {private_key, public_key} as JSON")
  .action(lazy("keygen"));

/** `--runner-keys`: check a result's signature (see docs/security.md, signed results). */
function runnerKeysOption(): Option {
  return new Option(
    "--runner-keys <keys>",
    "check the result's signature against these runner public keys: HEX,HEX or @FILE",
  ).env("HORUS_RUNNER_KEYS");
}

addJobOptions(program.command("run"))
  .description("sign and submit a job, wait for it, print its output")
  .option("--json", "print the whole record (job.status's fields and result) as JSON")
  .addOption(runnerKeysOption())
  .action(lazy("run"));

addJobOptions(program.command("submit"), true)
  .description("sign and submit a job (or a batch file's jobs under one signature); prints ids")
  .action(lazy("submit"));

addJobOptions(program.command("sign"))
  .description("sign a job and print it as JSON, submitting nothing (for curl or jobs.create)")
  .action(lazy("sign"));

program
  .command("verify <file>")
  .description("check a job in JSON (- for standard input): valid, and every signature holds")
  .option("--trusted-keys <keys>", "also require a signature by one of these: HEX,HEX or @FILE")
  .action(lazy("verify"));

program
  .command("status <id>")
  .description("print a job's status record as JSON (the supervisor's job.status shape)")
  .action(lazy("status"));

program
  .command("result <id>")
  .description('print a job\'s result: {"success": ...} or {"error": ...}')
  .addOption(runnerKeysOption())
  .action(lazy("result"));

program
  .command("logs <id>")
  .description("print a job's log lines")
  .option(
    "-f, --follow",
    "keep printing new lines until the job ends; exits 1 when it ended in error",
  )
  .action(lazy("logs"));

program
  .command("cancel <id>")
  .description("stop a job: a queued one never starts, a running one is stopped")
  .action(lazy("cancel"));

program
  .command("runners [runner_id]")
  .description("list live runner instances (from their heartbeats), one row each under a header")
  .option("--json", "print JSON")
  .action(lazy("runners"));

program
  .command("events")
  .description("job state changes (queued, started, retrying, finished, dead...), newest last")
  .option("--runner <id>", "only this runner id's jobs")
  .option("--last <n>", "how many past events to print first (1-1000)", "20")
  .option("-f, --follow", "keep printing events as they happen (Ctrl-C stops)")
  .option("--json", "one JSON object per line")
  .action(lazyOps("events"));

const jobs = program.command("jobs").description("jobs of every runner id, whoever submitted them");
jobs
  .command("list")
  .description("jobs newest first: id, runner, status, when stored, attempts, error kind")
  .option("--runner <id>", "only this runner id's jobs")
  .option(
    "--status <status>",
    "only jobs in this status (created, scheduled, dispatched, started, finished, error)",
  )
  .option("--since <time>", "only jobs stored at or after this RFC 3339 time")
  .option("--limit <n>", "most to list (1-1000)", "50")
  .option("--json", "print JSON")
  .action(lazyOps("jobsList"));
jobs
  .command("counts")
  .description("per runner id: jobs queued, scheduled, running, and finished/error/dead totals")
  .option("--runner <id>", "only this runner id")
  .option("--json", "print JSON")
  .action(lazyOps("jobsCounts"));

const dead = program
  .command("dead")
  .description("dead letters: jobs that used their attempts and failed, kept to look at");
dead
  .command("list")
  .description("a runner id's dead letters, newest first")
  .requiredOption("--runner <id>", "runner id")
  .option("--limit <n>", "most to list (1-1000)", "50")
  .option("--json", "print JSON")
  .action(lazyOps("deadList"));
dead
  .command("show <id>")
  .description("a job's record and every attempt, as JSON (exit 1 when it is no dead letter)")
  .action(lazyOps("deadShow"));
dead
  .command("retry <id>")
  .description("run a dead letter again as a new job signed with your key; prints its id")
  .option(
    "--key <key>",
    "signing private key: HEX or @FILE (the key, or `horus keygen`'s JSON); default HORUS_SIGNING_KEY",
  )
  .option(
    "--env <KEY=VALUE...>",
    "with --supervisor: the original value of an env var the API key may not see (repeatable)",
    (v: string, acc: string[]) => [...acc, v],
    [] as string[],
  )
  .action(lazyOps("deadRetry"));
dead
  .command("purge [ids...]")
  .description("delete dead letters (the ids given, or --all); their ids can never run again")
  .requiredOption("--runner <id>", "runner id")
  .option("--all", "every dead letter of the runner id")
  .action(lazyOps("deadPurge"));

addScheduleCommand(program);
addFlowCommand(program);

await program.parseAsync(process.argv);

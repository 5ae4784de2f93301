// `horus schedule ...`: recurring jobs (docs/protocol.md, "Schedules"). Only the commands'
// description is here; what they do is in horus-schedule-actions.ts, loaded when one runs
// (as horus.ts does for the other commands, so `horus --help` stays quick).
import { type Command, InvalidArgumentError, Option } from "commander";

type Actions = typeof import("./horus-schedule-actions.js");

function lazy(name: keyof Actions) {
  return async (...args: unknown[]) => {
    const actions = await import("./horus-schedule-actions.js");
    await (actions[name] as (...a: unknown[]) => unknown)(...args);
  };
}

function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new InvalidArgumentError("must be a number of seconds");
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number >= 1");
  return n;
}

/** Adds `horus schedule` and its sub-commands to the program. */
export function addScheduleCommand(program: Command): void {
  const schedule = program
    .command("schedule")
    .description("recurring jobs: signed schedules whose occurrences the runners mint and run");

  schedule
    .command("add <name>")
    .description("sign a schedule with your key and store it; prints it with its next occurrences")
    .requiredOption("--runner <id>", "runner id whose instances mint and run the occurrences")
    .option("--cron <expr>", "cron expression: 5 fields, or 6 with seconds first (or @hourly...)")
    .option("--every <duration>", "an interval instead of --cron: 2s, 500ms, 5m, 1h30m, 1d")
    .option("--tz <zone>", "IANA timezone the cron expression is read in (default UTC)")
    .requiredOption("--script <file>", "file holding the payload, or - for standard input")
    .option("--executor <name>", "hero, sal or osiris (informational)")
    .addOption(
      new Option("--timeout <seconds>", "each occurrence's timeout (default 60)").argParser(
        seconds,
      ),
    )
    .option(
      "--env <KEY=VALUE...>",
      "environment variable for each occurrence (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--attempts <n>", "each occurrence runs at most N times in all (1-100)")
    .option(
      "--backoff <delay>",
      "wait between attempts: 200ms, or 1s,exp[,MAX] to double each time",
    )
    .option("--priority <p>", "0-9, higher taken first within the runner id (default 5)")
    .option("--context <id>", "context id")
    .option("--caller <id>", "caller id")
    .option(
      "--not-before <time>",
      "no occurrence before this RFC 3339 time (also the --every anchor)",
    )
    .option("--not-after <time>", "no occurrence after this RFC 3339 time")
    .option(
      "--key <key>",
      "signing private key: HEX or @FILE (the key, or `horus keygen`'s JSON); default HORUS_SIGNING_KEY",
    )
    .option("--print", "print the signed schedule as JSON and store nothing")
    .action(lazy("scheduleAdd"));

  schedule
    .command("list")
    .description("the namespace's schedules: runner, expression, next occurrence, signers")
    .option("--json", "print JSON")
    .action(lazy("scheduleList"));

  schedule
    .command("remove <name>")
    .description("remove a schedule: nothing more is minted from it (see docs on revoking)")
    .action(lazy("scheduleRemove"));

  schedule
    .command("runs <name>")
    .description("a schedule's minted occurrences, newest first, with their jobs' statuses")
    .addOption(new Option("--limit <n>", "how many (the store keeps 100)").argParser(count))
    .option("--json", "print JSON")
    .action(lazy("scheduleRuns"));
}

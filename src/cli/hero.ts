#!/usr/bin/env node
// `hero`: runs heroscripts locally with the same playbook engine and actions as `herorunner`
// (the SAL actions included), for people writing scripts. Exit codes: 0 the script ran, 1 it
// failed, 2 bad usage.
//   hero run -s SCRIPT|- | -p FILE [-v]
//   hero actions
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { Command, Option } from "commander";
import { builtinActions, PlaybookEngine } from "../heroscript/index.js";
import { playRegistry, SalHost, salActionCatalog } from "../runners/hero/index.js";
import { packageVersion } from "./version.js";

interface RunOptions {
  script?: string;
  path?: string;
  verbose?: boolean;
}

function fail(message: string, code: number): never {
  process.stderr.write(`hero: ${message}\n`);
  process.exit(code);
}

async function run(opts: RunOptions): Promise<void> {
  if ((opts.script === undefined) === (opts.path === undefined)) {
    fail("give the script with -s SCRIPT or a file with -p FILE (one of them)", 2);
  }
  const script = opts.script === undefined ? undefined : scriptText(opts.script);
  // SAL actions find their Redis and PostgreSQL in the environment (REDIS_URL, DATABASE_URL,
  // POSTGRES_*), as a job finds them in its env vars.
  const sal = new SalHost();
  const play = sal.beginPlay(
    {
      jobId: `hero-run-${randomUUID()}`,
      callerId: localUser(),
      contextId: "local",
      signatories: [],
    },
    new AbortController().signal,
    (line) => {
      if (opts.verbose) process.stderr.write(`${line}\n`);
    },
  );
  const engine = new PlaybookEngine(playRegistry(play));
  const options = {
    // Run locally, a script acts as its user: it sees (and passes on) their environment.
    env: Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    print: (line: string) => process.stdout.write(`${line}\n`),
    ...(opts.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  };
  let failure: unknown;
  try {
    if (opts.path !== undefined) await engine.runFile(opts.path, options);
    else await engine.run(script as string, options);
  } catch (e) {
    failure = e;
  } finally {
    // Open Redis clients and pools would keep the process alive after the script.
    await play.end();
    await sal.close();
  }
  if (failure !== undefined) fail(failure instanceof Error ? failure.message : String(failure), 1);
}

/** `-s -` reads the script from standard input, as `horus --script -` does. */
function scriptText(script: string): string {
  if (script !== "-") return script;
  try {
    return readFileSync(0, "utf8");
  } catch (e) {
    fail(`cannot read the script from standard input: ${(e as Error).message}`, 2);
  }
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "local";
  }
}

const program = new Command("hero")
  .description("Runs heroscripts locally with the built-in playbook engine")
  .version(packageVersion(), "-V, --version")
  // Set before the subcommands are added, so they inherit it: bad usage exits with 2.
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program
  .command("run")
  .description("run a heroscript: its actions print to stdout, errors go to stderr")
  .addOption(
    new Option("-s, --script <script>", "the script text, or - for standard input").conflicts(
      "path",
    ),
  )
  .addOption(
    new Option("-p, --path <file>", "a script file (its includes resolve against its folder)"),
  )
  .option("-v, --verbose", "also show log lines (process stderr, files written) on stderr")
  .action(run);

program
  .command("actions")
  .description("list the actions the engine knows")
  .action(() => {
    for (const d of builtinActions().register(...salActionCatalog()).definitions)
      process.stdout.write(`!!${d.name}\t${d.summary}\n`);
  });

await program.parseAsync(process.argv);

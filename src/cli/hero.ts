#!/usr/bin/env node
// `hero`: runs heroscripts locally with the same playbook engine as `herorunner`, for people
// writing scripts. Exit codes: 0 the script ran, 1 it failed, 2 bad usage.
//   hero run -s SCRIPT | -p FILE [-v]
//   hero actions
import { Command, Option } from "commander";
import { builtinActions, PlaybookEngine } from "../heroscript/index.js";
import { packageVersion } from "../runtime/index.js";

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
  const engine = new PlaybookEngine(builtinActions());
  const options = {
    // Run locally, a script acts as its user: it sees (and passes on) their environment.
    env: Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    print: (line: string) => process.stdout.write(`${line}\n`),
    ...(opts.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  };
  try {
    if (opts.path !== undefined) await engine.runFile(opts.path, options);
    else await engine.run(opts.script as string, options);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e), 1);
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
  .addOption(new Option("-s, --script <script>", "the script text").conflicts("path"))
  .addOption(
    new Option("-p, --path <file>", "a script file (its includes resolve against its folder)"),
  )
  .option("-v, --verbose", "also show log lines (process stderr, files written) on stderr")
  .action(run);

program
  .command("actions")
  .description("list the actions the engine knows")
  .action(() => {
    for (const d of builtinActions().definitions)
      process.stdout.write(`!!${d.name}\t${d.summary}\n`);
  });

await program.parseAsync(process.argv);

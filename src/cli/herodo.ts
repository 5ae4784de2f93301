#!/usr/bin/env node
// `herodo FILE|DIR`: runs SAL Rhai scripts on this machine, no queue and no signing, in the
// same sandbox, with the same modules and limits as `runner_sal`, so an operator can try a
// script before submitting it as a job. A directory runs its `*.rhai` files, recursively,
// in the order of their paths; the first script that fails stops the run.

import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { DEFAULT_TIMEOUT_S } from "../job/index.js";
import { salModuleSpecs } from "../sal/index.js";
import { createSandbox, type Sandbox } from "../sandbox/index.js";
import { readOptions, seconds, UsageError } from "./flags.js";
import { addRhaiOptions, rhaiLimitsFrom, rhaiOptionsShape } from "./rhai-options.js";
import { packageVersion } from "./version.js";

/** Longest timeout a job may have (a week), and so a herodo script. */
const MAX_TIMEOUT_S = 7 * 24 * 3600;

function envPair(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected NAME=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** The scripts a path stands for: the file itself, or a directory's `*.rhai` files by path. */
async function scriptsOf(path: string): Promise<string[]> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new Error(`no such file or directory: ${path}`);
  if (!s.isDirectory()) return [path];
  // Entries whose type is a symbolic link are not followed: a link loop cannot hang us.
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith(".rhai"))
    .map((e) => relative(path, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
  if (files.length === 0) throw new Error(`no .rhai files under ${path}`);
  return files.map((f) => join(path, f));
}

const optionsSchema = z.object({
  // Already pairs: commander gathers repeated --env flags with envPair.
  env: z.record(z.string(), z.string()),
  timeout: seconds(MAX_TIMEOUT_S),
  redisUrl: z.string(),
  databaseUrl: z.string().optional(),
  workDir: z.string().optional(),
  ...rhaiOptionsShape,
});

type Options = z.output<typeof optionsSchema>;

async function runAll(target: string, opts: Options): Promise<number> {
  const scripts = await scriptsOf(target);
  const sandbox: Sandbox = await createSandbox({
    modules: salModuleSpecs({
      redisUrl: opts.redisUrl,
      databaseUrl: opts.databaseUrl,
      workDir: opts.workDir,
    }),
    size: 1,
    ...rhaiLimitsFrom(opts),
  });
  // Ctrl-C: closing the sandbox ends the running script, which kills its commands.
  let stopped = false;
  const stop = () => {
    stopped = true;
    void sandbox.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    let n = 0;
    for (const script of scripts) {
      n++;
      const source = await readFile(script, "utf8");
      try {
        await sandbox.run(
          {
            source,
            jobId: `herodo-${process.pid}-${n}`,
            callerId: "herodo",
            contextId: "herodo",
            signatories: [],
            envVars: opts.env,
          },
          { timeoutMs: opts.timeout * 1000, onLog: (line) => process.stdout.write(`${line}\n`) },
        );
      } catch (e) {
        if (stopped) return 130;
        process.stderr.write(`herodo: ${script}: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
      }
    }
    return 0;
  } finally {
    await sandbox.close();
  }
}

const program = new Command()
  .name("herodo")
  .version(packageVersion(), "-V, --version")
  .description(
    "Runs SAL Rhai scripts here, as runner_sal would run them as jobs: a file, or a directory's *.rhai files in path order (recursively), stopping at the first failure",
  )
  .argument("<path>", "a .rhai script, or a directory of them")
  .addOption(
    new Option(
      "--env <NAME=VALUE>",
      "an env var of the scripts (ENV, and their commands); repeat for more",
    )
      .argParser(envPair)
      .default({}),
  )
  .addOption(
    new Option("--timeout <seconds>", "time limit of each script").default(DEFAULT_TIMEOUT_S),
  )
  .addOption(
    new Option("--redis-url <url>", "Redis for redis_* calls when --env sets no REDIS_URL").default(
      "redis://127.0.0.1:6379",
    ),
  )
  .addOption(
    new Option("--database-url <url>", "PostgreSQL for pg_* calls when --env names none").env(
      "DATABASE_URL",
    ),
  )
  .addOption(
    new Option("--work-dir <dir>", "directory scripts start in (default: the current one)"),
  )
  .exitOverride();
addRhaiOptions(program);

let options: Options;
try {
  program.parse();
  options = readOptions(program, optionsSchema);
} catch (e) {
  if (e instanceof UsageError) process.stderr.write(`herodo: ${e.message}\n`);
  // Help and version exit 0; every usage mistake exits 2 (commander has printed its own).
  process.exit(e instanceof CommanderError && e.exitCode === 0 ? 0 : 2);
}

try {
  process.exitCode = await runAll(program.args[0] as string, options);
} catch (e) {
  process.stderr.write(`herodo: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}

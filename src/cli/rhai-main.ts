// The `rhai` command: run a script file, evaluate a snippet, or check the engine against
// the conformance corpus. Started by rhai.ts (the launcher), bundled or not.
//
// Start-up matters here (a one-line script should cost little more than Node itself), so
// the command reads its few arguments by hand instead of loading an option parser, and
// loads the conformance runner only for `conformance`.

import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { Engine, FileModuleResolver, isRhaiError, toDisplay } from "../rhai/index.js";

const VERSION = "0.1.0";
const USAGE = `Usage: rhai [options] [command]

Run Rhai scripts with the Horus engine

Options:
  -V, --version            output the version number
  -h, --help               display help for command

Commands:
  run <file>               run a script file; prints what the script prints
  eval <script>            evaluate a script given on the command line and print its value
  conformance <files...>   run conformance corpus files; one line per failing case, then the totals
`;

function fail(e: unknown): never {
  if (isRhaiError(e)) {
    const where =
      e.position.line > 0 ? ` (line ${e.position.line}, position ${e.position.column})` : "";
    process.stderr.write(`${e.code}: ${e.detail}${where}\n`);
  } else {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  }
  process.exit(1);
}

function usageError(message: string): never {
  process.stderr.write(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** An engine printing to stdout; `import "x"` loads `x.rhai` from `moduleDir`. */
function newEngine(moduleDir: string): Engine {
  return new Engine()
    .onPrint((text) => process.stdout.write(`${text}\n`))
    .onDebug((text) => process.stdout.write(`${text}\n`))
    .setModuleResolver(new FileModuleResolver(moduleDir));
}

function run(file: string): void {
  let src: string;
  try {
    src = readFileSync(file, "utf8");
  } catch (e) {
    fail(e);
  }
  try {
    newEngine(dirname(file)).run(src);
  } catch (e) {
    fail(e);
  }
}

function evaluate(script: string): void {
  try {
    const value = newEngine(process.cwd()).eval(script);
    if (value !== undefined) process.stdout.write(`${toDisplay(value)}\n`);
  } catch (e) {
    fail(e);
  }
}

async function conformance(files: string[]): Promise<void> {
  const { runFile } = await import("../rhai/conformance.js");
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const report = runFile(file);
    for (const r of report.results) if (!r.pass) process.stdout.write(`FAIL ${r.id}: ${r.why}\n`);
    passed += report.passed;
    failed += report.failed;
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === "-h" || command === "--help" || command === "help") {
  process.stdout.write(USAGE);
  if (command === undefined) process.exitCode = 1;
} else if (command === "-V" || command === "--version") {
  process.stdout.write(`${VERSION}\n`);
} else if (command === "run" || command === "eval") {
  if (rest.length !== 1) {
    usageError(
      rest.length === 0
        ? `missing required argument '${command === "run" ? "file" : "script"}'`
        : `too many arguments for '${command}': expected 1, got ${rest.length}`,
    );
  }
  if (command === "run") run(rest[0] as string);
  else evaluate(rest[0] as string);
} else if (command === "conformance") {
  if (rest.length === 0) usageError("missing required argument 'files'");
  conformance(rest).catch(fail);
} else {
  usageError(`unknown command '${command}'`);
}

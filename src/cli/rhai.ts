#!/usr/bin/env node
// The `rhai` command: run a script file, evaluate a snippet, or check the engine against
// the conformance corpus.

import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { Command } from "commander";
import { runFile } from "../rhai/conformance.js";
import { Engine, FileModuleResolver, isRhaiError, toDisplay } from "../rhai/index.js";

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

/** An engine printing to stdout; `import "x"` loads `x.rhai` from `moduleDir`. */
function newEngine(moduleDir: string): Engine {
  return new Engine()
    .onPrint((text) => process.stdout.write(`${text}\n`))
    .onDebug((text) => process.stdout.write(`${text}\n`))
    .setModuleResolver(new FileModuleResolver(moduleDir));
}

const program = new Command();
program
  .name("rhai")
  .description("Run Rhai scripts with the Horus engine")
  .version("0.1.0")
  // Set before the sub-commands are added, so they inherit it: bad usage exits 2 (a script
  // that fails exits 1).
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command("run")
  .description("run a script file; prints what the script prints")
  .argument("<file>", "the .rhai script")
  .action((file: string) => {
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
  });

program
  .command("eval")
  .description("evaluate a script given on the command line and print its value")
  .argument("<script>", "the Rhai source")
  .action((script: string) => {
    try {
      const value = newEngine(process.cwd()).eval(script);
      if (value !== undefined) process.stdout.write(`${toDisplay(value)}\n`);
    } catch (e) {
      fail(e);
    }
  });

program
  .command("conformance")
  .description("run conformance corpus files; one line per failing case, then the totals")
  .argument("<files...>", "JSON-lines corpus files")
  .action((files: string[]) => {
    let passed = 0;
    let failed = 0;
    for (const file of files) {
      const report = runFile(file);
      for (const r of report.results) if (!r.pass) process.stdout.write(`FAIL ${r.id}: ${r.why}\n`);
      passed += report.passed;
      failed += report.failed;
    }
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  });

program.parse();

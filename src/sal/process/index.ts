// The `process` host module: shell commands (plain, silent, with options, or through the
// `run(cmd)` builder) and the machine's processes (list, get, kill).

import {
  argMap,
  argNonEmpty,
  argString,
  guard,
  type HostModule,
  hostError,
  type MainSideContext,
  mainFn,
  overloads,
  rhaiMap,
} from "../../host/index.js";
import { Float, type RhaiMap, type Value } from "../../rhai/index.js";
import { builderFunctions } from "./builder.js";
import { defaultOptions, parseOptions, runShellCommand } from "./command.js";
import { matchProcesses, type ProcessInfo, protectedPids } from "./procs.js";

function processMap(p: ProcessInfo): RhaiMap {
  return rhaiMap({
    pid: p.pid,
    ppid: p.ppid,
    name: p.name,
    command: p.command,
    memory: p.memory,
    cpu: new Float(p.cpu),
  });
}

async function killProcesses(ctx: MainSideContext, args: readonly Value[]): Promise<string> {
  const target = args[0];
  const keep = await protectedPids();
  if (typeof target === "number") {
    if (!Number.isSafeInteger(target) || target <= 0)
      throw new Error(`not a process id: ${target}`);
    if (keep.has(target)) throw new Error(`refusing to kill the runner itself (pid ${target})`);
    try {
      process.kill(target, "SIGTERM");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ESRCH") throw new Error(`no process with pid ${target}`);
      if (code === "EPERM") throw new Error(`not allowed to signal pid ${target}`);
      throw e;
    }
    ctx.log(`kill: sent SIGTERM to ${target}`);
    return `killed process ${target}`;
  }
  const pattern = argNonEmpty("kill", args, 0, "pattern");
  const victims = (await matchProcesses(pattern)).filter((p) => !keep.has(p.pid));
  let killed = 0;
  for (const p of victims) {
    try {
      process.kill(p.pid, "SIGTERM");
      killed++;
    } catch {
      // exited meanwhile, or not ours to signal: nothing to kill there
    }
  }
  if (killed > 0) ctx.log(`kill: sent SIGTERM to ${killed} process(es) matching "${pattern}"`);
  return killed === 0
    ? `no process matches "${pattern}"`
    : `killed ${killed} process(es) matching "${pattern}"`;
}

const processModule: HostModule = {
  name: "process",
  description:
    "Shell commands and system processes. Commands run through bash (or sh) in the job's working directory, with the job's env_vars plus PATH and HOME only, in their own process group that is killed when the job ends. A command result is a map: `stdout`, `stderr`, `success` (exit code 0) and `code` (128 + signal number when killed by a signal). Unless silent, output lines go to the job's log as they come. `which` is in the os module.",
  functions: [
    mainFn({
      name: "run_command",
      params: ["string"],
      returns: "map",
      doc: "Runs a shell command, logging its output; a non-zero exit is an error (use `run(cmd).ignore_error()` to inspect it).",
      example: 'let r = run_command("echo hello"); print(r.stdout);',
      run: (ctx, args) =>
        runShellCommand(
          ctx,
          "run_command",
          argString("run_command", args, 0, "command"),
          defaultOptions(),
        ),
    }),
    mainFn({
      name: "run_silent",
      params: ["string"],
      returns: "map",
      doc: "As run_command, but the output stays out of the job's log.",
      example: 'let v = run_silent("uname -r").stdout; v.trim(); // trim works in place',
      run: (ctx, args) =>
        runShellCommand(ctx, "run_silent", argString("run_silent", args, 0, "command"), {
          ...defaultOptions(),
          silent: true,
        }),
    }),
    mainFn({
      name: "run_with_options",
      params: ["string", "map"],
      returns: "map",
      doc: "Runs a shell command with options: `silent`, `die` (default true) or `ignore_error`, `log`, `cwd`, `env` (map), `timeout` (seconds).",
      example: 'let r = run_with_options("ls /nope", #{die: false, silent: true}); print(r.code);',
      run: (ctx, args) => {
        const fn = "run_with_options";
        const options = parseOptions(fn, argMap(fn, args, 1, "options"));
        return runShellCommand(ctx, fn, argString(fn, args, 0, "command"), options);
      },
    }),
    ...builderFunctions,
    mainFn({
      name: "process_list",
      params: ["string"],
      returns: "array",
      doc: 'Processes whose name or command line contains the pattern ("" for all): maps with `pid`, `ppid`, `name`, `command`, `memory` (KiB), `cpu` (%).',
      example: 'for p in process_list("redis") { print(p.pid + " " + p.name); }',
      run: (_ctx, args) =>
        guard("process_list", async () =>
          (await matchProcesses(argString("process_list", args, 0, "pattern"))).map(processMap),
        ),
    }),
    mainFn({
      name: "process_get",
      params: ["string"],
      returns: "map",
      doc: "The one process matching the pattern (as process_list); an error if none or several match.",
      example: 'let p = process_get("redis-server"); print(p.pid);',
      run: (_ctx, args) =>
        guard("process_get", async () => {
          const pattern = argNonEmpty("process_get", args, 0, "pattern");
          const found = await matchProcesses(pattern);
          const [only] = found;
          if (only === undefined) throw hostError("process_get", `no process matches "${pattern}"`);
          if (found.length > 1) {
            const pids = found.slice(0, 10).map((p) => p.pid);
            throw hostError(
              "process_get",
              `${found.length} processes match "${pattern}" (pids ${pids.join(", ")}${found.length > 10 ? ", ..." : ""}): be more specific`,
            );
          }
          return processMap(only);
        }),
    }),
    ...overloads(
      mainFn({
        name: "kill",
        params: ["string"],
        returns: "string",
        doc: "Sends SIGTERM to every process whose name or command line contains the pattern, or to one pid; never to the runner itself.",
        example: 'kill("my-stuck-tool"); kill(12345);',
        run: (ctx, args) => guard("kill", () => killProcesses(ctx, args)),
      }),
      ["i64"],
    ),
  ],
};

export default processModule;

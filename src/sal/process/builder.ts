// `run(cmd)`: a command builder living in the script's worker. Each option method returns a
// new builder (Rhai values are copied, so a shared mutable object would surprise scripts);
// `execute()` hands the command and its options to the main thread's `run_with_options`.

import {
  argHandle,
  argMap,
  argNonEmpty,
  argSeconds,
  argString,
  type HostFunction,
  type WorkerFunction,
  workerFn,
} from "../../host/index.js";
import { RHAI_TYPE_NAME, type RhaiMap, type Value } from "../../rhai/index.js";
import { envFromMap } from "./command.js";

export const COMMAND_BUILDER = "CommandBuilder";

export class CommandBuilder {
  readonly [RHAI_TYPE_NAME] = COMMAND_BUILDER;
  constructor(
    readonly command: string,
    /** The options map `run_with_options` takes. */
    readonly options: ReadonlyMap<string, Value> = new Map(),
  ) {}

  with(key: string, value: Value): CommandBuilder {
    return new CommandBuilder(this.command, new Map(this.options).set(key, value));
  }

  toString(): string {
    return `CommandBuilder(${JSON.stringify(this.command)})`;
  }
}

function builderOf(args: readonly Value[]): CommandBuilder {
  return argHandle(args, 0, CommandBuilder);
}

function option(
  name: string,
  params: string[],
  doc: string,
  example: string,
  apply: (b: CommandBuilder, args: readonly Value[]) => CommandBuilder,
): WorkerFunction {
  return workerFn({
    name,
    params: [COMMAND_BUILDER, ...params],
    returns: COMMAND_BUILDER,
    doc,
    example,
    run: (_ctx, args) => apply(builderOf(args), args),
  });
}

export const builderFunctions: HostFunction[] = [
  workerFn({
    name: "run",
    params: ["string"],
    returns: COMMAND_BUILDER,
    doc: "Starts a command builder; set options with its methods, then call `execute()`.",
    example: 'let r = run("make test").cwd("/src").timeout(60).ignore_error().execute();',
    run: (_ctx, args) => new CommandBuilder(argNonEmpty("run", args, 0, "command")),
  }),
  option(
    "cwd",
    ["string"],
    "Runs the command in this directory.",
    'let r = run("pwd").cwd("/tmp").execute(); print(r.stdout);',
    (b, a) => b.with("cwd", argNonEmpty("cwd", a, 1, "directory")),
  ),
  option(
    "env",
    ["map"],
    "Adds environment variables for the command (on top of the job's).",
    'let r = run("printenv NAME").env(#{NAME: "x"}).execute(); print(r.stdout);',
    (b, a) => {
      envFromMap("env", argMap("env", a, 1, "variables")); // checked now, where the script is
      const merged = new Map((b.options.get("env") as RhaiMap | undefined) ?? []);
      for (const [k, v] of argMap("env", a, 1, "variables")) merged.set(k, v);
      return b.with("env", merged);
    },
  ),
  option(
    "env",
    ["string", "string"],
    "Adds one environment variable for the command.",
    'let r = run("printenv NAME").env("NAME", "x").execute(); print(r.stdout);',
    (b, a) => {
      const name = argNonEmpty("env", a, 1, "name");
      const merged = new Map((b.options.get("env") as RhaiMap | undefined) ?? []);
      merged.set(name, argString("env", a, 2, "value"));
      envFromMap("env", merged);
      return b.with("env", merged);
    },
  ),
  ...["i64", "f64"].map((t) =>
    option(
      "timeout",
      [t],
      "Kills the command (and its children) after this many seconds.",
      'let r = run("sleep 100").timeout(5).ignore_error().execute(); print(r.code); // 143: killed',
      (b, a) => {
        argSeconds("timeout", a, 1, "timeout");
        return b.with("timeout", a[1]);
      },
    ),
  ),
  option(
    "ignore_error",
    [],
    "A failing command gives a result (check `success`, `code`, `stderr`) instead of an error.",
    'let r = run("false").ignore_error().execute();',
    (b) => b.with("die", false),
  ),
  option(
    "silent",
    [],
    "Keeps the command's output out of the job's log.",
    'let files = run("ls").silent().execute().stdout;',
    (b) => b.with("silent", true),
  ),
  option(
    "log",
    [],
    "Writes the command line to the job's log before running it.",
    'run("ls").log().execute();',
    (b) => b.with("log", true),
  ),
  workerFn({
    name: "execute",
    params: [COMMAND_BUILDER],
    returns: "map",
    doc: "Runs the built command: a map with `stdout`, `stderr`, `success` and `code`.",
    example: 'let r = run("echo hi").execute(); print(r.stdout);',
    run: (ctx, args) => {
      const b = builderOf(args);
      return ctx.callMain("process.run_with_options", [b.command, new Map(b.options)]);
    },
  }),
];

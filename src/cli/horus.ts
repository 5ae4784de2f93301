#!/usr/bin/env node
// `horus`: the supervisor's side on the command line. Exit codes: 0 success, 1 the job (or
// the request) failed, 2 bad usage.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { checkResultSignature, HorusClient, SupervisorClient } from "../client/index.js";
import { DEFAULT_TIMEOUT_S, generateKeyPair, type Job } from "../job/index.js";
import { type JobRecord, LOG_LINES_MAX } from "../protocol/index.js";
import {
  namespaceOption,
  packageVersion,
  type RedisLocationFlags,
  readTrustedKeys,
  redisClusterOption,
  redisUrlFromFlags,
  redisUrlOption,
} from "../runtime/index.js";

class UsageError extends Error {}

// A reader that stops early (`horus logs ID | head`) closes the pipe: that ends the output,
// quietly, as it would for any Unix tool, instead of a stack trace for EPIPE.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

/**
 * Exits once stdout and stderr have taken everything written to them: process.exit() while
 * a pipe is full (`horus logs ID | less`) cut the output short, thousands of lines early.
 */
async function exitWhenWritten(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          // A reader that has gone away (`| head`) is no reason to wait, or to fail.
          stream.once("error", () => resolve());
          stream.write("", () => resolve());
        }),
    ),
  );
  process.exit(code);
}

function fail(message: string, code = 1): never {
  process.stderr.write(`horus: ${message}\n`);
  process.exit(code);
}

type Client = HorusClient | SupervisorClient;

function clientOf(cmd: Command): Client {
  const opts = cmd.optsWithGlobals<
    RedisLocationFlags & { namespace: string; supervisor?: string; apiKey?: string }
  >();
  if (opts.supervisor) return new SupervisorClient({ url: opts.supervisor, apiKey: opts.apiKey });
  return new HorusClient({ redisUrl: redisUrlFromFlags(opts), namespace: opts.namespace });
}

function readScript(source: string): string {
  try {
    return readFileSync(source === "-" ? 0 : source, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read script ${source}: ${(e as Error).message}`);
  }
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--env takes KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

interface JobFlags {
  runner: string;
  script: string;
  executor?: string;
  timeout: number;
  env: string[];
  context: string;
  caller: string;
  key?: string;
}

function jobFromFlags(flags: JobFlags): Job {
  const key = flags.key ?? process.env.HORUS_SIGNING_KEY;
  if (!key)
    throw new UsageError(
      "no signing key: give --key HEX or set HORUS_SIGNING_KEY (`horus keygen` makes one)",
    );
  try {
    return HorusClient.signedJob(
      {
        payload: readScript(flags.script),
        runner: flags.runner,
        executor: flags.executor ?? "",
        timeout: flags.timeout,
        env_vars: parseEnv(flags.env),
        context_id: flags.context,
        caller_id: flags.caller,
      },
      [key],
    );
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

function addJobOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--runner <id>", "runner id to send the job to")
    .requiredOption("--script <file>", "file holding the payload, or - for standard input")
    .option("--executor <name>", "hero, sal or osiris (informational)")
    .addOption(
      new Option("--timeout <seconds>", "job timeout").argParser(Number).default(DEFAULT_TIMEOUT_S),
    )
    .option(
      "--env <KEY=VALUE...>",
      "environment variable for the job (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--context <id>", "context id", "")
    .option("--caller <id>", "caller id", "")
    .option("--key <hex>", "signing private key (or HORUS_SIGNING_KEY)");
}

function printRecord(record: JobRecord): void {
  const out: Record<string, unknown> = {
    id: record.id,
    status: record.status,
    ...(record.result && "success" in record.result ? { output: record.result.success } : {}),
    ...(record.error !== undefined ? { error: record.error, error_kind: record.error_kind } : {}),
    created_at: record.created_at,
    started_at: record.started_at,
    finished_at: record.finished_at,
    attempts: record.attempts,
    runner_instance: record.runner_instance,
    ...(record.result_signer !== undefined
      ? { result_signer: record.result_signer, result_signature: record.result_signature }
      : {}),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

const runnerKeysOption = () =>
  new Option(
    "--runner-keys <keys>",
    "check the result's signature against these runner public keys: HEX,HEX or @FILE",
  ).env("HORUS_RUNNER_KEYS");

/**
 * With --runner-keys, says on stderr who signed the outcome, or why it cannot be trusted;
 * false when it cannot (the command then fails, whatever the result says).
 */
function resultTrusted(record: JobRecord, spec: string | undefined): boolean {
  if (spec === undefined) return true;
  let keys: Set<string>;
  try {
    keys = readTrustedKeys(spec);
  } catch (e) {
    throw new UsageError(`--runner-keys: ${(e as Error).message}`);
  }
  const verdict = checkResultSignature(record, keys);
  if (verdict.ok) {
    process.stderr.write(`horus: result signed by runner key ${verdict.signer}\n`);
    return true;
  }
  process.stderr.write(`horus: result NOT verified: ${verdict.message}\n`);
  return false;
}

/** Runs an action with a client, closing it afterwards and mapping errors to exit codes. */
function withClient(action: (client: Client, ...args: never[]) => Promise<number>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const client = clientOf(cmd);
    let code = 0;
    try {
      await client.ready();
      code = await action(client, ...(args as never[]));
    } catch (e) {
      // Not fail(): output the action wrote before the error must get out too.
      process.stderr.write(`horus: ${(e as Error).message}\n`);
      code = e instanceof UsageError ? 2 : 1;
    } finally {
      await client.close();
    }
    await exitWhenWritten(code);
  };
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
  .showHelpAfterError();

program
  .command("keygen")
  .description("make a secp256k1 key pair; prints {private_key, public_key} as JSON")
  .action(() => {
    process.stdout.write(`${JSON.stringify(generateKeyPair())}\n`);
  });

addJobOptions(program.command("run"))
  .description("sign and submit a job, wait for it, print its output")
  .option("--json", "print the whole record as JSON")
  .addOption(runnerKeysOption())
  .action(
    withClient(async (client, flags: JobFlags & { json?: boolean; runnerKeys?: string }) => {
      const job = jobFromFlags(flags);
      const record = await client.run(job);
      if (!resultTrusted(record, flags.runnerKeys)) return 1;
      if (flags.json) printRecord(record);
      if (record.status === "finished") {
        if (!flags.json)
          process.stdout.write(
            `${record.result && "success" in record.result ? record.result.success : ""}\n`,
          );
        return 0;
      }
      if (!flags.json)
        process.stderr.write(
          `horus: job ${record.id} failed (${record.error_kind}): ${record.error}\n`,
        );
      return 1;
    }),
  );

addJobOptions(program.command("submit"))
  .description("sign and submit a job; prints its id")
  .action(
    withClient(async (client, flags: JobFlags) => {
      const id = await client.submit(jobFromFlags(flags));
      process.stdout.write(`${id}\n`);
      return 0;
    }),
  );

program
  .command("status <id>")
  .description("print a job's status record as JSON")
  .action(
    withClient(async (client, id: string) => {
      const record = await client.status(id);
      if (!record) throw new Error(`no job with id ${id}`);
      printRecord(record);
      return 0;
    }),
  );

program
  .command("result <id>")
  .description('print a job\'s result: {"success": ...} or {"error": ...}')
  .addOption(runnerKeysOption())
  .action(
    withClient(async (client, id: string, flags: { runnerKeys?: string }) => {
      const record = await client.status(id);
      const result = record?.result;
      if (!record || !result) throw new Error(`job ${id} has no result (yet)`);
      if (!resultTrusted(record, flags.runnerKeys)) return 1;
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return "success" in result ? 0 : 1;
    }),
  );

program
  .command("logs <id>")
  .description("print a job's log lines")
  .option("-f, --follow", "keep printing new lines until the job ends")
  .action(
    withClient(async (client, id: string, flags: { follow?: boolean }) => {
      const print = (line: string) => process.stdout.write(`${line}\n`);
      if (flags.follow) {
        // On stderr: the lines themselves stay the job's own on stdout.
        const dropped = (count: number) =>
          process.stderr.write(
            `(${count} log line${count === 1 ? "" : "s"} dropped: a job keeps its newest ${LOG_LINES_MAX})\n`,
          );
        await client.followLogs(id, print, undefined, dropped);
      } else {
        if (!(await client.status(id))) throw new Error(`no job with id ${id}`);
        (await client.logs(id)).forEach(print);
      }
      return 0;
    }),
  );

program
  .command("cancel <id>")
  .description("stop a job: a queued one never starts, a running one is stopped")
  .action(
    withClient(async (client, id: string) => {
      const outcome = await client.cancel(id);
      const words = {
        cancelled: "cancelled before it started",
        signalled: "its runner was asked to stop it",
        missing: "no such job",
        "already-ended": "it had already ended",
      } as const;
      process.stdout.write(`${id}: ${words[outcome]}\n`);
      return outcome === "cancelled" || outcome === "signalled" ? 0 : 1;
    }),
  );

program
  .command("runners [runner_id]")
  .description("list live runner instances (from their heartbeats)")
  .option("--json", "print JSON")
  .action(
    withClient(async (client, runnerId: string | undefined, flags: { json?: boolean }) => {
      const list = await client.runners(runnerId);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return 0;
      }
      if (list.length === 0) process.stdout.write("no live runners\n");
      for (const r of list) {
        process.stdout.write(
          `${r.runner_id}\t${r.instance}\t${r.kind}\tconcurrency=${r.concurrency}\trunning=${r.jobs_running}\tdone=${r.jobs_done}\tsince=${r.started_at}\n`,
        );
      }
      return 0;
    }),
  );

program.parseAsync(process.argv).catch((e: Error) => fail(e.message, 2));

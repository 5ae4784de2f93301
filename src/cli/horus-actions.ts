// What each `horus` sub-command does. Loaded only once a sub-command runs (see horus.ts):
// the Redis client, the schema and the curve code cost more to load than `horus --help`
// takes in all.
import type { Command } from "commander";
import { z } from "zod";
import {
  checkResultSignature,
  HorusClient,
  SupervisorClient,
  WaitTimeoutError,
} from "../client/index.js";
import { generateKeyPair, type Job } from "../job/index.js";
import {
  type InstanceInfo,
  type JobRecord,
  LOG_LINES_MAX,
  type SubmitOutcome,
} from "../protocol/index.js";
import { finiteNumber, httpUrl, readOptions, UsageError } from "./flags.js";
import {
  type BatchFlags,
  batchFromFile,
  type JobFlags,
  jobFromFlags,
  readSource,
  verifyJobText,
} from "./horus-job.js";
import { redisUrlFromFlags } from "./options.js";
import { readTrustedKeys } from "./trusted-keys.js";

type Client = HorusClient | SupervisorClient;

// Each sub-command's options, as commander leaves them (horus.ts sets no parsers: zod would
// not be loaded yet). The Redis URL is checked only when horus goes to Redis, not through a
// supervisor: redisUrlFromFlags does that.
export const globalOptions = z.object({
  redisUrl: z.string(),
  redisCluster: z.string().optional(),
  namespace: z.string(),
  supervisor: httpUrl("the supervisor's URL").optional(),
  apiKey: z.string().optional(),
});
type GlobalFlags = z.output<typeof globalOptions>;

const jobOptions = globalOptions.extend({
  runner: z.string(),
  script: z.string(),
  executor: z.string().optional(),
  // Its range is the job schema's to check, with every other field (see horus-job.ts).
  timeout: finiteNumber("a number of seconds"),
  env: z.array(z.string()),
  context: z.string(),
  caller: z.string(),
  key: z.string().optional(),
  // Read by horus-job.ts, which checks them together (--backoff needs --attempts, ...).
  attempts: z.string().optional(),
  backoff: z.string().optional(),
  delay: z.string().optional(),
  at: z.string().optional(),
  priority: z.string().optional(),
});
const runnerKeys = { runnerKeys: z.string().optional() };
const json = { json: z.boolean().optional() };

/**
 * Exits once stdout and stderr have taken everything written to them: process.exit() while
 * a pipe is full (`horus logs ID | less`) cut the output short, thousands of lines early.
 */
export async function exitWhenWritten(code: number): Promise<never> {
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

export function say(message: string): void {
  for (const line of message.split("\n")) process.stderr.write(`horus: ${line}\n`);
}

function clientOf(flags: GlobalFlags): Client {
  if (flags.supervisor)
    return new SupervisorClient({ url: flags.supervisor, apiKey: flags.apiKey });
  let redisUrl: string;
  try {
    redisUrl = redisUrlFromFlags(flags);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return new HorusClient({ redisUrl, namespace: flags.namespace });
}

/**
 * Reads the sub-command's options through `schema`, then runs an action, mapping its errors
 * to exit codes (2 bad usage, 1 anything else). The client is opened only when the action
 * asks for it, after its own input checked out: a mistyped flag is not worth a 5-second
 * wait on an unreachable Redis.
 */
export async function guarded<F extends GlobalFlags>(
  cmd: Command,
  schema: z.ZodType<F>,
  action: (flags: F, connect: () => Promise<Client>) => Promise<number>,
): Promise<never> {
  let client: Client | undefined;
  let code = 0;
  try {
    const flags = readOptions(cmd, schema);
    const connect = async () => {
      client = clientOf(flags);
      await client.ready();
      return client;
    };
    code = await action(flags, connect);
  } catch (e) {
    // Not a plain exit: output the action wrote before the error must get out too.
    say((e as Error).message);
    code = e instanceof UsageError ? 2 : 1;
  } finally {
    await client?.close();
  }
  return exitWhenWritten(code);
}

/** Whether any live instance serves `runnerId`; says so on stderr when none does. */
async function warnIfNobodyServes(client: Client, runnerId: string): Promise<boolean> {
  let instances: InstanceInfo[];
  try {
    instances = await client.runners(runnerId);
  } catch {
    // An API key that may submit but not list runners: no warning, and no failure either.
    return true;
  }
  if (instances.length > 0) return true;
  say(
    `no live instance serves runner "${runnerId}" (\`horus runners\` lists those that do); the job waits in its queue until one starts`,
  );
  return false;
}

/**
 * A job's record as the supervisor's `job.status` gives it, the same names in the same
 * order, whichever way horus reached it; its result is what `horus result` prints.
 */
function statusShape(record: JobRecord): Omit<JobRecord, "result"> {
  const { result: _result, ...rest } = record;
  return rest;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * With --runner-keys, says on stderr who signed the outcome, or why it cannot be trusted;
 * false when it cannot (the command then fails, whatever the result says).
 */
async function resultTrusted(record: JobRecord, spec: string | undefined): Promise<boolean> {
  if (spec === undefined) return true;
  let keys: Set<string>;
  try {
    keys = readTrustedKeys(spec);
  } catch (e) {
    throw new UsageError(`--runner-keys: ${(e as Error).message}`);
  }
  const verdict = checkResultSignature(record, keys);
  if (verdict.ok) {
    say(`result signed by runner key ${verdict.signer}`);
    return true;
  }
  say(`result NOT verified: ${verdict.message}`);
  return false;
}

export function keygen(_flags: unknown, cmd: Command) {
  // Nothing but the global options to check, and still checked: a mistyped --supervisor is
  // a usage error whatever the sub-command.
  return guarded(cmd, globalOptions, async () => {
    process.stdout.write(`${JSON.stringify(generateKeyPair())}\n`);
    return 0;
  });
}

/**
 * Runs a job-sending action in a span of its own when tracing is configured (OTEL_*): the
 * job built inside carries the span as its TRACEPARENT, so the runner's spans join it.
 */
async function traced<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const { inSpan, startTracing, stopTracing } = await import("../tracing/index.js");
  await startTracing("horus");
  try {
    return await inSpan(name, {}, () => fn());
  } finally {
    await stopTracing();
  }
}

const runOptions = jobOptions.extend({ ...json, ...runnerKeys });

export function run(_flags: unknown, cmd: Command) {
  return guarded(cmd, runOptions, (flags, connect) =>
    traced("horus.run", () => runJob(flags, connect)),
  );
}

async function runJob(
  flags: z.output<typeof runOptions>,
  connect: () => Promise<Client>,
): Promise<number> {
  {
    const job = jobFromFlags(flags);
    const client = await connect();
    const served = await warnIfNobodyServes(client, job.runner);
    let record: JobRecord;
    try {
      // Nobody to run it: waiting past the job's own timeout (for queueing) has no purpose.
      record = await client.run(job, served ? undefined : job.timeout);
    } catch (e) {
      if (e instanceof WaitTimeoutError && !served)
        throw new Error(
          `${e.message}; no live instance served runner "${job.runner}". It stays queued; \`horus cancel ${job.id}\` removes it`,
        );
      throw e;
    }
    if (!(await resultTrusted(record, flags.runnerKeys))) return 1;
    if (flags.json) printJson(record);
    if (record.status === "finished") {
      if (!flags.json)
        process.stdout.write(
          `${record.result && "success" in record.result ? record.result.success : ""}\n`,
        );
      return 0;
    }
    if (!flags.json) say(`job ${record.id} failed (${record.error_kind}): ${record.error}`);
    return 1;
  }
}

/**
 * Submits signed jobs in one round trip through Redis. A supervisor has no bulk method: a
 * call (two) per job there, the batch's one signature checked per job all the same.
 */
async function submitAll(client: Client, jobs: readonly Job[]): Promise<SubmitOutcome[]> {
  if (client instanceof HorusClient) return client.submitSigned(jobs);
  const out: SubmitOutcome[] = [];
  for (const job of jobs) {
    try {
      await client.submit(job);
      out.push({ id: job.id, outcome: "stored" });
    } catch (e) {
      out.push({ id: job.id, outcome: "failed", error: (e as Error).message });
    }
  }
  return out;
}

const REFUSED = {
  exists: "a job with this id exists already",
  claimed: "this id was claimed by a runner before (it ran, or started)",
} as const;

/**
 * `horus submit --batch FILE`: prints the id of each job stored, in the file's order, and
 * says on stderr which were not and why; exits 1 when any was not.
 */
async function submitBatch(flags: BatchFlags, connect: () => Promise<Client>): Promise<number> {
  const jobs = batchFromFile(flags);
  const client = await connect();
  for (const runner of new Set(jobs.map((j) => j.runner))) await warnIfNobodyServes(client, runner);
  const outcomes = await submitAll(client, jobs);
  let refused = 0;
  for (const o of outcomes) {
    if (o.outcome === "stored") {
      process.stdout.write(`${o.id}\n`);
      continue;
    }
    refused += 1;
    say(`job ${o.id} not submitted: ${o.outcome === "failed" ? o.error : REFUSED[o.outcome]}`);
  }
  if (refused > 0) say(`${refused} of ${jobs.length} jobs not submitted`);
  return refused === 0 ? 0 : 1;
}

// With --batch, --runner and --script are defaults for the batch file's lines.
const submitOptions = jobOptions.extend({
  runner: z.string().optional(),
  script: z.string().optional(),
  batch: z.string().optional(),
});

export function submit(_flags: unknown, cmd: Command) {
  return guarded(cmd, submitOptions, (flags, connect) =>
    traced("horus.submit", async () => {
      if (flags.batch !== undefined) return submitBatch({ ...flags, batch: flags.batch }, connect);
      // Without --batch both are required, as for run and sign (commander's own wording).
      for (const [flag, name] of [
        ["runner", "--runner <id>"],
        ["script", "--script <file>"],
      ] as const)
        if (flags[flag] === undefined)
          throw new UsageError(`required option '${name}' not specified (or give --batch <file>)`);
      const job = jobFromFlags(flags as JobFlags);
      const client = await connect();
      await warnIfNobodyServes(client, job.runner);
      process.stdout.write(`${await client.submit(job)}\n`);
      return 0;
    }),
  );
}

/** `horus sign`: the signed job as JSON, for curl and other languages; nothing submitted. */
export function sign(_flags: unknown, cmd: Command) {
  return guarded(cmd, jobOptions, async (flags) => {
    const job: Job = jobFromFlags(flags);
    printJson(job);
    return 0;
  });
}

/** `horus verify FILE`: the job is valid and every signature on it holds. */
export function verify(file: string, _flags: unknown, cmd: Command) {
  const schema = globalOptions.extend({ trustedKeys: z.string().optional() });
  return guarded(cmd, schema, async (flags) => {
    const found = verifyJobText(readSource(file, "job"));
    const problems = [...found.problems];
    if (flags.trustedKeys !== undefined && found.job !== undefined) {
      const trusted = readTrustedKeys(flags.trustedKeys);
      if (!found.valid.some((k) => trusted.has(k)))
        problems.push("no valid signature is by a trusted key");
    }
    if (found.job !== undefined)
      process.stdout.write(
        `${JSON.stringify({ id: found.job.id, runner: found.job.runner, signed_by: found.valid })}\n`,
      );
    for (const problem of problems) say(problem);
    return problems.length === 0 ? 0 : 1;
  });
}

export function status(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, globalOptions, async (_, connect) => {
    const record = await (await connect()).status(id);
    if (!record) throw new Error(`no job with id ${id}`);
    printJson(statusShape(record));
    return 0;
  });
}

export function result(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, globalOptions.extend(runnerKeys), async (flags, connect) => {
    const record = await (await connect()).status(id);
    const found = record?.result;
    if (!record || !found) throw new Error(`job ${id} has no result (yet)`);
    if (!(await resultTrusted(record, flags.runnerKeys))) return 1;
    process.stdout.write(`${JSON.stringify(found)}\n`);
    return "success" in found ? 0 : 1;
  });
}

export function logs(id: string, _flags: unknown, cmd: Command) {
  const schema = globalOptions.extend({ follow: z.boolean().optional() });
  return guarded(cmd, schema, async (flags, connect) => {
    const client = await connect();
    const print = (line: string) => process.stdout.write(`${line}\n`);
    const record = await client.status(id);
    if (!record) throw new Error(`no job with id ${id}`);
    if (!flags.follow) {
      (await client.logs(id)).forEach(print);
      return 0;
    }
    // On stderr: the lines themselves stay the job's own on stdout.
    if (record.status !== "finished" && record.status !== "error" && !record.started_at)
      await warnIfNobodyServes(client, record.runner);
    const dropped = (count: number) =>
      say(
        `(${count} log line${count === 1 ? "" : "s"} dropped: a job keeps its newest ${LOG_LINES_MAX})`,
      );
    const ended = await client.followLogs(id, print, undefined, dropped);
    if (ended.status === "finished") return 0;
    say(`job ${id} ended in error (${ended.error_kind}): ${ended.error}`);
    return 1;
  });
}

export function cancel(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, globalOptions, async (_, connect) => {
    const outcome = await (await connect()).cancel(id);
    const words = {
      cancelled: "cancelled before it started",
      signalled: "its runner was asked to stop it",
      missing: "no such job",
      "already-ended": "it had already ended",
    } as const;
    process.stdout.write(`${id}: ${words[outcome]}\n`);
    return outcome === "cancelled" || outcome === "signalled" ? 0 : 1;
  });
}

const RUNNER_COLUMNS: [string, (r: InstanceInfo) => string][] = [
  ["RUNNER", (r) => r.runner_id],
  ["INSTANCE", (r) => r.instance],
  ["KIND", (r) => r.kind],
  ["CONCURRENCY", (r) => String(r.concurrency)],
  ["RUNNING", (r) => String(r.jobs_running)],
  ["DONE", (r) => String(r.jobs_done)],
  ["SINCE", (r) => r.started_at],
];

export function runners(runnerId: string | undefined, _flags: unknown, cmd: Command) {
  return guarded(cmd, globalOptions.extend(json), async (flags, connect) => {
    const list = await (await connect()).runners(runnerId);
    if (flags.json) {
      printJson(list);
      return 0;
    }
    if (list.length === 0) {
      say(runnerId === undefined ? "no live runners" : `no live instance of runner "${runnerId}"`);
      return 0;
    }
    // Columns padded to their widest cell, so the table reads in a terminal and splits on
    // whitespace in a script.
    const rows = [
      RUNNER_COLUMNS.map(([title]) => title),
      ...list.map((r) => RUNNER_COLUMNS.map(([, cell]) => cell(r))),
    ];
    const widths = RUNNER_COLUMNS.map((_, i) =>
      Math.max(...rows.map((row) => row[i]?.length ?? 0)),
    );
    for (const row of rows)
      process.stdout.write(
        `${row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join("  ")}\n`,
      );
    return 0;
  });
}

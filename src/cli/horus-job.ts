// The jobs `horus` builds from its flags: read the payload and the signing key, check the
// job against the same schema a runner checks it with, then sign it. Anything a runner
// would refuse is refused here, before signing, with the flag to change named.
import { readFileSync } from "node:fs";
import {
  type Backoff,
  createJob,
  type Job,
  jobSchema,
  type NewJob,
  parseJobJson,
  publicKeyOf,
  signBatch,
  signJob,
  verifyJobSignatures,
} from "../job/index.js";
import { currentTraceparent } from "../tracing/index.js";
import { parseDurationMs, parseTime } from "./durations.js";
import { UsageError } from "./flags.js";

export interface JobFlags {
  runner: string;
  script: string;
  executor?: string;
  timeout: number;
  env: string[];
  context: string;
  caller: string;
  key?: string;
  attempts?: string;
  backoff?: string;
  delay?: string;
  at?: string;
  priority?: string;
}

/** The flag each job field comes from, to name it in errors. */
const FLAG_OF: Record<string, string> = {
  payload: "--script",
  runner: "--runner",
  timeout: "--timeout",
  env_vars: "--env",
  executor: "--executor",
  caller_id: "--caller",
  context_id: "--context",
  max_attempts: "--attempts",
  backoff: "--backoff",
  run_at: "--delay/--at",
  priority: "--priority",
};

/** A whole number from a flag, or a usage error naming it. */
function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(`${flag}: expected a whole number, got ${quoted(text)}`);
  return Number(text);
}

/** `--backoff D[,exp[,MAX]]`: a fixed delay, or one doubling each attempt up to MAX. */
function parseBackoff(text: string): Backoff {
  const [delay, type, max, ...rest] = text.split(",").map((s) => s.trim());
  if (
    delay === undefined ||
    rest.length > 0 ||
    (type !== undefined && type !== "exp" && type !== "fixed")
  )
    throw new UsageError(
      `--backoff: expected DELAY, DELAY,exp or DELAY,exp,MAX (200ms, 1s,exp,1m), got ${quoted(text)}`,
    );
  try {
    return {
      type: type === "exp" ? "exponential" : "fixed",
      delay_ms: parseDurationMs(delay, "--backoff"),
      ...(max === undefined ? {} : { max_delay_ms: parseDurationMs(max, "--backoff") }),
    };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The lifecycle fields the flags ask for (attempts, backoff, run_at, priority). */
export function lifecycleOf(
  flags: Pick<JobFlags, "attempts" | "backoff" | "delay" | "at" | "priority">,
  now: Date,
): Partial<NewJob> {
  if (flags.delay !== undefined && flags.at !== undefined)
    throw new UsageError("--delay and --at both say when the job runs: give one");
  if (flags.backoff !== undefined && flags.attempts === undefined)
    throw new UsageError("--backoff applies between attempts: give --attempts N (N >= 2) too");
  let runAt: string | undefined;
  try {
    if (flags.delay !== undefined)
      runAt = new Date(now.getTime() + parseDurationMs(flags.delay, "--delay")).toISOString();
    if (flags.at !== undefined) runAt = parseTime(flags.at, "--at").toISOString();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return {
    ...(flags.attempts === undefined
      ? {}
      : { max_attempts: wholeNumber(flags.attempts, "--attempts") }),
    ...(flags.backoff === undefined ? {} : { backoff: parseBackoff(flags.backoff) }),
    ...(runAt === undefined ? {} : { run_at: runAt }),
    ...(flags.priority === undefined
      ? {}
      : { priority: wholeNumber(flags.priority, "--priority") }),
  };
}

/** The text of a file, or of standard input for `-`. */
export function readSource(source: string, what: string): string {
  try {
    return readFileSync(source === "-" ? 0 : source, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${source}: ${(e as Error).message}`);
  }
}

/** Text for a message, unless it holds what may be a private key (64 hex digits in a row). */
function quoted(text: string): string {
  return /[0-9a-fA-F]{64}/.test(text)
    ? "something that may hold a private key (not shown)"
    : `"${text}"`;
}

export function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--env takes KEY=VALUE, got ${quoted(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;
const PUBLIC_KEY = /^(0x)?(0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/;

/**
 * The private key to sign with: `--key HEX`, `--key @FILE` (the key alone, or the JSON
 * `horus keygen` prints), or the same from HORUS_SIGNING_KEY. No message ever shows any part
 * of what was given: it may be a private key with a typo.
 */
export function readSigningKey(flag: string | undefined): string {
  const fromFlag = flag !== undefined;
  const spec = flag ?? process.env.HORUS_SIGNING_KEY;
  const where = fromFlag ? "--key" : "HORUS_SIGNING_KEY";
  if (spec === undefined || spec.trim() === "")
    throw new UsageError(
      "no signing key: give --key HEX or --key @FILE, or set HORUS_SIGNING_KEY (`horus keygen` makes one)",
    );
  let text = spec.trim();
  if (text.startsWith("@")) {
    const path = text.slice(1);
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new UsageError(`cannot read the signing key from ${path}: ${(e as Error).message}`);
    }
    text = keyInFile(text);
  }
  if (PUBLIC_KEY.test(text))
    throw new UsageError(
      `${where} holds a public key; signing takes the private key (private_key of \`horus keygen\`)`,
    );
  if (!PRIVATE_KEY.test(text))
    throw new UsageError(
      `${where} is not a private key: expected 64 hex characters, got ${text.length} characters${/[^0-9a-fA-Fx]/.test(text) ? " that are not all hex" : ""}`,
    );
  try {
    publicKeyOf(text);
  } catch {
    throw new UsageError(`${where} is not a valid secp256k1 private key`);
  }
  return text;
}

/** A key file holds the key alone (comments with #) or `horus keygen`'s JSON. */
function keyInFile(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed) as { private_key?: unknown };
      if (typeof parsed.private_key === "string") return parsed.private_key;
    } catch {
      // not JSON after all: read as a plain key below, which says what is wrong
    }
    throw new UsageError("the signing key file holds JSON without a private_key");
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "")
    .join("");
}

/** The job the flags describe, checked against the job schema, not yet signed. */
export function unsignedJob(flags: JobFlags, now: Date = new Date()): Job {
  const env = parseEnv(flags.env);
  // The trace this job belongs to, signed with it (see src/tracing).
  const traceparent = currentTraceparent();
  if (traceparent !== undefined && env.TRACEPARENT === undefined) env.TRACEPARENT = traceparent;
  const job = createJob(
    {
      ...lifecycleOf(flags, now),
      payload: readSource(flags.script, "script"),
      runner: flags.runner,
      executor: flags.executor ?? "",
      timeout: flags.timeout,
      env_vars: env,
      context_id: flags.context,
      caller_id: flags.caller,
    },
    now,
  );
  const checked = jobSchema.safeParse(job);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? "job");
      const flag = FLAG_OF[field];
      const path = issue.path.join(".");
      return flag === undefined ? `${path}: ${issue.message}` : `${flag}: ${path} ${issue.message}`;
    });
    throw new UsageError(`the job would be refused: ${problems.join("; ")}`);
  }
  return job;
}

/** The job the flags describe, checked, then signed with the signing key. */
export function jobFromFlags(flags: JobFlags): Job {
  // The key first: a job is not worth reading a 4 MiB script for when it cannot be signed.
  const key = readSigningKey(flags.key);
  return signJob(unsignedJob(flags), key);
}

/** `horus submit --batch FILE`: the flags are defaults for every line; --runner and --script optional. */
export type BatchFlags = Omit<JobFlags, "runner" | "script"> & {
  runner?: string;
  script?: string;
  batch: string;
};

/** The fields a line of a batch file may give (a job spec: what `createJob` takes). */
const BATCH_LINE_FIELDS: ReadonlySet<string> = new Set([
  "payload",
  "runner",
  "timeout",
  "env_vars",
  "executor",
  "caller_id",
  "context_id",
  "id",
  "max_attempts",
  "backoff",
  "run_at",
  "priority",
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The jobs of a batch file (JSON lines, one job spec a line; blank lines skipped), each
 * checked against the job schema, then signed as one batch with one signature. The flags
 * are defaults: a line's own fields win, and its `env_vars` are added to `--env`'s. Errors
 * name the file's line.
 */
export function batchFromFile(flags: BatchFlags, now: Date = new Date()): Job[] {
  const key = readSigningKey(flags.key);
  const text = readSource(flags.batch, "batch file");
  const defaultPayload =
    flags.script === undefined ? undefined : readSource(flags.script, "script");
  const env = parseEnv(flags.env);
  const traceparent = currentTraceparent();
  if (traceparent !== undefined && env.TRACEPARENT === undefined) env.TRACEPARENT = traceparent;
  const lifecycle = lifecycleOf(flags, now);
  const jobs: Job[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${flags.batch === "-" ? "standard input" : flags.batch} line ${i + 1}`;
    let spec: unknown;
    try {
      spec = JSON.parse(line);
    } catch (e) {
      throw new UsageError(`${where}: not JSON (${(e as Error).message})`);
    }
    if (!isObject(spec)) throw new UsageError(`${where}: expected a JSON object (a job spec)`);
    for (const field of Object.keys(spec))
      if (!BATCH_LINE_FIELDS.has(field))
        throw new UsageError(
          `${where}: unknown field "${field}" (a line may give ${[...BATCH_LINE_FIELDS].join(", ")})`,
        );
    const lineEnv = spec.env_vars;
    const merged: Record<string, unknown> = {
      executor: flags.executor ?? "",
      timeout: flags.timeout,
      context_id: flags.context,
      caller_id: flags.caller,
      ...lifecycle,
      ...(flags.runner === undefined ? {} : { runner: flags.runner }),
      ...(defaultPayload === undefined ? {} : { payload: defaultPayload }),
      ...spec,
      env_vars: isObject(lineEnv) ? { ...env, ...lineEnv } : (lineEnv ?? env),
    };
    if (merged.runner === undefined)
      throw new UsageError(`${where}: no runner: give "runner" on the line, or --runner`);
    if (merged.payload === undefined)
      throw new UsageError(`${where}: no payload: give "payload" on the line, or --script`);
    const job = createJob(merged as unknown as NewJob, now);
    const checked = jobSchema.safeParse(job);
    if (!checked.success) {
      const problems = checked.error.issues.map(
        (issue) => `${issue.path.join(".")}: ${issue.message}`,
      );
      throw new UsageError(`${where}: the job would be refused: ${problems.join("; ")}`);
    }
    jobs.push(job);
  });
  if (jobs.length === 0) throw new UsageError(`${flags.batch}: no jobs in the batch file`);
  try {
    return signBatch(jobs, key);
  } catch (e) {
    throw new UsageError(`${flags.batch}: ${(e as Error).message}`);
  }
}

/** What `horus verify` finds in a job file: the job, who signed it, what is wrong. */
export interface Verification {
  job?: Job;
  valid: string[];
  problems: string[];
}

export function verifyJobText(text: string): Verification {
  let job: Job;
  try {
    job = parseJobJson(text);
  } catch (e) {
    return { valid: [], problems: [(e as Error).message] };
  }
  const report = verifyJobSignatures(job);
  const problems = [...report.invalid];
  if (job.signatures.length === 0) problems.push("job is not signed");
  return { job, valid: report.valid, problems };
}

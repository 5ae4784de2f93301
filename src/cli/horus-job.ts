// The jobs `horus` builds from its flags: read the payload and the signing key, check the
// job against the same schema a runner checks it with, then sign it. Anything a runner
// would refuse is refused here, before signing, with the flag to change named.
import { readFileSync } from "node:fs";
import {
  createJob,
  type Job,
  jobSchema,
  parseJobJson,
  publicKeyOf,
  signJob,
  verifyJobSignatures,
} from "../job/index.js";

/** Bad input on the command line: exit 2. */
export class UsageError extends Error {}

export interface JobFlags {
  runner: string;
  script: string;
  executor?: string;
  timeout: number;
  env: string[];
  context: string;
  caller: string;
  key?: string;
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
};

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

function parseEnv(pairs: string[]): Record<string, string> {
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
export function unsignedJob(flags: JobFlags): Job {
  const job = createJob({
    payload: readSource(flags.script, "script"),
    runner: flags.runner,
    executor: flags.executor ?? "",
    timeout: flags.timeout,
    env_vars: parseEnv(flags.env),
    context_id: flags.context,
    caller_id: flags.caller,
  });
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

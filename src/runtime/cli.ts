// The command-line front every runner shares:
//   <bin> <runner_id> [--redis-url URL] [--redis-sentinels L --redis-master M | --redis-cluster L]
//         [--concurrency N] [--trusted-keys HEX,HEX|@FILE]
//         [--namespace NS] [--log-level L] [--max-job-age S] [--grace-period S] [--result-ttl S]
// Exit codes: 0 stopped cleanly, 1 failed, 2 bad usage or configuration, 130 stopped at once
// by a second signal.
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  maxLogBytesOption,
  maxResultBytesOption,
  namespaceOption,
  type RedisLocationFlags,
  redisClusterOption,
  redisUrlFromFlags,
  redisUrlOption,
} from "./cli-options.js";
import type { Executor } from "./executor.js";
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from "./logger.js";
import { DEFAULT_CLOCK_SKEW_S, DEFAULT_MAX_JOB_AGE_S, parseTrustedKeys } from "./policy.js";
import { Runner } from "./runner.js";
import { packageVersion } from "./version.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, forced: 130 } as const;

/** Options every runner command has, parsed. */
export interface RunnerCliOptions {
  runnerId: string;
  redisUrl: string;
  namespace: string;
  concurrency: number;
  trustedKeys: Set<string>;
  logLevel: LogLevel;
  maxJobAgeS: number;
  gracePeriodS: number;
  resultTtlS: number;
  maxAttempts: number;
  heartbeatS: number;
  /** The runner's own extra options (as commander parsed them). */
  extra: Record<string, unknown>;
}

export interface RunnerCommandSpec {
  /** Command name, e.g. `runner_sal`. */
  name: string;
  description: string;
  /** Adds the runner's own options to the command. */
  extraOptions?: (cmd: Command) => void;
  createExecutor(options: RunnerCliOptions, logger: Logger): Executor | Promise<Executor>;
}

function positiveInt(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${what} must be a whole number >= 1`);
    return n;
  };
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError("must be a number of seconds > 0");
  return n;
}

/** `HEX,HEX` or `@FILE` (one key per line or comma-separated; `#` starts a comment). */
export function readTrustedKeys(spec: string | undefined): Set<string> {
  if (spec === undefined || spec.trim() === "") return new Set();
  let text = spec;
  if (spec.startsWith("@")) {
    const path = spec.slice(1);
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new Error(`cannot read trusted keys from ${path}: ${(e as Error).message}`);
    }
  }
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, ""))
    .flatMap((line) => line.split(/[,\s]+/));
  return parseTrustedKeys(keys);
}

export function buildRunnerCommand(spec: RunnerCommandSpec): Command {
  const cmd = new Command(spec.name)
    .description(spec.description)
    .version(packageVersion(), "-V, --version")
    .argument("<runner_id>", "the runner id whose queue this process serves")
    .addOption(redisUrlOption("Redis to take jobs from"))
    .addOption(
      new Option(
        "--redis-sentinels <list>",
        "reach Redis through these Sentinels, host:port comma-separated (with --redis-master)",
      ).env("HORUS_REDIS_SENTINELS"),
    )
    .addOption(
      new Option("--redis-master <name>", "the master's name the Sentinels know").env(
        "HORUS_REDIS_MASTER",
      ),
    )
    .addOption(redisClusterOption())
    .addOption(
      new Option("--concurrency <n>", "jobs run at once")
        .argParser(positiveInt("concurrency"))
        .default(1),
    )
    .addOption(
      new Option(
        "--trusted-keys <keys>",
        "public keys (hex) whose signatures are accepted: HEX,HEX or @FILE",
      ).env("HORUS_TRUSTED_KEYS"),
    )
    .addOption(namespaceOption())
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .addOption(
      new Option("--max-job-age <seconds>", "refuse jobs created longer ago than this")
        .argParser(positiveSeconds)
        .default(DEFAULT_MAX_JOB_AGE_S),
    )
    .addOption(
      new Option(
        "--grace-period <seconds>",
        "on stop, how long running jobs may take before being handed back",
      )
        .argParser(positiveSeconds)
        .default(30),
    )
    .addOption(
      new Option("--result-ttl <seconds>", "how long finished jobs are kept")
        .argParser(positiveSeconds)
        .default(7 * 24 * 3600),
    )
    .addOption(
      new Option(
        "--max-attempts <n>",
        "times a job may be started in all; a job whose runner crashed is retried only below this",
      )
        .argParser(positiveInt("max-attempts"))
        .default(1),
    )
    .addOption(
      new Option(
        "--heartbeat <seconds>",
        "heartbeat interval; an instance silent for 3 intervals is taken as gone",
      )
        .argParser(positiveSeconds)
        .default(5),
    )
    .addOption(maxLogBytesOption())
    .addOption(maxResultBytesOption());
  spec.extraOptions?.(cmd);
  return cmd;
}

const COMMON_KEYS = new Set([
  "redisUrl",
  "concurrency",
  "trustedKeys",
  "namespace",
  "logLevel",
  "maxJobAge",
  "gracePeriod",
  "resultTtl",
  "maxAttempts",
  "heartbeat",
  "redisSentinels",
  "redisMaster",
  "redisCluster",
  "maxLogBytes",
  "maxResultBytes",
]);

/** Parses the command line, starts the runner and stops it on SIGTERM/SIGINT. */
export async function runRunnerCommand(
  spec: RunnerCommandSpec,
  argv: string[] = process.argv,
): Promise<void> {
  const cmd = buildRunnerCommand(spec);
  cmd.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  });
  cmd.parse(argv);
  const raw = cmd.opts<Record<string, unknown>>();
  const runnerId = cmd.args[0] as string;

  let trustedKeys: Set<string>;
  try {
    trustedKeys = readTrustedKeys(raw.trustedKeys as string | undefined);
  } catch (e) {
    process.stderr.write(`${spec.name}: ${(e as Error).message}\n`);
    process.exit(EXIT.usage);
  }
  if (trustedKeys.size === 0) {
    process.stderr.write(
      `${spec.name}: no trusted keys: a runner executes only jobs signed by keys it trusts.\n` +
        "Give them with --trusted-keys HEX,HEX or --trusted-keys @FILE (or HORUS_TRUSTED_KEYS);\n" +
        "`horus keygen` makes a key pair.\n",
    );
    process.exit(EXIT.usage);
  }

  let redisUrl: string;
  try {
    redisUrl = redisUrlFromFlags(raw as unknown as RedisLocationFlags);
  } catch (e) {
    process.stderr.write(`${spec.name}: ${(e as Error).message}\n`);
    process.exit(EXIT.usage);
  }

  const extra = Object.fromEntries(Object.entries(raw).filter(([k]) => !COMMON_KEYS.has(k)));
  const options: RunnerCliOptions = {
    runnerId,
    redisUrl,
    namespace: raw.namespace as string,
    concurrency: raw.concurrency as number,
    trustedKeys,
    logLevel: raw.logLevel as LogLevel,
    maxJobAgeS: raw.maxJobAge as number,
    gracePeriodS: raw.gracePeriod as number,
    resultTtlS: raw.resultTtl as number,
    maxAttempts: raw.maxAttempts as number,
    heartbeatS: raw.heartbeat as number,
    extra,
  };
  const logger = createLogger(options.logLevel, { runner_id: runnerId });

  let runner: Runner;
  try {
    const executor = await spec.createExecutor(options, logger);
    runner = new Runner(
      {
        runnerId,
        redisUrl: options.redisUrl,
        namespace: options.namespace,
        concurrency: options.concurrency,
        gracePeriodS: options.gracePeriodS,
        retentionS: options.resultTtlS,
        maxAttempts: options.maxAttempts,
        heartbeatS: options.heartbeatS,
        version: packageVersion(),
        maxLogBytes: raw.maxLogBytes as number,
        maxResultBytes: raw.maxResultBytes as number,
        policy: { trustedKeys, maxJobAgeS: options.maxJobAgeS, clockSkewS: DEFAULT_CLOCK_SKEW_S },
      },
      executor,
      logger,
    );
  } catch (e) {
    logger.fatal({ err: (e as Error).message }, "cannot start");
    process.exit(EXIT.failed);
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      logger.info({ signal }, "stopping gracefully (send again to stop at once)");
      runner.stop("graceful").then(
        () => process.exit(EXIT.ok),
        () => process.exit(EXIT.failed),
      );
    } else {
      logger.warn({ signal }, "stopping at once: running jobs are handed back");
      runner.stop("forceful").finally(() => process.exit(EXIT.forced));
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  try {
    await runner.start();
  } catch (e) {
    logger.fatal({ err: (e as Error).message }, "cannot start");
    process.exit(EXIT.failed);
  }
}

// The command-line front every runner shares:
//   <bin> <runner_id> [--redis-url URL] [--redis-sentinels L --redis-master M | --redis-cluster L]
//         [--concurrency N] [--trusted-keys HEX,HEX|@FILE]
//         [--namespace NS] [--log-level L] [--max-job-age S] [--grace-period S] [--result-ttl S]
//         [--keep-finished N] [--state-dir DIR] [--signing-key HEX|@FILE]
// Exit codes: 0 stopped cleanly, 1 failed, 2 bad usage or configuration, 130 stopped at once
// by a second signal.
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { publicKeyOf } from "../job/index.js";
import { DEFAULT_KEEP_FINISHED, DEFAULT_RETENTION_S } from "../protocol/index.js";
import { startTracing, stopTracing } from "../tracing/index.js";
import {
  checkRedisUrl,
  maxLogBytesOption,
  maxResultBytesOption,
  namespaceOption,
  type RedisLocationFlags,
  redisClusterOption,
  redisUrlFromFlags,
  redisUrlOption,
  wholeNumber,
} from "./cli-options.js";
import { parseDurationMs } from "./durations.js";
import type { Executor } from "./executor.js";
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from "./logger.js";
import { DEFAULT_CLOCK_SKEW_S, DEFAULT_MAX_JOB_AGE_S, parseTrustedKeys } from "./policy.js";
import { DEFAULT_DEAD_RETENTION_S, DEFAULT_KEEP_DEAD, Runner } from "./runner.js";
import { defaultStateDir, ensureStateDir, loadRunnerKey } from "./state-dir.js";
import { packageVersion } from "./version.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, forced: 130 } as const;

/** How long a stop may wait on Redis to hand jobs back and unregister, past the grace period. */
const HANDBACK_LIMIT_MS = 5000;
/** How long a first signal's stop may wait on a Redis that is unreachable when it comes. */
const UNREACHABLE_LIMIT_MS = 1_000;
/** How long a stop before the runner started may take to close its connections. */
const EARLY_STOP_LIMIT_MS = 1000;

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
  keepFinished: number;
  maxAttempts: number;
  heartbeatS: number;
  /** The state directory (run ledger, result-signing key). */
  stateDir: string;
  /** The private key (hex) results are signed with. */
  signingKey: string;
  /** The runner's own extra options (as commander parsed them). */
  extra: Record<string, unknown>;
}

export interface RunnerCommandSpec {
  /** Command name, e.g. `runner_sal`. */
  name: string;
  description: string;
  /**
   * The runner's own options that hold a Redis URL (option key -> flag, for messages):
   * checked with --redis-url, before anything starts.
   */
  redisUrlOptions?: Record<string, string>;
  /** Adds the runner's own options to the command. */
  extraOptions?: (cmd: Command) => void;
  createExecutor(options: RunnerCliOptions, logger: Logger): Executor | Promise<Executor>;
}

const positiveInt = (what: string) => wholeNumber(what, 1);

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
    .flatMap((line) => line.split(/[,\s]+/))
    .filter((key) => key !== "");
  // A private key given by mistake is not to be echoed, not even its first characters: it
  // ends up in terminals, logs and journals.
  const secret = keys.findIndex((key) => /^(0x)?[0-9a-fA-F]{64}$/.test(key));
  if (secret >= 0)
    throw new Error(
      `trusted key ${secret + 1} is 64 hex characters, the size of a private key: give public keys (public_key of \`horus keygen\`), and keep that private key secret`,
    );
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
    .addOption(
      new Option(
        "--result-keys <keys>",
        "runner public keys (hex) a flow node's parents' results must be signed by: HEX,HEX or @FILE (this runner's own key added)",
      ).env("HORUS_RESULT_KEYS"),
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
        .default(DEFAULT_RETENTION_S),
    )
    .addOption(
      new Option(
        "--keep-finished <n>",
        "finished jobs kept at most per runner id, oldest deleted first (0: no count cap)",
      )
        .argParser(wholeNumber("keep-finished"))
        .default(DEFAULT_KEEP_FINISHED),
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
    .addOption(
      new Option(
        "--state-dir <dir>",
        "where the runner keeps what Redis cannot be trusted with: the ids it ran, its signing key",
      )
        .env("HORUS_STATE_DIR")
        .default(defaultStateDir()),
    )
    .addOption(
      new Option(
        "--signing-key <key>",
        "private key (hex, or @FILE) results are signed with; default: one made in the state directory",
      ).env("HORUS_RUNNER_KEY"),
    )
    .addOption(
      new Option(
        "--global-concurrency <n>",
        "most jobs running at once across every instance of this runner id (0: no limit)",
      )
        .argParser(wholeNumber("global-concurrency"))
        .default(0),
    )
    .addOption(
      new Option(
        "--rate <n/duration>",
        "most jobs started per window across every instance of this runner id (100/1s, 10/m)",
      ).argParser(rateLimit),
    )
    .addOption(
      new Option(
        "--keep-dead <n>",
        "dead letters (jobs that used their attempts and failed) kept at most per runner id",
      )
        .argParser(wholeNumber("keep-dead"))
        .default(DEFAULT_KEEP_DEAD),
    )
    .addOption(
      new Option("--dead-ttl <seconds>", "how long a dead letter is kept (at least --result-ttl)")
        .argParser(positiveSeconds)
        .default(DEFAULT_DEAD_RETENTION_S),
    )
    .addOption(
      new Option(
        "--metrics-port <port>",
        "serve /metrics, /healthz and /readyz on this port (off unless given; 0 picks one)",
      ).argParser(wholeNumber("metrics-port")),
    )
    .addOption(
      new Option("--metrics-bind <address>", "address the metrics port listens on").default(
        "127.0.0.1",
      ),
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
  "resultKeys",
  "namespace",
  "logLevel",
  "maxJobAge",
  "gracePeriod",
  "resultTtl",
  "keepFinished",
  "maxAttempts",
  "heartbeat",
  "redisSentinels",
  "redisMaster",
  "redisCluster",
  "stateDir",
  "signingKey",
  "maxLogBytes",
  "maxResultBytes",
  "globalConcurrency",
  "rate",
  "keepDead",
  "deadTtl",
  "metricsPort",
  "metricsBind",
]);

/** `--rate N/DURATION`: N jobs started per window (`100/1s`, `10/m`). */
function rateLimit(value: string): { count: number; windowMs: number } {
  const [count, window, ...rest] = value.split("/");
  const n = Number(count);
  let windowMs = Number.NaN;
  try {
    // "10/m" reads as ten a minute.
    const w =
      window !== undefined && /^[a-z]+$/i.test(window.trim()) ? `1${window.trim()}` : window;
    if (w !== undefined && rest.length === 0) windowMs = parseDurationMs(w, "--rate");
  } catch {
    windowMs = Number.NaN;
  }
  if (!Number.isSafeInteger(n) || n < 1 || !(windowMs >= 1))
    throw new InvalidArgumentError(
      "expected N/DURATION: a whole number of jobs >= 1 per window (100/1s, 10/m)",
    );
  return { count: n, windowMs };
}

/** `HEX` or `@FILE` holding it; the error never repeats any of the key. */
function readSigningKey(spec: string | undefined): string | undefined {
  if (spec === undefined || !spec.startsWith("@")) return spec;
  try {
    return readFileSync(spec.slice(1), "utf8").trim();
  } catch (e) {
    throw new Error(
      `cannot read the signing key from ${spec.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

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
  let resultKeys: Set<string>;
  try {
    trustedKeys = readTrustedKeys(raw.trustedKeys as string | undefined);
    resultKeys = readTrustedKeys(raw.resultKeys as string | undefined);
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
    for (const [key, flag] of Object.entries(spec.redisUrlOptions ?? {}))
      if (typeof raw[key] === "string") checkRedisUrl(raw[key], flag);
  } catch (e) {
    process.stderr.write(`${spec.name}: ${(e as Error).message}\n`);
    process.exit(EXIT.usage);
  }

  const stateDir = raw.stateDir as string;
  let signingKey: string;
  try {
    ensureStateDir(stateDir);
    signingKey = loadRunnerKey(stateDir, readSigningKey(raw.signingKey as string | undefined));
  } catch (e) {
    const message = (e as Error).message.replace(/[0-9a-f]{64}/gi, "<key>");
    process.stderr.write(`${spec.name}: --state-dir/--signing-key: ${message}\n`);
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
    keepFinished: raw.keepFinished as number,
    maxAttempts: raw.maxAttempts as number,
    heartbeatS: raw.heartbeat as number,
    stateDir,
    signingKey,
    extra,
  };
  const logger = createLogger(options.logLevel, { runner_id: runnerId });

  let runner: Runner;
  let runnerExecutor: Executor;
  try {
    const executor = await spec.createExecutor(options, logger);
    runnerExecutor = executor;
    runner = new Runner(
      {
        runnerId,
        redisUrl: options.redisUrl,
        namespace: options.namespace,
        concurrency: options.concurrency,
        gracePeriodS: options.gracePeriodS,
        retentionS: options.resultTtlS,
        keepFinished: options.keepFinished,
        maxAttempts: options.maxAttempts,
        heartbeatS: options.heartbeatS,
        version: packageVersion(),
        stateDir: options.stateDir,
        signingKey: options.signingKey,
        maxLogBytes: raw.maxLogBytes as number,
        maxResultBytes: raw.maxResultBytes as number,
        globalConcurrency: raw.globalConcurrency as number,
        ...(raw.rate === undefined
          ? {}
          : { rate: raw.rate as { count: number; windowMs: number } }),
        keepDead: raw.keepDead as number,
        deadRetentionS: raw.deadTtl as number,
        policy: {
          trustedKeys,
          maxJobAgeS: options.maxJobAgeS,
          clockSkewS: DEFAULT_CLOCK_SKEW_S,
          // A runner's own results are as good as any it trusts.
          ...(resultKeys.size > 0
            ? { resultKeys: new Set([...resultKeys, publicKeyOf(signingKey)]) }
            : {}),
        },
      },
      executor,
      logger,
    );
  } catch (e) {
    logger.fatal({ err: (e as Error).message }, "cannot start");
    process.exit(EXIT.failed);
  }

  // Nothing may keep a signalled runner alive for long, whatever Redis is doing: a runner
  // that never reached Redis has taken nothing and leaves at once; a stop that waits on an
  // unreachable Redis to hand jobs back gives up after HANDBACK_LIMIT_MS past the grace
  // period (jobs left in its lists are recovered by another instance's sweep, as after a
  // crash); a second signal leaves within HANDBACK_LIMIT_MS with 130 whatever the stop does.
  let started = false;
  let signals = 0;
  let leaving = false;
  const leave = (code: number) => {
    if (leaving) return;
    leaving = true;
    process.exit(code);
  };
  // The code is read when the time is up: a second signal meanwhile makes it 130.
  const giveUpAfter = (ms: number, code: number | (() => number), why: string) => {
    setTimeout(() => {
      logger.error({ after_ms: ms }, why);
      leave(typeof code === "function" ? code() : code);
    }, ms);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1 && !started) {
      // Still connecting (or starting the executor): no job was taken, nothing to hand back.
      logger.info({ signal }, "stopping before the runner started: no job was taken");
      void runner.stop("graceful").finally(() => leave(EXIT.ok));
      giveUpAfter(EARLY_STOP_LIMIT_MS, EXIT.ok, "left without closing Redis connections");
    } else if (signals === 1) {
      logger.info({ signal }, "stopping gracefully (send again to stop at once)");
      // Exits with the code of the stop that ended it: a second signal meanwhile is 130.
      runner.stop("graceful").then(
        () => leave(signals > 1 ? EXIT.forced : EXIT.ok),
        () => leave(signals > 1 ? EXIT.forced : EXIT.failed),
      );
      // With Redis away nothing can be handed back or recorded anyway: leave promptly, and
      // another instance's sweep recovers what was ours, as after a crash.
      giveUpAfter(
        runner.redisReachable
          ? options.gracePeriodS * 1000 + HANDBACK_LIMIT_MS
          : UNREACHABLE_LIMIT_MS,
        () => (signals > 1 ? EXIT.forced : EXIT.failed),
        "stop did not finish (Redis unreachable?); leaving: jobs still in our lists are recovered by another instance's sweep",
      );
    } else {
      logger.warn({ signal }, "stopping at once: running jobs are handed back");
      runner.stop("forceful").finally(() => leave(EXIT.forced));
      giveUpAfter(
        started ? HANDBACK_LIMIT_MS : 0,
        EXIT.forced,
        "forced stop did not finish (Redis unreachable?); leaving: jobs still in our lists are recovered by another instance's sweep",
      );
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  // Traces go out only when the OTEL_* variables ask for them (src/tracing).
  await startTracing(spec.name);
  runner.once("stopped", () => void stopTracing());

  const metricsPort = raw.metricsPort as number | undefined;
  if (metricsPort !== undefined) {
    try {
      const { runnerMetrics } = await import("./metrics.js");
      const { startProbeServer } = await import("./probe-server.js");
      const registry = runnerMetrics({
        runner,
        executor: runnerExecutor,
        ...runner.redisView,
        runnerId,
      });
      const probe = await startProbeServer(
        registry,
        () => runner.readiness(),
        metricsPort,
        raw.metricsBind as string,
      );
      logger.info(
        { port: probe.port },
        "metrics and probes listening (/metrics, /healthz, /readyz)",
      );
      runner.once("stopped", () => void probe.close());
    } catch (e) {
      logger.fatal({ err: (e as Error).message }, "--metrics-port: cannot listen");
      process.exit(EXIT.usage);
    }
  }

  try {
    await runner.start();
    started = true;
  } catch (e) {
    // A stop under way (a signal while starting) ends the process itself.
    if (signals > 0) return;
    logger.fatal({ err: (e as Error).message }, "cannot start");
    process.exit(EXIT.failed);
  }
}

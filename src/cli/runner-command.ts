// The command-line front every runner shares:
//   <bin> <runner_id> [--redis-url URL] [--redis-sentinels L --redis-master M | --redis-cluster L]
//         [--concurrency N] [--trusted-keys HEX,HEX|@FILE]
//         [--namespace NS] [--log-level L] [--max-job-age S] [--max-flow-age S]
//         [--grace-period S] [--result-ttl S]
//         [--keep-finished N] [--state-dir DIR] [--signing-key HEX|@FILE]
// Exit codes: 0 stopped cleanly, 1 failed, 2 bad usage or configuration, 130 stopped at once
// by a second signal.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { z } from "zod";
import {
  DEFAULT_CLOCK_SKEW_S,
  DEFAULT_MAX_FLOW_AGE_S,
  DEFAULT_MAX_JOB_AGE_S,
  publicKeyOf,
} from "../job/index.js";
import {
  DEFAULT_KEEP_FINISHED,
  DEFAULT_MAX_LOG_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_RETENTION_S,
} from "../protocol/index.js";
import {
  createLogger,
  DEFAULT_DEAD_RETENTION_S,
  DEFAULT_KEEP_DEAD,
  defaultStateDir,
  type Executor,
  ensureStateDir,
  LOG_LEVELS,
  type Logger,
  type LogLevel,
  loadRunnerKey,
  Runner,
} from "../runtime/index.js";
import { startTracing, stopTracing } from "../tracing/index.js";
import { parseDurationMs } from "./durations.js";
import { byteCount, optionsOf, port, redisUrl, seconds, UsageError, wholeNumber } from "./flags.js";
import {
  namespaceOption,
  redisClusterOption,
  redisUrlFromFlags,
  redisUrlOption,
} from "./options.js";
import { readTrustedKeys } from "./trusted-keys.js";
import { packageVersion } from "./version.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, forced: 130 } as const;

/** How long a stop may wait on Redis to hand jobs back and unregister, past the grace period. */
const HANDBACK_LIMIT_MS = 5000;
/** How long a first signal's stop may wait on a Redis that is unreachable when it comes. */
const UNREACHABLE_LIMIT_MS = 1_000;
/** How long a stop before the runner started may take to close its connections. */
const EARLY_STOP_LIMIT_MS = 1000;

/** Options every runner command has, parsed; `Extra` holds the runner's own. */
export interface RunnerCliOptions<Extra = Record<string, unknown>> {
  runnerId: string;
  redisUrl: string;
  namespace: string;
  concurrency: number;
  trustedKeys: Set<string>;
  /** Runner keys a flow node's parents' results must be signed by (empty: any valid one). */
  resultKeys: Set<string>;
  logLevel: LogLevel;
  maxJobAgeS: number;
  /** The longest signed window (created_at to expires_at) a flow may have. */
  maxFlowAgeS: number;
  gracePeriodS: number;
  resultTtlS: number;
  keepFinished: number;
  maxAttempts: number;
  heartbeatS: number;
  /** Bytes of log each job keeps in Redis. */
  maxLogBytes: number;
  /** The largest output a job may return. */
  maxResultBytes: number;
  /** Jobs running at once across every instance of the runner id (0: no limit). */
  globalConcurrency: number;
  /** Jobs started per window across every instance, when limited. */
  rate?: { count: number; windowMs: number };
  /** Dead letters kept at most per runner id. */
  keepDead: number;
  /** How long a dead letter is kept. */
  deadRetentionS: number;
  /** The port of /metrics, /healthz and /readyz, when they are served. */
  metricsPort?: number;
  metricsBind: string;
  /** The state directory (run ledger, result-signing key). */
  stateDir: string;
  /** The private key (hex) results are signed with. */
  signingKey: string;
  /** The runner's own options, as its `extraSchema` read them. */
  extra: Extra;
}

export interface RunnerCommandSpec<Extra = Record<string, unknown>> {
  /** Command name, e.g. `runner_sal`. */
  name: string;
  description: string;
  /** Adds the runner's own options to the command. */
  extraOptions?: (cmd: Command) => void;
  /**
   * Reads the runner's own options, keyed as commander names them (`--data-url` is
   * `dataUrl`). Without it `extra` holds them as commander gave them, unchecked.
   */
  extraSchema?: z.ZodType<Extra>;
  createExecutor(options: RunnerCliOptions<Extra>, logger: Logger): Executor | Promise<Executor>;
}

/** Redis refuses a value over 512 MiB; no per-job cap can be larger. */
const MAX_BYTES_CAP = 512 * 1024 * 1024;

/** `--rate N/DURATION`: N jobs started per window (`100/1s`, `10/m`). */
function rate() {
  return z.string().transform((value, ctx) => {
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
    if (Number.isSafeInteger(n) && n >= 1 && windowMs >= 1) return { count: n, windowMs };
    ctx.addIssue({
      code: "custom",
      message: `expected N/DURATION: a whole number of jobs >= 1 per window (100/1s, 10/m), got '${value}'`,
    });
    return z.NEVER;
  });
}

/**
 * The options every runner has, read from commander's result. Each number is checked here,
 * not by a commander parser, so that the message names the flag and the value; what takes
 * more than one flag (where Redis is) or reads files (keys, the state directory) comes after.
 */
export const runnerOptionsSchema = z.object({
  redisUrl: redisUrl(),
  redisSentinels: z.string().optional(),
  redisMaster: z.string().optional(),
  redisCluster: z.string().optional(),
  concurrency: wholeNumber(1),
  trustedKeys: z.string().optional(),
  resultKeys: z.string().optional(),
  namespace: z.string(),
  logLevel: z.enum(LOG_LEVELS),
  maxJobAge: seconds(),
  maxFlowAge: seconds(),
  gracePeriod: seconds(),
  resultTtl: seconds(),
  keepFinished: wholeNumber(0),
  maxAttempts: wholeNumber(1),
  heartbeat: seconds(),
  stateDir: z.string(),
  signingKey: z.string().optional(),
  maxLogBytes: byteCount(1024, MAX_BYTES_CAP),
  maxResultBytes: byteCount(1, MAX_BYTES_CAP),
  globalConcurrency: wholeNumber(0),
  rate: rate().optional(),
  keepDead: wholeNumber(0),
  deadTtl: seconds(),
  metricsPort: port().optional(),
  metricsBind: z.string(),
});

export function buildRunnerCommand<Extra>(spec: RunnerCommandSpec<Extra>): Command {
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
    .addOption(new Option("--concurrency <n>", "jobs run at once").default(1))
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
      new Option("--max-job-age <seconds>", "refuse jobs created longer ago than this").default(
        DEFAULT_MAX_JOB_AGE_S,
      ),
    )
    .addOption(
      new Option(
        "--max-flow-age <seconds>",
        "refuse flows whose signed expires_at lies further than this after their created_at",
      ).default(DEFAULT_MAX_FLOW_AGE_S),
    )
    .addOption(
      new Option(
        "--grace-period <seconds>",
        "on stop, how long running jobs may take before being handed back",
      ).default(30),
    )
    .addOption(
      new Option("--result-ttl <seconds>", "how long finished jobs are kept").default(
        DEFAULT_RETENTION_S,
      ),
    )
    .addOption(
      new Option(
        "--keep-finished <n>",
        "finished jobs kept at most per runner id, oldest deleted first (0: no count cap)",
      ).default(DEFAULT_KEEP_FINISHED),
    )
    .addOption(
      new Option(
        "--max-attempts <n>",
        "times a job may be started in all; a job whose runner crashed is retried only below this",
      ).default(1),
    )
    .addOption(
      new Option(
        "--heartbeat <seconds>",
        "heartbeat interval; an instance silent for 3 intervals is taken as gone",
      ).default(5),
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
      ).default(0),
    )
    .addOption(
      new Option(
        "--rate <n/duration>",
        "most jobs started per window across every instance of this runner id (100/1s, 10/m)",
      ),
    )
    .addOption(
      new Option(
        "--keep-dead <n>",
        "dead letters (jobs that used their attempts and failed) kept at most per runner id",
      ).default(DEFAULT_KEEP_DEAD),
    )
    .addOption(
      new Option(
        "--dead-ttl <seconds>",
        "how long a dead letter is kept (at least --result-ttl)",
      ).default(DEFAULT_DEAD_RETENTION_S),
    )
    .addOption(
      new Option(
        "--metrics-port <port>",
        "serve /metrics, /healthz and /readyz on this port (off unless given; 0 picks one)",
      ),
    )
    .addOption(
      new Option("--metrics-bind <address>", "address the metrics port listens on").default(
        "127.0.0.1",
      ),
    )
    .addOption(
      new Option(
        "--max-log-bytes <bytes>",
        "bytes of log each job keeps, its newest lines (older lines are dropped)",
      ).default(DEFAULT_MAX_LOG_BYTES),
    )
    .addOption(
      new Option(
        "--max-result-bytes <bytes>",
        "largest output a job may return; a larger one ends the job as an error (resources)",
      ).default(DEFAULT_MAX_RESULT_BYTES),
    );
  spec.extraOptions?.(cmd);
  return cmd;
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

/** The runner's options: commander's result read through the schemas; throws a UsageError. */
export function readRunnerOptions<Extra>(
  spec: RunnerCommandSpec<Extra>,
  cmd: Command,
): RunnerCliOptions<Extra> {
  // Both schemas read the same options (each ignores the other's), and every bad value of
  // either is reported at once.
  const problems: string[] = [];
  const flags = optionsOf(cmd, runnerOptionsSchema, problems);
  const extra = spec.extraSchema
    ? optionsOf(cmd, spec.extraSchema, problems)
    : (Object.fromEntries(
        Object.entries(cmd.opts()).filter(([key]) => !(key in runnerOptionsSchema.shape)),
      ) as Extra);
  if (flags === undefined || extra === undefined || problems.length > 0)
    throw new UsageError(problems.join("\n"));

  let trustedKeys: Set<string>;
  let resultKeys: Set<string>;
  try {
    trustedKeys = readTrustedKeys(flags.trustedKeys);
    resultKeys = readTrustedKeys(flags.resultKeys);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (trustedKeys.size === 0)
    throw new UsageError(
      "no trusted keys: a runner executes only jobs signed by keys it trusts.\n" +
        "Give them with --trusted-keys HEX,HEX or --trusted-keys @FILE (or HORUS_TRUSTED_KEYS);\n" +
        "`horus keygen` makes a key pair.",
    );

  let location: string;
  try {
    location = redisUrlFromFlags(flags);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  let signingKey: string;
  try {
    ensureStateDir(flags.stateDir);
    signingKey = loadRunnerKey(flags.stateDir, readSigningKey(flags.signingKey));
  } catch (e) {
    const message = (e as Error).message.replace(/[0-9a-f]{64}/gi, "<key>");
    throw new UsageError(`--state-dir/--signing-key: ${message}`);
  }

  return {
    runnerId: cmd.args[0] as string,
    redisUrl: location,
    namespace: flags.namespace,
    concurrency: flags.concurrency,
    trustedKeys,
    resultKeys,
    logLevel: flags.logLevel,
    maxJobAgeS: flags.maxJobAge,
    maxFlowAgeS: flags.maxFlowAge,
    gracePeriodS: flags.gracePeriod,
    resultTtlS: flags.resultTtl,
    keepFinished: flags.keepFinished,
    maxAttempts: flags.maxAttempts,
    heartbeatS: flags.heartbeat,
    maxLogBytes: flags.maxLogBytes,
    maxResultBytes: flags.maxResultBytes,
    globalConcurrency: flags.globalConcurrency,
    ...(flags.rate === undefined ? {} : { rate: flags.rate }),
    keepDead: flags.keepDead,
    deadRetentionS: flags.deadTtl,
    ...(flags.metricsPort === undefined ? {} : { metricsPort: flags.metricsPort }),
    metricsBind: flags.metricsBind,
    stateDir: flags.stateDir,
    signingKey,
    extra,
  };
}

/** Parses the command line, starts the runner and stops it on SIGTERM/SIGINT. */
export async function runRunnerCommand<Extra>(
  spec: RunnerCommandSpec<Extra>,
  argv: string[] = process.argv,
): Promise<void> {
  const cmd = buildRunnerCommand(spec);
  cmd.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  });
  cmd.parse(argv);
  let options: RunnerCliOptions<Extra>;
  try {
    options = readRunnerOptions(spec, cmd);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    for (const line of e.message.split("\n")) process.stderr.write(`${spec.name}: ${line}\n`);
    process.exit(EXIT.usage);
  }
  const { runnerId, trustedKeys } = options;
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
        maxLogBytes: options.maxLogBytes,
        maxResultBytes: options.maxResultBytes,
        globalConcurrency: options.globalConcurrency,
        ...(options.rate === undefined ? {} : { rate: options.rate }),
        keepDead: options.keepDead,
        deadRetentionS: options.deadRetentionS,
        policy: {
          trustedKeys,
          maxJobAgeS: options.maxJobAgeS,
          maxFlowAgeS: options.maxFlowAgeS,
          clockSkewS: DEFAULT_CLOCK_SKEW_S,
          // A runner's own results are as good as any it trusts.
          ...(options.resultKeys.size > 0
            ? { resultKeys: new Set([...options.resultKeys, publicKeyOf(options.signingKey)]) }
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

  const { metricsPort } = options;
  if (metricsPort !== undefined) {
    try {
      const { runnerMetrics } = await import("../runtime/metrics.js");
      const { startProbeServer } = await import("../runtime/probe-server.js");
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
        options.metricsBind,
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

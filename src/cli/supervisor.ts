#!/usr/bin/env node
// `supervisor`: the JSON-RPC service and web console in front of the runners. Exit codes:
// 0 stopped on a signal, 1 could not start (Redis, port, key file), 2 bad usage.
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { z } from "zod";
import { createLogger, LOG_LEVELS } from "../runtime/index.js";
import { loadOrCreateAdminKey, Supervisor } from "../supervisor/index.js";
import { port, readOptions, redisUrl, UsageError } from "./flags.js";
import {
  namespaceOption,
  redisClusterOption,
  redisUrlFromFlags,
  redisUrlOption,
} from "./options.js";
import { packageVersion } from "./version.js";

const flagsSchema = z.object({
  redisUrl: redisUrl(),
  redisCluster: z.string().optional(),
  port: port(),
  bind: z.string(),
  namespace: z.string(),
  adminKeyFile: z.string(),
  logLevel: z.enum(LOG_LEVELS),
});

const program = new Command("supervisor")
  .description("JSON-RPC service (HTTP and WebSocket) and web console in front of Horus runners")
  .version(packageVersion(), "-V, --version")
  .addOption(redisUrlOption())
  .addOption(redisClusterOption())
  .addOption(new Option("--port <n>", "port to listen on (0: any free one)").default(3030))
  .option("--bind <address>", "address to listen on", "127.0.0.1")
  .addOption(namespaceOption())
  .option(
    "--admin-key-file <file>",
    "file holding the admin API key; created with a new key (mode 600) when missing",
    "supervisor-admin.key",
  )
  .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
  .showHelpAfterError()
  // Commander exits 1 on a usage error; ours means "could not start", so usage is 2.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .action(async () => {
    let flags: z.output<typeof flagsSchema>;
    let location: string;
    try {
      flags = readOptions(program, flagsSchema);
      location = redisUrlFromFlags(flags);
    } catch (e) {
      const lines = e instanceof UsageError ? e.message.split("\n") : [(e as Error).message];
      for (const line of lines) process.stderr.write(`supervisor: ${line}\n`);
      process.exit(2);
    }
    const log = createLogger(flags.logLevel, { name: "supervisor" });
    const keyFile = resolve(flags.adminKeyFile);
    let adminKey: string;
    let keyCreated: boolean;
    try {
      const loaded = loadOrCreateAdminKey(keyFile);
      adminKey = loaded.key;
      keyCreated = loaded.created;
    } catch (e) {
      log.fatal({ file: keyFile, err: (e as Error).message }, "cannot read the admin key file");
      process.exit(1);
    }
    let supervisor: Supervisor;
    try {
      supervisor = await Supervisor.start({
        redisUrl: location,
        namespace: flags.namespace,
        port: flags.port,
        bind: flags.bind,
        adminKey,
        version: packageVersion(),
        onInternalError: (method, err) =>
          log.error(
            { method, err: err instanceof Error ? err.stack : String(err) },
            "internal error",
          ),
      });
    } catch (e) {
      // A key file made for a supervisor that never ran would look like a working
      // deployment's key next time; a failed start leaves the folder as it found it.
      if (keyCreated) rmSync(keyFile, { force: true });
      log.fatal({ err: (e as Error).message }, "cannot start");
      process.exit(1);
    }
    if (keyCreated) log.info({ file: keyFile }, "generated a new admin key");
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "stopping");
      await supervisor.close();
      log.info("stopped");
      process.exit(0);
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));
    // Only now say so: whoever waits for this line may signal at once, and the handlers
    // above must be there to catch it.
    const url = supervisor.baseUrl;
    log.info(
      {
        url,
        websocket: `${url.replace(/^http/, "ws")}/ws`,
        console: `${url}/console/`,
        namespace: flags.namespace,
      },
      "supervisor listening",
    );
  });

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`supervisor: ${e.message}\n`);
  process.exit(2);
});

#!/usr/bin/env node
// `runner_sal <runner_id>`: Rhai jobs with the System Abstraction Layer (files, processes,
// network, Redis, PostgreSQL).
import { Option } from "commander";
import { z } from "zod";
import { isSingleServerUrl } from "../protocol/index.js";
import { createRhaiExecutor } from "../runners/rhai/index.js";
import { salModuleSpecs } from "../sal/index.js";
import { redisUrl } from "./flags.js";
import { addRhaiOptions, rhaiLimitsFrom, rhaiOptionsShape } from "./rhai-options.js";
import { runRunnerCommand } from "./runner-command.js";

await runRunnerCommand({
  name: "runner_sal",
  description: "Runs Rhai jobs with the System Abstraction Layer from a Redis queue",
  extraOptions: (cmd) => {
    addRhaiOptions(cmd);
    cmd
      .addOption(
        new Option(
          "--data-redis-url <url>",
          "Redis for scripts' redis_* calls when a job sets no REDIS_URL (default: --redis-url, on its own connection)",
        ),
      )
      .addOption(
        new Option("--database-url <url>", "PostgreSQL for pg_* calls when a job names none").env(
          "DATABASE_URL",
        ),
      )
      .addOption(
        new Option("--work-dir <dir>", "working directory jobs start in (default: the runner's)"),
      )
      .addOption(
        new Option(
          "--vm-dir <dir>",
          "where vm() keeps virtual machines (default: $HORUS_VM_DIR, else ~/.local/state/horus/vms)",
        ),
      )
      .addOption(new Option("--kubeconfig <path>", "kubeconfig for k8s() when a job names none"))
      .addOption(
        new Option(
          "--hetzner-url <url>",
          "Hetzner Cloud API base URL (default: https://api.hetzner.cloud/v1)",
        ),
      );
  },
  extraSchema: z.object({
    ...rhaiOptionsShape,
    dataRedisUrl: redisUrl().optional(),
    databaseUrl: z.string().optional(),
    workDir: z.string().optional(),
    vmDir: z.string().optional(),
    kubeconfig: z.string().optional(),
    hetznerUrl: z.string().optional(),
  }),
  createExecutor(options, logger) {
    const extra = options.extra;
    if (!isSingleServerUrl(options.redisUrl) && extra.dataRedisUrl === undefined) {
      // Scripts' data connections take one server's URL: name the data Redis explicitly.
      throw new Error("with --redis-sentinels or --redis-cluster, give --data-redis-url too");
    }
    return createRhaiExecutor({
      logger,
      kind: "sal",
      workers: options.concurrency,
      modules: salModuleSpecs({
        redisUrl: extra.dataRedisUrl ?? options.redisUrl,
        databaseUrl: extra.databaseUrl,
        workDir: extra.workDir,
        vmDir: extra.vmDir,
        kubeconfig: extra.kubeconfig,
        hetznerUrl: extra.hetznerUrl,
      }),
      ...rhaiLimitsFrom(extra),
    });
  },
});

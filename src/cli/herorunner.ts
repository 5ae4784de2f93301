#!/usr/bin/env node
// `herorunner <runner_id>`: a runner that executes heroscript jobs, with the built-in
// playbook engine (whose `redis.*`, `postgres.*` and `net.*` actions reach the SAL) or, given
// `--hero-bin PATH`, by handing each payload to that binary.
import { Option } from "commander";
import { z } from "zod";
import { isSingleServerUrl } from "../protocol/index.js";
import { createHeroExecutor } from "../runners/hero/index.js";
import { redisUrl } from "./flags.js";
import { runRunnerCommand } from "./runner-command.js";

await runRunnerCommand({
  name: "herorunner",
  description: "Runs heroscript jobs from a Redis queue",
  extraOptions: (cmd) => {
    cmd.addOption(
      new Option(
        "--hero-bin <path>",
        "hand each payload to this hero binary (`PATH run -s <payload>`) instead of the built-in engine",
      ).env("HORUS_HERO_BIN"),
    );
    cmd.addOption(
      new Option(
        "--base-dir <path>",
        "folder relative paths in scripts resolve against (default: current folder)",
      ),
    );
    // The same data options as runner_sal, for the same SAL functions.
    cmd.addOption(
      new Option(
        "--data-redis-url <url>",
        "Redis for scripts' redis.* actions when a job sets no REDIS_URL (default: --redis-url, on its own connection)",
      ),
    );
    cmd.addOption(
      new Option(
        "--database-url <url>",
        "PostgreSQL for postgres.* actions when a job names none",
      ).env("DATABASE_URL"),
    );
  },
  extraSchema: z.object({
    heroBin: z.string().optional(),
    baseDir: z.string().optional(),
    dataRedisUrl: redisUrl().optional(),
    databaseUrl: z.string().optional(),
  }),
  createExecutor(options, logger) {
    const { heroBin, baseDir, dataRedisUrl, databaseUrl } = options.extra;
    if (
      heroBin === undefined &&
      !isSingleServerUrl(options.redisUrl) &&
      dataRedisUrl === undefined
    ) {
      // Scripts' data connections take one server's URL: name the data Redis explicitly.
      throw new Error("with --redis-sentinels or --redis-cluster, give --data-redis-url too");
    }
    logger.info(
      { hero_bin: heroBin ?? null },
      heroBin ? "delegating jobs to a hero binary" : "using the built-in playbook engine",
    );
    return createHeroExecutor({
      ...(heroBin === undefined ? {} : { heroBin }),
      ...(baseDir === undefined ? {} : { baseDir }),
      sal: { redisUrl: dataRedisUrl ?? options.redisUrl, databaseUrl },
    });
  },
});

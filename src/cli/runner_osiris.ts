#!/usr/bin/env node
// `runner_osiris <runner_id>`: Rhai jobs with the Osiris object store.
import { Option } from "commander";
import { z } from "zod";
import { osirisModuleUrl } from "../osiris/index.js";
import { isSingleServerUrl } from "../protocol/index.js";
import { createRhaiExecutor } from "../runners/rhai/index.js";
import { redisUrl } from "./flags.js";
import { addRhaiOptions, rhaiLimitsFrom, rhaiOptionsShape } from "./rhai-options.js";
import { runRunnerCommand } from "./runner-command.js";

await runRunnerCommand({
  name: "runner_osiris",
  description: "Runs Rhai jobs with the Osiris object store from a Redis queue",
  extraOptions: (cmd) => {
    addRhaiOptions(cmd);
    cmd.addOption(
      new Option("--data-url <url>", "Redis holding the objects (default: --redis-url)").env(
        "HORUS_DATA_URL",
      ),
    );
  },
  extraSchema: z.object({ ...rhaiOptionsShape, dataUrl: redisUrl().optional() }),
  createExecutor(options, logger) {
    const extra = options.extra;
    if (!isSingleServerUrl(options.redisUrl) && extra.dataUrl === undefined) {
      // Scripts' data connections take one server's URL: name the data Redis explicitly.
      throw new Error("with --redis-sentinels or --redis-cluster, give --data-url too");
    }
    return createRhaiExecutor({
      logger,
      kind: "osiris",
      workers: options.concurrency,
      modules: [
        {
          url: osirisModuleUrl(),
          options: {
            dataUrl: extra.dataUrl ?? options.redisUrl,
            namespace: options.namespace,
          },
        },
      ],
      ...rhaiLimitsFrom(extra),
    });
  },
});

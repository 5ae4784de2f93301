#!/usr/bin/env node
// `herorunner <runner_id>`: a runner that executes heroscript jobs, with the built-in
// playbook engine or, given `--hero-bin PATH`, by handing each payload to that binary.
import { Option } from "commander";
import { createHeroExecutor } from "../runners/hero/index.js";
import { runRunnerCommand } from "../runtime/index.js";

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
  },
  createExecutor(options, logger) {
    const heroBin = options.extra.heroBin as string | undefined;
    const baseDir = options.extra.baseDir as string | undefined;
    logger.info(
      { hero_bin: heroBin ?? null },
      heroBin ? "delegating jobs to a hero binary" : "using the built-in playbook engine",
    );
    return createHeroExecutor({
      ...(heroBin === undefined ? {} : { heroBin }),
      ...(baseDir === undefined ? {} : { baseDir }),
    });
  },
});

// Command-line options every Rhai runner (and herodo) has on top of the shared ones.
import { type Command, Option } from "commander";
import type { EngineLimits } from "../rhai/index.js";
import { wholeNumber } from "./options.js";

export function addRhaiOptions(cmd: Command): void {
  cmd
    .addOption(
      new Option(
        "--max-operations <n>",
        "operations a script may run (0: no limit; the timeout still holds)",
      ).argParser(wholeNumber("max-operations")),
    )
    .addOption(
      new Option("--heap-mb <mb>", "heap limit of each script worker, MB").argParser(
        wholeNumber("heap-mb"),
      ),
    );
}

export function rhaiLimitsFrom(extra: Record<string, unknown>): {
  limits?: Partial<EngineLimits>;
  heapMb?: number;
} {
  const out: { limits?: Partial<EngineLimits>; heapMb?: number } = {};
  if (typeof extra.maxOperations === "number") out.limits = { maxOperations: extra.maxOperations };
  if (typeof extra.heapMb === "number") out.heapMb = extra.heapMb;
  return out;
}

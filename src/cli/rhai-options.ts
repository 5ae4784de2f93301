// Command-line options every Rhai runner (and herodo) has on top of the shared ones.
import { type Command, Option } from "commander";
import type { EngineLimits } from "../rhai/index.js";
import { wholeNumber } from "./flags.js";

export function addRhaiOptions(cmd: Command): void {
  cmd
    .addOption(
      new Option(
        "--max-operations <n>",
        "operations a script may run (0: no limit; the timeout still holds)",
      ),
    )
    .addOption(new Option("--heap-mb <mb>", "heap limit of each script worker, MB"));
}

/** What addRhaiOptions adds, as a command's zod schema reads it. */
export const rhaiOptionsShape = {
  maxOperations: wholeNumber(0).optional(),
  heapMb: wholeNumber(0).optional(),
};

export function rhaiLimitsFrom(options: { maxOperations?: number; heapMb?: number }): {
  limits?: Partial<EngineLimits>;
  heapMb?: number;
} {
  const out: { limits?: Partial<EngineLimits>; heapMb?: number } = {};
  if (options.maxOperations !== undefined) out.limits = { maxOperations: options.maxOperations };
  if (options.heapMb !== undefined) out.heapMb = options.heapMb;
  return out;
}

// Which machine the runner is on.

import type { HostFunction } from "../../sandbox/index.js";
import { workerFn } from "../define.js";

function platformCheck(name: string, doc: string, test: () => boolean): HostFunction {
  // Worker side: the worker thread runs in the runner's own process, so it is the same machine.
  return workerFn({
    name,
    params: [],
    returns: "bool",
    doc,
    example: `if ${name}() { print("yes"); }`,
    run: () => test(),
  });
}

export const platformFunctions: HostFunction[] = [
  platformCheck(
    "platform_is_linux",
    "Whether the runner runs on Linux.",
    () => process.platform === "linux",
  ),
  platformCheck(
    "platform_is_osx",
    "Whether the runner runs on macOS.",
    () => process.platform === "darwin",
  ),
  platformCheck("platform_is_arm", "Whether the CPU is ARM (arm64 or arm).", () =>
    ["arm64", "arm"].includes(process.arch),
  ),
  platformCheck("platform_is_x86", "Whether the CPU is x86 (x64 or ia32).", () =>
    ["x64", "ia32"].includes(process.arch),
  ),
];

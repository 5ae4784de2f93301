// Which machine the runner is on.

import { type HostFunction, hostError, workerFn } from "../../host/index.js";

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

/** Upstream's guards: nothing when the machine is the named one, an error saying what it is. */
function platformGuard(name: string, label: string, test: () => boolean): HostFunction {
  return workerFn({
    name,
    params: [],
    returns: "bool",
    doc: `Stops the script with an error unless the runner is ${label}; true when it is.`,
    example: `${name}(); // the rest of the script may assume ${label}`,
    run: () => {
      if (!test()) {
        throw hostError(
          name,
          `this script needs ${label}, the runner is ${process.platform} on ${process.arch}`,
        );
      }
      return true;
    },
  });
}

platformFunctions.push(
  platformGuard(
    "platform_check_linux_x86",
    "Linux on x86",
    () => process.platform === "linux" && ["x64", "ia32"].includes(process.arch),
  ),
  platformGuard(
    "platform_check_macos_arm",
    "macOS on ARM",
    () => process.platform === "darwin" && process.arch === "arm64",
  ),
);

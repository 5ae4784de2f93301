// Shorthands for declaring host functions, so each declaration reads as its documentation.

import type { ParamType } from "../rhai/index.js";
import type { HostFunction, MainFunction, WorkerFunction } from "../sandbox/index.js";

export function mainFn(spec: Omit<MainFunction, "side">): MainFunction {
  return { side: "main", ...spec };
}

export function workerFn(spec: Omit<WorkerFunction, "side">): WorkerFunction {
  return { side: "worker", ...spec };
}

/**
 * One function under several signatures (usually optional trailing parameters). Every
 * overload shares the implementation, which reads `args.length`; so however the bridge
 * resolves a qualified name to one of them, the call is served correctly.
 */
export function overloads<T extends HostFunction>(fn: T, ...more: (readonly ParamType[])[]): T[] {
  return [fn, ...more.map((params) => ({ ...fn, params }))];
}

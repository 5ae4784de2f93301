// Shorthands for declaring host functions, so each declaration reads as its documentation.

import type { ParamType, Value } from "../rhai/index.js";
import { argHandle, type HandleClass } from "./args.js";
import type { HostFunction, MainFunction, WorkerFunction } from "./contract.js";

export function mainFn(spec: Omit<MainFunction, "side">): MainFunction {
  return { side: "main", ...spec };
}

export function workerFn(spec: Omit<WorkerFunction, "side">): WorkerFunction {
  return { side: "worker", ...spec };
}

/** Declares one method of a handle; `operations` holds the names declared (the dispatcher's). */
export interface HandleMethodMaker {
  (name: string, params: string[], returns: string, doc: string, example: string): WorkerFunction;
  /** The methods' names: what the dispatcher's `operations` are. */
  readonly operations: ReadonlySet<string>;
}

/**
 * The methods of a worker-side handle (`k8s(ns)`, `hetzner(token)`): each checks nothing
 * itself and sends its name, the handle's settings and its other arguments to one main-side
 * dispatcher, which does the work and the argument checks.
 */
export function handleMethods<T extends object>(
  handleType: string,
  handleClass: HandleClass<T>,
  dispatcher: string,
  settingsOf: (handle: T) => Value,
): HandleMethodMaker {
  const operations = new Set<string>();
  const make = (
    name: string,
    params: string[],
    returns: string,
    doc: string,
    example: string,
  ): WorkerFunction => {
    operations.add(name);
    return workerFn({
      name,
      params: [handleType, ...params],
      returns,
      doc,
      example,
      run: (ctx, args) =>
        ctx.callMain(dispatcher, [
          name,
          settingsOf(argHandle(args, 0, handleClass)),
          args.slice(1),
        ]),
    });
  };
  return Object.assign(make, { operations });
}

/**
 * One function under several signatures (usually optional trailing parameters). Every
 * overload shares the implementation, which reads `args.length`; so however the bridge
 * resolves a qualified name to one of them, the call is served correctly.
 */
export function overloads<T extends HostFunction>(fn: T, ...more: (readonly ParamType[])[]): T[] {
  return [fn, ...more.map((params) => ({ ...fn, params }))];
}

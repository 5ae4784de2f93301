// Real contexts for calling SAL functions directly, as the sandbox will: a real AbortSignal
// for the job, a log that records lines, cleanups run when the job "ends", a shared Map.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  HostFunction,
  HostJobInfo,
  HostModule,
  MainSideContext,
  WorkerSideContext,
} from "../../src/host/index.js";
import { typeName, type Value } from "../../src/rhai/index.js";

let jobCounter = 0;

export function jobInfo(overrides: Partial<HostJobInfo> = {}): HostJobInfo {
  jobCounter++;
  return {
    jobId: `sal-test-${process.pid}-${jobCounter}-${Date.now()}`,
    callerId: "tester",
    contextId: "ctx-test",
    signatories: [],
    envVars: {},
    options: {},
    ...overrides,
  };
}

export interface TestMainContext extends MainSideContext {
  readonly lines: string[];
  /** Ends the job: aborts its signal and runs its cleanups, as the runner would. */
  end(): Promise<void>;
}

export function mainContext(
  overrides: Partial<HostJobInfo> = {},
  shared: Map<string, unknown> = new Map(),
): TestMainContext {
  const controller = new AbortController();
  const cleanups: (() => void | Promise<void>)[] = [];
  const lines: string[] = [];
  return {
    job: jobInfo(overrides),
    signal: controller.signal,
    shared,
    lines,
    log: (line) => lines.push(line),
    onJobEnd: (cleanup) => cleanups.push(cleanup),
    end: async () => {
      controller.abort();
      for (const c of cleanups.splice(0)) await c();
    },
  };
}

function matches(fn: HostFunction, args: readonly Value[]): boolean {
  return (
    fn.params.length === args.length &&
    fn.params.every((p, i) => p === "any" || p === typeName(args[i] as Value))
  );
}

/** The declaration a script's call would resolve to, by name and argument types. */
export function resolve(module: HostModule, name: string, args: readonly Value[]): HostFunction {
  const fn = module.functions.find((f) => f.name === name && matches(f, args));
  if (!fn) {
    const types = args.map((a) => typeName(a)).join(", ");
    throw new Error(`${module.name} has no ${name}(${types})`);
  }
  return fn;
}

/** Calls a main-side function as the bridge would. */
export async function callMain(
  module: HostModule,
  ctx: MainSideContext,
  name: string,
  ...args: Value[]
): Promise<Value> {
  const fn = resolve(module, name, args);
  if (fn.side !== "main") throw new Error(`${name} is a worker-side function`);
  return await fn.run(ctx, args);
}

export interface MainCall {
  readonly name: string;
  readonly args: Value[];
}

/**
 * A worker context whose bridge answers from `answer` and records each call, so a test
 * checks what a worker function asks of the main thread, then runs that real main call.
 */
export function workerContext(
  answer: (call: MainCall) => Value = () => undefined,
  overrides: Partial<HostJobInfo> = {},
): WorkerSideContext & { calls: MainCall[]; lines: string[] } {
  const calls: MainCall[] = [];
  const lines: string[] = [];
  return {
    job: jobInfo(overrides),
    calls,
    lines,
    log: (line) => lines.push(line),
    callMain: (name, args) => {
      const call = { name, args };
      calls.push(call);
      return answer(call);
    },
  };
}

export function callWorker(
  module: HostModule,
  ctx: WorkerSideContext,
  name: string,
  ...args: Value[]
): Value {
  const fn = resolve(module, name, args);
  if (fn.side !== "worker") throw new Error(`${name} is a main-side function`);
  return fn.run(ctx, args);
}

/** A fresh temporary directory and its removal. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "sal-test-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, but the call succeeded");
}

// HostSession.call: the one way main-side functions are run for a job (the sandbox's
// bridged calls, heroscript's SAL actions). Given a tracer (a traced job), each call goes
// through it named by module and function, and by operation for a handle's dispatcher when
// the operation is a declared one; without a tracer the function runs as it is.
import { describe, expect, test } from "vitest";
import {
  type HostModule,
  HostModules,
  handleMethods,
  type MainFunction,
  mainFn,
} from "../../src/host/index.js";
import type { Value } from "../../src/rhai/index.js";
import type { HostCall, HostCallTracer } from "../../src/tracing/index.js";

const job = { jobId: "j1", callerId: "me", contextId: "c", signatories: ["k"] };

class Handle {}
const method = handleMethods("Handle", Handle, "m.m_call", () => new Map());
method("list", [], "array", "lists", "h.list()");
method("create", ["string"], "map", "creates", 'h.create("x")');

const echo = mainFn({
  name: "echo",
  params: ["string"],
  returns: "string",
  doc: "",
  example: "",
  run: (ctx, args) => `${ctx.job.jobId}:${String(args[0])}`,
});
const dispatcher = mainFn({
  name: "m_call",
  params: ["string", "map", "array"],
  returns: "any",
  doc: "",
  example: "",
  operations: method.operations,
  run: (_ctx, args) => args[0] as Value,
});
const failing = mainFn({
  name: "fails",
  params: [],
  returns: "()",
  doc: "",
  example: "",
  run: async () => {
    throw new Error("secret argument in a message");
  },
});
const m: HostModule = { name: "m", description: "", functions: [echo, dispatcher, failing] };

function recording(): { tracer: HostCallTracer; calls: HostCall[]; outcomes: string[] } {
  const calls: HostCall[] = [];
  const outcomes: string[] = [];
  const tracer: HostCallTracer = async (call, run) => {
    calls.push(call);
    try {
      const value = await run();
      outcomes.push("ok");
      return value;
    } catch (e) {
      outcomes.push("error");
      throw e;
    }
  };
  return { tracer, calls, outcomes };
}

describe("HostSession.call", () => {
  test("without a tracer runs the function in the job's context, as it is", async () => {
    const session = new HostModules().beginSession(job, () => {});
    // Synchronous functions stay synchronous: nothing is wrapped.
    expect(session.call(m, echo, {}, ["hi"])).toBe("j1:hi");
  });

  test("with a tracer, each call goes through it, named by module and function", async () => {
    const { tracer, calls, outcomes } = recording();
    const session = new HostModules().beginSession(job, () => {}, undefined, tracer);
    expect(await session.call(m, echo, {}, ["hi"])).toBe("j1:hi");
    await expect(session.call(m, failing as MainFunction, {}, [])).rejects.toThrow("secret");
    expect(calls).toEqual([
      { kind: "function", module: "m", function: "echo" },
      { kind: "function", module: "m", function: "fails" },
    ]);
    expect(outcomes).toEqual(["ok", "error"]);
  });

  test("a dispatcher's call names its operation only when it is a declared one", async () => {
    const { tracer, calls } = recording();
    const session = new HostModules().beginSession(job, () => {}, undefined, tracer);
    expect([...method.operations]).toEqual(["list", "create"]);
    await session.call(m, dispatcher, {}, ["create", new Map(), ["x"]]);
    await session.call(m, dispatcher, {}, ["a token, say", new Map(), []]);
    await session.call(m, echo, {}, ["list"]);
    expect(calls).toEqual([
      { kind: "function", module: "m", function: "m_call", operation: "create" },
      { kind: "function", module: "m", function: "m_call" },
      { kind: "function", module: "m", function: "echo" },
    ]);
  });
});

import { describe, expect, test } from "vitest";
import { type HostModule, HostModules } from "../../src/host/index.js";

const job = { jobId: "j1", callerId: "me", contextId: "c", signatories: ["k"] };

function module(name: string, close?: HostModule["close"]): HostModule {
  return { name, description: "", functions: [], ...(close ? { close } : {}) };
}

describe("HostSession", () => {
  test("a context carries the job, the env vars, the module's options and shared state", () => {
    const a = module("a");
    const modules = new HostModules({ fallback: "x", unset: undefined, empty: "" });
    modules.add(a, { own: 1 });
    const b = module("b");
    const session = modules.beginSession(job, () => {});
    const env = { A: "1" };
    const ctx = session.context(a, env);
    expect(ctx.job).toEqual({ ...job, envVars: env, options: { own: 1 } });
    expect(session.context(b, env).job.options).toEqual({ fallback: "x" });
    expect(ctx.shared).toBe(modules.sharedOf(a));
    // The same env vars object gives the same context; a changed environment a new one.
    expect(session.context(a, env)).toBe(ctx);
    expect(session.context(a, { A: "2" }).job.envVars).toEqual({ A: "2" });
  });

  test("end() aborts the signal with its reason and runs every cleanup, a failing one logged", async () => {
    const lines: string[] = [];
    const session = new HostModules().beginSession(job, (l) => lines.push(l));
    const ctx = session.context(module("a"), {});
    const ran: string[] = [];
    ctx.onJobEnd(() => {
      throw new Error("boom");
    });
    ctx.onJobEnd(async () => {
      ran.push("second");
    });
    await session.end("timeout");
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe("timeout");
    expect(ran).toEqual(["second"]);
    expect(lines).toEqual(["cleanup failed: boom"]);
    expect(() => session.context(module("a"), {})).toThrow("the job has ended");
    // Registered after the end (a call that outlived its job): run at once.
    let late = false;
    ctx.onJobEnd(() => {
      late = true;
    });
    await expect.poll(() => late).toBe(true);
  });

  test("the job's signal stops the calls in flight before end()", () => {
    const controller = new AbortController();
    const session = new HostModules().beginSession(job, () => {}, controller.signal);
    controller.abort("cancelled");
    expect(session.signal.aborted).toBe(true);
    expect(session.signal.reason).toBe("cancelled");
  });
});

describe("HostModules", () => {
  test("close() closes every module's shared state, one failing not stopping the others", async () => {
    const closed: string[] = [];
    const a = module("a", async () => {
      throw new Error("cannot");
    });
    const b = module("b", async (shared) => {
      closed.push(String(shared.get("pool")));
    });
    const modules = new HostModules();
    modules.sharedOf(a);
    modules.sharedOf(b).set("pool", "p1");
    await modules.close();
    expect(closed).toEqual(["p1"]);
    expect(() => modules.beginSession(job, () => {})).toThrow("the host is closed");
  });
});

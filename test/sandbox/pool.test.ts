// The pool and bridge with a stand-in worker whose scripts are JavaScript, so these tests
// cover the sandbox's own machinery independently of the Rhai engine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { failureOf, fixture, scriptJob } from "./helpers.js";

describe("sandbox pool (stand-in engine)", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({
      size: 2,
      workerUrl: fixture("standin-worker.mjs"),
      modules: [{ url: fixture("test-module.mjs"), options: { tag: "t1" } }],
    });
  });
  afterAll(() => sandbox.close());

  it("runs a job and returns its value as text", async () => {
    expect(await sandbox.run(scriptJob("return 40 + 2;"))).toBe("42");
  });

  it("calls worker-side and main-side functions", async () => {
    const out = await sandbox.run(
      scriptJob("return [twice(4), echo('hi'), echo_via_worker(7)].join(',');"),
    );
    expect(out).toBe("8,hi,7");
  });

  it("streams log lines while the job runs", async () => {
    const lines: string[] = [];
    const seenBeforeEnd: number[] = [];
    const out = await sandbox.run(
      scriptJob("print('one'); echo(1); print('two'); echo(2); return 'done';"),
      {
        onLog: (line) => {
          lines.push(line);
          seenBeforeEnd.push(lines.length);
        },
      },
    );
    expect(out).toBe("done");
    expect(lines).toEqual(["one", "two"]);
  });

  it("times out a job stuck in an endless loop and keeps serving", async () => {
    const started = Date.now();
    const failure = await failureOf(sandbox.run(scriptJob("for(;;){}"), { timeoutMs: 500 }));
    expect(failure.errorKind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await sandbox.run(scriptJob("return 1;"))).toBe("1");
  });

  it("fails a job whose main-side call throws, with the message", async () => {
    const failure = await failureOf(sandbox.run(scriptJob("fail('boom');")));
    expect(failure.errorKind).toBe("script");
    expect(failure.message).toContain("boom");
  });

  it("keeps a host error's kind", async () => {
    const failure = await failureOf(sandbox.run(scriptJob("deny();")));
    expect(failure.errorKind).toBe("unauthorized");
  });

  it("cancels a job blocked in a main-side call and runs its cleanups", async () => {
    const controller = new AbortController();
    const running = sandbox.run(scriptJob("hold();"), { signal: controller.signal });
    setTimeout(() => controller.abort("cancelled"), 200);
    const failure = await failureOf(running);
    expect(failure.errorKind).toBe("cancelled");
    expect(await sandbox.run(scriptJob("return cleanups_run();"))).toBe("1");
  });
});

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

  it("accepts a timeout longer than a timer can hold", async () => {
    expect(await sandbox.run(scriptJob("return 'ok';"), { timeoutMs: 90 * 24 * 3600 * 1000 })).toBe(
      "ok",
    );
  });

  it("survives a log callback that throws", async () => {
    const out = await sandbox.run(scriptJob("print('x'); echo(1); return 'fine';"), {
      onLog: () => {
        throw new Error("log sink broke");
      },
    });
    expect(out).toBe("fine");
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
    // The counter lives in the module on this thread, which other test files may share.
    const before = Number(await sandbox.run(scriptJob("return cleanups_run();")));
    const controller = new AbortController();
    const running = sandbox.run(scriptJob("hold();"), { signal: controller.signal });
    setTimeout(() => controller.abort("cancelled"), 200);
    const failure = await failureOf(running);
    expect(failure.errorKind).toBe("cancelled");
    expect(Number(await sandbox.run(scriptJob("return cleanups_run();")))).toBe(before + 1);
  });

  it("runs two jobs side by side: a stuck one times out, the other finishes", async () => {
    // A pool of its own, so no worker is still being replaced after an earlier test.
    const pair = await createSandbox({
      size: 2,
      workerUrl: fixture("standin-worker.mjs"),
      modules: [{ url: fixture("test-module.mjs") }],
    });
    try {
      let stuckEnded = false;
      const stuck = failureOf(pair.run(scriptJob("for(;;){}"), { timeoutMs: 800 })).finally(() => {
        stuckEnded = true;
      });
      expect(await pair.run(scriptJob("echo(1); return 'quick';"), { timeoutMs: 800 })).toBe(
        "quick",
      );
      expect(stuckEnded).toBe(false);
      expect((await stuck).errorKind).toBe("timeout");
    } finally {
      await pair.close();
    }
  });

  it("never starts a job cancelled before it runs", async () => {
    const controller = new AbortController();
    controller.abort("cancelled");
    const lines: string[] = [];
    const failure = await failureOf(
      sandbox.run(scriptJob("print('ran');"), {
        signal: controller.signal,
        onLog: (l) => lines.push(l),
      }),
    );
    expect(failure.errorKind).toBe("cancelled");
    expect(lines).toEqual([]);
  });

  it("passes large values both ways", async () => {
    const out = await sandbox.run(scriptJob("return echo(big_text(10 * 1024 * 1024)).length;"));
    expect(out).toBe(String(10 * 1024 * 1024));
  });

  it("gives main-side functions the job and the module's options", async () => {
    const job = scriptJob("const m = job_info(); return [m.get('job'), m.get('tag')].join(' ');");
    expect(await sandbox.run(job)).toBe(`${job.jobId} t1`);
  });

  it("refills the pool after killing workers", async () => {
    await failureOf(sandbox.run(scriptJob("for(;;){}"), { timeoutMs: 100 }));
    expect(sandbox.workerCount).toBe(2);
  });
});

describe("sandbox pool with one worker (stand-in engine)", () => {
  let sandbox: Sandbox;
  const workerErrors: Error[] = [];
  beforeAll(async () => {
    sandbox = await createSandbox({
      size: 1,
      heapMb: 64,
      onWorkerError: (e) => workerErrors.push(e),
      workerUrl: fixture("standin-worker.mjs"),
      modules: [{ url: fixture("test-module.mjs") }],
    });
  });
  afterAll(() => sandbox.close());

  it("queues jobs and times out one still waiting for a worker", async () => {
    const first = sandbox.run(scriptJob("for(let i = 0; i < 3e8; i++){} return 'first';"));
    const waiting = failureOf(sandbox.run(scriptJob("return 'never';"), { timeoutMs: 50 }));
    expect((await waiting).errorKind).toBe("timeout");
    expect(await first).toBe("first");
  });

  it("fails an allocation bomb as resources and carries on", async () => {
    const failure = await failureOf(
      sandbox.run(scriptJob("const a = []; for(;;) a.push(new Array(1e6).fill(1.5));")),
    );
    expect(failure.errorKind).toBe("resources");
    expect(failure.message).toMatch(/out of memory.*64 MB/);
    expect(workerErrors.map((e) => (e as { code?: string }).code)).toEqual([
      "ERR_WORKER_OUT_OF_MEMORY",
    ]);
    expect(await sandbox.run(scriptJob("return 'alive';"))).toBe("alive");
  });

  it("ends jobs still running or waiting when closed", async () => {
    const other = await createSandbox({ size: 1, workerUrl: fixture("standin-worker.mjs") });
    const running = failureOf(other.run(scriptJob("for(;;){}")));
    const queued = failureOf(other.run(scriptJob("return 1;")));
    await other.close();
    expect((await running).errorKind).toBe("cancelled");
    expect((await queued).errorKind).toBe("cancelled");
    expect((await failureOf(other.run(scriptJob("return 1;")))).message).toMatch(/closed/);
  });
});

describe("sandbox set-up", () => {
  it("rejects a host module that does not load, naming it", async () => {
    await expect(
      createSandbox({ size: 1, modules: [{ url: fixture("missing.mjs") }] }),
    ).rejects.toThrow(/cannot load host module .*missing\.mjs/);
  });

  it("rejects a module location that is neither a URL nor an absolute path", async () => {
    await expect(createSandbox({ size: 1, modules: [{ url: "fixtures/x.mjs" }] })).rejects.toThrow(
      /must be a URL or an absolute path/,
    );
  });

  it("accepts a host module given as an absolute path", async () => {
    const sandbox = await createSandbox({
      size: 1,
      workerUrl: fixture("standin-worker.mjs"),
      modules: [{ url: fixture("test-module.mjs").pathname }],
    });
    try {
      expect(await sandbox.run(scriptJob("return twice(21);"))).toBe("42");
    } finally {
      await sandbox.close();
    }
  });
});

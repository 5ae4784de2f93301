// The sandbox end to end with the real Rhai engine: real worker threads, real host modules
// (one reading Redis on 127.0.0.1:6379 through the bridge), real timeouts and heap limits.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../src/job/index.js";
import { createSandbox, type Sandbox, scriptJobOf } from "../../src/sandbox/index.js";
import { failureOf, fixture, scriptJob } from "./helpers.js";

describe("sandbox with the Rhai engine", () => {
  let sandbox: Sandbox;
  let redis: Redis;
  const keys: string[] = [];

  beforeAll(async () => {
    redis = new Redis("redis://127.0.0.1:6379");
    sandbox = await createSandbox({
      size: 2,
      modules: [
        { url: fixture("test-module.mjs"), options: { tag: "t1" } },
        { url: fixture("redis-module.mjs"), options: { url: "redis://127.0.0.1:6379" } },
      ],
    });
  });
  afterAll(async () => {
    await sandbox.close();
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("returns the script's final value as to_string renders it", async () => {
    expect(await sandbox.run(scriptJob("40 + 2"))).toBe("42");
    expect(await sandbox.run(scriptJob('[1, "a", 2.5, #{x: ()}]'))).toBe(
      '[1, "a", 2.5, #{"x": ()}]',
    );
    expect(await sandbox.run(scriptJob("let x = 1;"))).toBe("");
  });

  it("gives the script its job constants and ENV", async () => {
    const job = scriptJob(
      'JOB_ID + "|" + CALLER_ID + "|" + CONTEXT_ID + "|" + SIGNATORIES.len() + "|" + ENV.FOO',
      { envVars: { FOO: "bar" }, signatories: ["02aa", "03bb"] },
    );
    expect(await sandbox.run(job)).toBe(`${job.jobId}|tester|ctx-1|2|bar`);
    expect(await sandbox.run(scriptJob("SIGNATORIES[1]"))).toBe("03bb");
  });

  it("gives each run of the same script its own job (compiled scripts are reused)", async () => {
    const source = 'let seen = ENV.FOO; seen += "!"; seen';
    for (const foo of ["one", "two", "three"]) {
      expect(await sandbox.run(scriptJob(source, { envVars: { FOO: foo } }))).toBe(`${foo}!`);
    }
  });

  it("builds the script's job from a wire job", async () => {
    const job: Job = {
      id: randomUUID(),
      caller_id: "alice",
      context_id: "space-9",
      payload: 'JOB_ID + " " + CALLER_ID + " " + CONTEXT_ID + " " + SIGNATORIES[0] + " " + ENV.FOO',
      runner: "r1",
      executor: "sal",
      timeout: 5,
      env_vars: { FOO: "from-env" },
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      signatures: [],
    };
    expect(await sandbox.run(scriptJobOf(job, ["02cc"]))).toBe(
      `${job.id} alice space-9 02cc from-env`,
    );
  });

  it("reads Redis through a bridged host function", async () => {
    const key = `sandbox-test:${randomUUID()}`;
    keys.push(key);
    await redis.set(key, "hello from redis");
    expect(await sandbox.run(scriptJob(`redis_get("${key}")`))).toBe("hello from redis");
    expect(await sandbox.run(scriptJob(`type_of(redis_get("${key}:missing"))`))).toBe("()");
  });

  it("carries values across the bridge both ways", async () => {
    expect(await sandbox.run(scriptJob('echo([1, 2.5, "s", #{a: true}, ()])'))).toBe(
      '[1, 2.5, "s", #{"a": true}, ()]',
    );
    expect(await sandbox.run(scriptJob("let c = echo('λ'); type_of(c) + \" \" + c"))).toBe(
      "char λ",
    );
    expect(await sandbox.run(scriptJob("let b = echo(blob(3, 7)); type_of(b) + b.len()"))).toBe(
      "blob3",
    );
    expect(await sandbox.run(scriptJob("echo(9223372036854775807)"))).toBe("9223372036854775807");
    expect(await sandbox.run(scriptJob("echo_via_worker(7) + twice(4)"))).toBe("15");
    expect(await sandbox.run(scriptJob("job_info().tag"))).toBe("t1");
  });

  it("lets a script catch a main-side error with its message", async () => {
    const script =
      'let r = "not caught";\ntry { fail("boom"); } catch (e) { r = "caught: " + e; }\nr';
    expect(await sandbox.run(scriptJob(script))).toBe("caught: boom");
  });

  it("fails the job with the host's message and position when the error is not caught", async () => {
    const failure = await failureOf(sandbox.run(scriptJob('let x = 1;\nfail("no way");')));
    expect(failure.errorKind).toBe("script");
    expect(failure.message).toMatch(/no way.*line 2/);
  });

  it("keeps the error kind a host function gives, even through a script function", async () => {
    const direct = await failureOf(sandbox.run(scriptJob("deny()")));
    expect(direct.errorKind).toBe("unauthorized");
    expect(direct.message).toContain("caller may not do this");
    const nested = await failureOf(sandbox.run(scriptJob("fn f() { deny() }\nf()")));
    expect(nested.errorKind).toBe("unauthorized");
  });

  it("treats a worker-side function's error like a main-side one", async () => {
    const caught = await sandbox.run(
      scriptJob('let r = ""; try { refuse_in_worker("not you"); } catch (e) { r = e; } r'),
    );
    expect(caught).toBe("not you");
    const uncaught = await failureOf(sandbox.run(scriptJob('refuse_in_worker("not you")')));
    expect(uncaught.errorKind).toBe("unauthorized");
    expect(uncaught.message).toMatch(/not you.*line 1/);
  });

  it("keeps many jobs' bridged calls apart", async () => {
    const jobs = Array.from({ length: 60 }, () =>
      scriptJob("let s = []; for i in 0..5 { s.push(echo(JOB_ID)) } s"),
    );
    const outputs = await Promise.all(jobs.map((j) => sandbox.run(j, { timeoutMs: 30_000 })));
    outputs.forEach((out, i) => {
      const id = jobs[i]?.jobId;
      expect(out).toBe(`[${Array(5).fill(`"${id}"`).join(", ")}]`);
    });
  });

  it("reports script errors with line and column", async () => {
    const parse = await failureOf(sandbox.run(scriptJob("let a = 1;\nlet = 2;")));
    expect(parse.errorKind).toBe("script");
    expect(parse.message).toMatch(/line 2, position \d+/);
    const runtime = await failureOf(sandbox.run(scriptJob("let a = 1;\n  a + undefined_var")));
    expect(runtime.errorKind).toBe("script");
    expect(runtime.message).toMatch(/undefined_var.*line 2, position 7/);
  });

  it("times out `loop {}` within 3 s and then runs the next job", async () => {
    const started = Date.now();
    const failure = await failureOf(sandbox.run(scriptJob("loop {}"), { timeoutMs: 2000 }));
    expect(failure.errorKind).toBe("timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1990);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await sandbox.run(scriptJob("1 + 1"), { timeoutMs: 2000 })).toBe("2");
  });

  it("runs two jobs in parallel: the stuck one times out, the other finishes on time", async () => {
    // A pool of its own, so no worker is still being replaced after an earlier test.
    const pair = await createSandbox({ size: 2, modules: [{ url: fixture("test-module.mjs") }] });
    try {
      let stuckEnded = false;
      const stuck = failureOf(pair.run(scriptJob("loop {}"), { timeoutMs: 2000 })).finally(() => {
        stuckEnded = true;
      });
      const started = Date.now();
      const quick = await pair.run(scriptJob("let s = 0; for i in 0..1000 { s += i } echo(s)"), {
        timeoutMs: 2000,
      });
      expect(quick).toBe("499500");
      expect(stuckEnded).toBe(false);
      expect(Date.now() - started).toBeLessThan(1500);
      expect((await stuck).errorKind).toBe("timeout");
    } finally {
      await pair.close();
    }
  });

  it("sends print and debug lines while the job runs", async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    // The job never ends on its own: it is cancelled from the log callback, so the lines
    // must have arrived while it was running.
    const failure = await failureOf(
      sandbox.run(scriptJob('print("hello"); debug("dbg"); loop {}'), {
        signal: controller.signal,
        timeoutMs: 10_000,
        onLog: (line) => {
          lines.push(line);
          if (lines.length === 2) controller.abort("cancelled");
        },
      }),
    );
    expect(failure.errorKind).toBe("cancelled");
    expect(lines[0]).toBe("hello");
    expect(lines[1]).toContain('"dbg"');
  });

  it("makes a signal given as a function only for a script that goes to a worker", async () => {
    let made = 0;
    const controller = new AbortController();
    const signal = () => {
      made += 1;
      return controller.signal;
    };
    // Tiny and straight-line: answered inline, without a signal.
    expect(await sandbox.run(scriptJob("1 + 1"), { signal })).toBe("2");
    expect(made).toBe(0);
    // A loop needs a worker: the signal is made, and stops the script.
    const lines: string[] = [];
    const failure = await failureOf(
      sandbox.run(scriptJob('print("up"); loop {}'), {
        signal,
        timeoutMs: 10_000,
        onLog: (line) => {
          lines.push(line);
          controller.abort("cancelled");
        },
      }),
    );
    expect(made).toBe(1);
    expect(failure.errorKind).toBe("cancelled");
    expect(lines).toEqual(["up"]);
  });

  it("cuts long lines and sends the newest lines past the first 10,000 too", async () => {
    const lines: string[] = [];
    const script =
      'let long = ""; long.pad(20000, "x"); print(long); for i in 0..12000 { print(i) } "ok"';
    const out = await sandbox.run(scriptJob(script), { onLog: (l) => lines.push(l) });
    expect(out).toBe("ok");
    // The first 10,000 at once, the rest held and sent when the job ends: none dropped.
    expect(lines).toHaveLength(12_001);
    expect(lines[0]).toBe(`${"x".repeat(16 * 1024)} [line cut]`);
    expect(lines[9_999]).toBe("9998");
    expect(lines[12_000]).toBe("11999");
  });

  it("never starts a job cancelled before it runs", async () => {
    const key = `sandbox-test:${randomUUID()}`;
    keys.push(key);
    const controller = new AbortController();
    controller.abort("cancelled");
    const lines: string[] = [];
    const failure = await failureOf(
      sandbox.run(scriptJob('print("started")'), {
        signal: controller.signal,
        onLog: (l) => lines.push(l),
      }),
    );
    expect(failure.errorKind).toBe("cancelled");
    expect(lines).toEqual([]);
  });

  it("cancels a job blocked in a host call and runs the call's cleanups", async () => {
    const before = Number(await sandbox.run(scriptJob("cleanups_run()")));
    const controller = new AbortController();
    const running = sandbox.run(scriptJob("hold()"), { signal: controller.signal });
    setTimeout(() => controller.abort("cancelled"), 300);
    expect((await failureOf(running)).errorKind).toBe("cancelled");
    expect(Number(await sandbox.run(scriptJob("cleanups_run()")))).toBe(before + 1);
  });
});

describe("sandbox memory limits with the Rhai engine", () => {
  it("fails an allocation bomb on the worker's heap and keeps serving", async () => {
    const sandbox = await createSandbox({ size: 1, heapMb: 64 });
    try {
      const failure = await failureOf(
        sandbox.run(scriptJob("let all = []; loop { all.push([1, 2, 3, 4, 5, 6, 7, 8]); }"), {
          timeoutMs: 30_000,
        }),
      );
      expect(failure.errorKind).toBe("resources");
      expect(failure.message).toMatch(/out of memory/);
      expect(await sandbox.run(scriptJob('"still here"'))).toBe("still here");
    } finally {
      await sandbox.close();
    }
  });

  it("stops an allocation bomb early with engine size limits when the runner sets them", async () => {
    const sandbox = await createSandbox({ size: 1, limits: { maxStringSize: 100_000 } });
    try {
      const failure = await failureOf(
        sandbox.run(scriptJob('let s = "x";\nloop { s += s; }'), { timeoutMs: 30_000 }),
      );
      expect(failure.errorKind).toBe("script");
      expect(failure.message).toMatch(/too large.*line 2/);
      expect(await sandbox.run(scriptJob("1"))).toBe("1");
    } finally {
      await sandbox.close();
    }
  });

  it("refuses engine limits that make no sense", async () => {
    await expect(createSandbox({ size: 1, limits: { maxCallLevels: -1 } })).rejects.toThrow(
      /maxCallLevels must be a whole number/,
    );
  });
});

// runner_sal as a real process: SAL scripts against real files, processes, ports, Redis and
// PostgreSQL, and the sandbox's promises (timeouts, parallel jobs, memory, logs, cancel).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { processAlive } from "../helpers/processes.js";
import { testRedis } from "../helpers/redis.js";
import { fixture, outputOf, type RunnerWorld, runnerWorld } from "./helpers.js";

const PG_ENV = { POSTGRES_HOST: "127.0.0.1", POSTGRES_DB: "test", POSTGRES_USER: "root" };
let redis: Redis;
let w: RunnerWorld;
let workDir: string;

beforeAll(async () => {
  redis = testRedis();
  w = await runnerWorld("runner_sal", redis, { args: ["--concurrency", "2"] });
  workDir = mkdtempSync(join(tmpdir(), "runner-sal-"));
});
afterAll(async () => {
  await w.close();
  await redis.quit();
  rmSync(workDir, { recursive: true, force: true });
});

describe("runner_sal: SAL scripts", () => {
  test("a directory tree is made, written, read and searched", async () => {
    const dir = mkdtempSync(join(workDir, "files-"));
    const record = await w.run(fixture("sal", "files.rhai"), { env_vars: { WORK_DIR: dir } });
    expect(outputOf(record)).toBe(
      'read=14 size=13 found=["tree/src/deep/lib.rs", "tree/src/main.rs"] dir=tree/src/deep copied=true gone=true',
    );
    expect(readFileSync(join(dir, "tree/docs/readme.md"), "utf8")).toBe("# readme\nmore\n");
  });

  test("echo, a failing command's code and stderr, env vars reach children", async () => {
    const record = await w.run(fixture("sal", "commands.rhai"), { env_vars: { GREETING: "hey" } });
    expect(outputOf(record)).toBe(
      "hello=hello ok=true code=3 success=false stderr=broken caught=true env=hey-x",
    );
    expect(await w.client.logs(record.id)).toContain("hello");
  });

  test("a listening and a closed TCP port", async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    try {
      const env = {
        OPEN_PORT: String((server.address() as AddressInfo).port),
        CLOSED_PORT: String(closedPort),
      };
      expect(outputOf(await w.run(fixture("sal", "net.rhai"), { env_vars: env }))).toBe(
        "open=true closed=false",
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test("a Redis hash stored and read back (on the data connection, not the queue's)", async () => {
    const prefix = `${w.ns}:data:`;
    const record = await w.run(fixture("sal", "redis.rhai"), {
      env_vars: { REDIS_PREFIX: prefix },
    });
    expect(outputOf(record)).toBe("name=Ann city=Gent fields=1 missing=true");
    expect(await redis.hgetall(`${prefix}user:1`)).toEqual({ name: "Ann" });
  });

  test("PostgreSQL: a table, bound parameters with a quote in a value, rows back", async () => {
    const table = `runner_sal_${process.pid}_${Date.now()}`;
    const record = await w.run(fixture("sal", "postgres.rhai"), {
      env_vars: { ...PG_ENV, PG_TABLE: table },
    });
    expect(outputOf(record)).toBe("rows=2 first=O'Brien:7 matches=1");
  });

  test("SAL errors are catchable in the script and readable", async () => {
    const dir = mkdtempSync(join(workDir, "errors-"));
    const output = outputOf(
      await w.run(fixture("sal", "errors.rhai"), { env_vars: { WORK_DIR: dir } }),
    );
    expect(output).toContain(`file_read: file does not exist: ${join(dir, "missing.txt")}`);
    expect(output).toContain("mkdir: path must not be empty");
  });

  test("an uncaught SAL error fails the job with kind script, the message and the position", async () => {
    const record = await w.run('let x = 1;\nfile_read("/definitely/not/here");');
    expect(record).toMatchObject({ status: "error", error_kind: "script" });
    expect(record.error).toContain("file does not exist: /definitely/not/here");
    expect(record.error).toContain("line 2");
  });

  test("a command that outlives the job's timeout is killed with the job", async () => {
    const dir = mkdtempSync(join(workDir, "outlive-"));
    const record = await w.run(fixture("sal", "outlive.rhai"), {
      env_vars: { WORK_DIR: dir },
      timeout: 1.5,
    });
    expect(record).toMatchObject({ status: "error", error_kind: "timeout" });
    const pid = Number(readFileSync(join(dir, "pid"), "utf8").trim());
    expect(pid).toBeGreaterThan(0);
    for (let i = 0; i < 50 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(processAlive(pid)).toBe(false);
  });
});

describe("runner_sal: the sandbox", () => {
  test("loop {} with a 2 s timeout ends as timeout within 3 s, and the next job succeeds", async () => {
    const t0 = Date.now();
    const record = await w.run("loop {}", { timeout: 2 });
    expect(record).toMatchObject({ status: "error", error_kind: "timeout" });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(outputOf(await w.run("1 + 1"))).toBe("2");
  });

  test("two jobs in parallel: one stuck, the other finishes on time", async () => {
    const stuck = w.client.run(w.job("loop {}", { timeout: 4 }));
    await new Promise((r) => setTimeout(r, 200));
    const quick = await w.run("let s = 0; for i in 0..1000 { s += i; } s");
    expect(outputOf(quick)).toBe("499500");
    const stuckRecord = await stuck;
    expect(stuckRecord.error_kind).toBe("timeout");
    // The quick job did not wait for the stuck one's worker.
    expect(Date.parse(quick.finished_at ?? "")).toBeLessThan(
      Date.parse(stuckRecord.finished_at ?? ""),
    );
  });

  test("an allocation bomb fails its own job and the runner lives", async () => {
    // Fresh 160 KB strings: the 256 MB worker heap is gone after a couple of thousand.
    const bomb =
      'let s = "abcdefghij"; for i in 0..14 { s += s; } let a = []; loop { a.push(s.to_upper() + a.len()); }';
    const record = await w.run(bomb, { timeout: 60 });
    expect(record).toMatchObject({ status: "error", error_kind: "resources" });
    expect(record.error).toContain("ran out of memory");
    expect(outputOf(await w.run('"still here"'))).toBe("still here");
  });

  test("print and debug lines reach the job's log as it runs; ENV, JOB_ID and SIGNATORIES are there", async () => {
    const job = w.job(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
      'print("first"); debug("second"); print(`${ENV.FOO} ${JOB_ID.len()} ${SIGNATORIES.len()}`); ENV.FOO',
      {
        env_vars: { FOO: "bar" },
      },
    );
    const record = await w.client.run(job);
    expect(outputOf(record)).toBe("bar");
    const logs = await w.client.logs(job.id);
    expect(logs[0]).toBe("first");
    expect(logs[1]).toContain("second");
    expect(logs[2]).toBe(`bar ${job.id.length} 1`);
  });

  test("a bridged host call (an async Redis GET on the main thread) returns its value", async () => {
    const key = `${w.ns}:data:greeting`;
    await redis.set(key, "hello over the bridge");
    expect(outputOf(await w.run(`redis_get("${key}")`))).toBe("hello over the bridge");
  });

  test("cancel during a job stops it; a job cancelled before it starts never starts", async () => {
    const running = w.job("loop {}", { timeout: 30 });
    await w.client.submit(running);
    for (let i = 0; i < 100 && (await w.client.status(running.id))?.status !== "started"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await w.client.cancel(running.id)).toBe("signalled");
    const t0 = Date.now();
    expect(await w.client.wait(running.id, 10)).toMatchObject({
      status: "error",
      error_kind: "cancelled",
    });
    expect(Date.now() - t0).toBeLessThan(2000);

    // Fill both workers, then queue and cancel a third job.
    const blockers = [w.job("loop {}", { timeout: 2 }), w.job("loop {}", { timeout: 2 })];
    for (const b of blockers) await w.client.submit(b);
    const marker = `${w.ns}:data:never`;
    const queued = w.job(`redis_set("${marker}", "ran")`);
    await w.client.submit(queued);
    expect(await w.client.cancel(queued.id)).toBe("cancelled");
    for (const b of blockers) await w.client.wait(b.id, 10);
    expect(outputOf(await w.run("40 + 2"))).toBe("42");
    expect(await w.client.status(queued.id)).toMatchObject({
      status: "error",
      error_kind: "cancelled",
      attempts: 0,
    });
    expect(await redis.exists(marker)).toBe(0);
  });

  test("a script syntax error fails with kind script and its position", async () => {
    const record = await w.run("let x = ;");
    expect(record).toMatchObject({ status: "error", error_kind: "script" });
    expect(record.error).toMatch(/line 1/);
  });
});

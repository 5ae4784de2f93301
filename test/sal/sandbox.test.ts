// End to end: the .rhai fixtures (the scripts runner_sal's integration tests will submit)
// run in the real sandbox (worker pool, shared-memory bridge) with the real Rhai engine and
// the SAL modules as built in dist/, against real files, processes, ports, Redis and
// PostgreSQL.

import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { salModuleSpecs } from "../../src/sal/index.js";
import { createSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { processAlive } from "../helpers/processes.js";
import { tempDir } from "./helpers.js";

const PG_ENV = { POSTGRES_HOST: "127.0.0.1", POSTGRES_DB: "test", POSTGRES_USER: "root" };

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
let sandbox: Sandbox;
let counter = 0;

function run(
  name: string,
  envVars: Record<string, string>,
  timeoutMs = 20_000,
  lines: string[] = [],
) {
  counter++;
  return sandbox.run(
    {
      source: fixture(name),
      jobId: `sal-e2e-${process.pid}-${counter}`,
      callerId: "tester",
      contextId: "ctx",
      signatories: [],
      envVars,
    },
    { timeoutMs, onLog: (line) => lines.push(line) },
  );
}

beforeAll(async () => {
  sandbox = await createSandbox({
    modules: salModuleSpecs(),
    size: 2,
  });
});
afterAll(() => sandbox?.close());

describe("SAL scripts through the sandbox and the Rhai engine", () => {
  test("files.rhai: a tree is made, written, read and searched", async () => {
    const { dir, remove } = await tempDir();
    try {
      expect(await run("files.rhai", { WORK_DIR: dir })).toBe(
        'read=14 size=13 found=["tree/src/deep/lib.rs", "tree/src/main.rs"] dir=tree/src/deep copied=true gone=true',
      );
    } finally {
      await remove();
    }
  });

  test("commands.rhai: echo, a failing command's code and stderr, a caught failure, env", async () => {
    const lines: string[] = [];
    expect(await run("commands.rhai", { GREETING: "hey" }, 20_000, lines)).toBe(
      "hello=hello ok=true code=3 success=false stderr=broken caught=true env=hey-x",
    );
    expect(lines).toContain("hello");
  });

  test("net.rhai: a listening and a closed port", async () => {
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
      expect(await run("net.rhai", env)).toBe("open=true closed=false");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test("redis.rhai: a hash stored and read back", async () => {
    const prefix = `sal-e2e:${process.pid}:${Date.now()}:`;
    const direct = new Redis("redis://127.0.0.1:6379");
    try {
      expect(await run("redis.rhai", { REDIS_PREFIX: prefix })).toBe(
        "name=Ann city=Gent fields=1 missing=true",
      );
      expect(await direct.hgetall(`${prefix}user:1`)).toEqual({ name: "Ann" });
    } finally {
      await direct.del(`${prefix}user:1`);
      direct.disconnect();
    }
  });

  test("postgres.rhai: a table, bound parameters with a quote, rows back", async () => {
    const table = `sal_e2e_${process.pid}_${Date.now()}`;
    expect(await run("postgres.rhai", { ...PG_ENV, PG_TABLE: table })).toBe(
      "rows=2 first=O'Brien:7 matches=1",
    );
  });

  test("errors.rhai: SAL errors are caught in the script and readable", async () => {
    const { dir, remove } = await tempDir();
    try {
      expect(await run("errors.rhai", { WORK_DIR: dir })).toBe(
        [
          `file_read: file does not exist: ${join(dir, "missing.txt")}`,
          "mkdir: path must not be empty",
          'run_with_options: unknown option "dei" (allowed: silent, die, ignore_error, log, cwd, env, timeout)',
          'render_template: undefined variable "nope" (template line 1)',
          "",
        ].join("\n"),
      );
    } finally {
      await remove();
    }
  });

  test("outlive.rhai: a command that outlives the job's timeout is killed with the job", async () => {
    const { dir, remove } = await tempDir();
    try {
      const failure = await run("outlive.rhai", { WORK_DIR: dir }, 1500).catch(
        (e: Error & { errorKind?: string }) => e,
      );
      expect((failure as { errorKind?: string }).errorKind).toBe("timeout");
      const pid = Number(readFileSync(join(dir, "pid"), "utf8").trim());
      expect(pid).toBeGreaterThan(0);
      for (let i = 0; i < 50 && processAlive(pid); i++) await sleep(100);
      expect(processAlive(pid)).toBe(false);
    } finally {
      await remove();
    }
  });

  test("demo.rhai: a file, a command and a query", async () => {
    const { dir, remove } = await tempDir();
    try {
      expect(await run("demo.rhai", { ...PG_ENV, WORK_DIR: dir })).toBe(
        "file has 3 words; connected to test",
      );
    } finally {
      await remove();
    }
  });

  test("the builder and templates work across the bridge", async () => {
    const { dir, remove } = await tempDir();
    try {
      const http = createHttpServer((_q, s) => s.end("pong"));
      await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
      const source = `
        file_write("${dir}/t.tpl", "{% for p in ports %}port {{ p }}\\n{% endfor %}{{ name | upper }}");
        let out = template_builder_open("${dir}/t.tpl").add_var("ports", [80, 443]).add_vars(#{name: "web"}).render_to_file("${dir}/out.txt");
        let r = run("cat out.txt").cwd("${dir}").silent().execute();
        r.stdout + "|" + http_get("${url}") + "|" + type_of(run("x"))
      `;
      counter++;
      const output = await sandbox.run(
        {
          source,
          jobId: `sal-e2e-b-${counter}`,
          callerId: "t",
          contextId: "c",
          signatories: [],
          envVars: {},
        },
        { timeoutMs: 20_000 },
      );
      http.close();
      expect(output).toBe("port 80\nport 443\nWEB|pong|CommandBuilder");
    } finally {
      await remove();
    }
  });

  test("the runner's options reach every module: working directory and data Redis", async () => {
    const { dir, remove } = await tempDir();
    const key = `sal-e2e-opt:${process.pid}:${Date.now()}`;
    const direct = new Redis("redis://127.0.0.1:6379/6");
    const own = await createSandbox({
      modules: salModuleSpecs({ workDir: dir, redisUrl: "redis://127.0.0.1:6379/6" }),
      size: 1,
    });
    try {
      const source = `file_write("made.txt", "x"); redis_set("${key}", "six"); run_silent("ls").stdout`;
      const output = await own.run(
        {
          source,
          jobId: `sal-e2e-o-${counter++}`,
          callerId: "t",
          contextId: "c",
          signatories: [],
          envVars: {},
        },
        { timeoutMs: 20_000 },
      );
      expect(output).toBe("made.txt\n");
      expect(await direct.get(key)).toBe("six");
    } finally {
      await own.close();
      await direct.del(key);
      direct.disconnect();
      await remove();
    }
  });
});

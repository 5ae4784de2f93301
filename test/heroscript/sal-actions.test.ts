// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${key} is heroscript placeholder syntax
// The SAL actions (`redis.*`, `postgres.*`, `net.*`) through the hero executor, against the
// real Redis and PostgreSQL and real TCP and HTTP servers on loopback. Each test's effect is
// checked with a client of its own, not through the actions.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createJob, JobFailure } from "../../src/job/index.js";
import {
  createHeroExecutor,
  type HeroExecutorOptions,
  SalHost,
  salActionCatalog,
} from "../../src/runners/hero/index.js";
import type { ExecutionContext, Executor } from "../../src/runtime/index.js";
import { postgresModule, redisModule } from "../../src/sal/index.js";

const PG_URL = "postgres://root@127.0.0.1:5432/test";
const prefix = `test-hero-sal-${randomUUID().slice(0, 8)}`;
const table = `hero_sal_${randomUUID().slice(0, 8)}`;

let redis: Redis;
let db: pg.Client;
let tcp: TcpServer;
let tcpPort: number;
let http: HttpServer;
let httpBase: string;
/** A folder of the test's own: downloads land here, and the archive served is made here. */
let dir: string;
let archive: Buffer;
const executors: Executor[] = [];

function listen(server: TcpServer | HttpServer): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

/** A port nothing listens on: one we had, then closed. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hero-sal-"));
  await mkdir(join(dir, "src"));
  await writeFile(join(dir, "src", "hello.txt"), "hi from the archive\n");
  execFileSync("tar", ["czf", join(dir, "pkg.tar.gz"), "-C", join(dir, "src"), "hello.txt"]);
  archive = await readFile(join(dir, "pkg.tar.gz"));
  redis = new Redis("redis://127.0.0.1:6379");
  db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  tcp = createTcpServer((socket) => socket.end());
  tcpPort = await listen(tcp);
  http = createHttpServer((req, res) => {
    if (req.url === "/hello") res.end("hello\nworld\n");
    else if (req.url === "/pkg.tar.gz") res.end(archive);
    else if (req.url === "/data.json") res.end('{"a":1}');
    else if (req.url === "/broken") res.writeHead(500).end("down");
    else if (req.url === "/hang")
      return; // never answers
    else res.writeHead(404).end("no such page");
  });
  httpBase = `http://127.0.0.1:${await listen(http)}`;
});

afterAll(async () => {
  let cursor = "0";
  for (const dbIndex of [0, 3]) {
    await redis.select(dbIndex);
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  }
  await redis.quit();
  await db.query(`drop table if exists ${table}, ${table}_b`);
  await db.end();
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await new Promise((r) => tcp.close(r));
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  while (executors.length > 0) await executors.pop()?.close?.();
});

interface TestContext extends ExecutionContext {
  readonly lines: string[];
  readonly controller: AbortController;
}

function context(payload: string, envVars: Record<string, string> = {}): TestContext {
  const lines: string[] = [];
  const controller = new AbortController();
  const job = createJob({ payload, runner: "hero-sal-test", env_vars: envVars });
  const noop = () => {};
  return {
    job,
    attempt: 1,
    signal: controller.signal,
    controller,
    lines,
    log: (line) => lines.push(line),
    envVars,
    signatories: [],
    logger: { info: noop, warn: noop, error: noop, debug: noop },
  };
}

function executor(options: HeroExecutorOptions = {}): Executor {
  const e = createHeroExecutor(options);
  executors.push(e);
  return e;
}

/** Runs a payload with the default executor; resolves with its output. */
function play(payload: string, envVars: Record<string, string> = {}): Promise<string> {
  return executor().execute(context(payload, envVars));
}

/** Runs a payload that must fail; resolves with the failure. */
async function failure(payload: string, envVars: Record<string, string> = {}): Promise<JobFailure> {
  const e = await play(payload, envVars).then(
    (out) => new Error(`expected a failure, got output ${JSON.stringify(out)}`),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(JobFailure);
  return e as JobFailure;
}

describe("redis.*", () => {
  test("strings, hashes and lists reach the real Redis; reads print", async () => {
    const k = `${prefix}:a`;
    const out = await play(
      [
        "!!redis.ping",
        `!!redis.set key:${k}:name val:"it's here"`,
        `!!redis.get key:${k}:name`,
        `!!redis.hset key:${k}:user field:name value:Ann`,
        `!!redis.hset key:${k}:user field:city value:'Ghent'`,
        `!!redis.hget key:${k}:user field:city`,
        `!!redis.hgetall key:${k}:user`,
        `!!redis.rpush key:${k}:queue val:one,two,three`,
        `!!redis.lpush key:${k}:queue val:zero`,
        `!!redis.llen key:${k}:queue`,
        `!!redis.lrange key:${k}:queue start:1 stop:2`,
        `!!redis.hdel key:${k}:user field:city`,
      ].join("\n"),
    );
    expect(out).toBe(
      ["PONG", "it's here", "Ghent", '{"name":"Ann","city":"Ghent"}', "4", "one", "two"].join("\n"),
    );
    expect(await redis.get(`${k}:name`)).toBe("it's here");
    expect(await redis.hgetall(`${k}:user`)).toEqual({ name: "Ann" });
    expect(await redis.lrange(`${k}:queue`, 0, -1)).toEqual(["zero", "one", "two", "three"]);
  });

  test("a missing key prints nothing; with env it unsets the variable so a default can follow", async () => {
    const k = `${prefix}:missing`;
    await redis.set(`${prefix}:version`, "1.2.0");
    const ctx = context(
      [
        `!!redis.get key:${k}`,
        `!!redis.get key:${prefix}:version env:VERSION`,
        `!!redis.get key:${k} env:COLOR`,
        "!!session.env_set_once key:COLOR val:blue",
        "!!play.echo content:'version {VERSION}, color {COLOR}'",
        `!!redis.del key:${prefix}:version`,
      ].join("\n"),
      { COLOR: "red" },
    );
    expect(await executor().execute(ctx)).toBe("version 1.2.0, color blue");
    expect(ctx.lines).toContain(`redis: ${k} does not exist`);
    expect(ctx.lines).toContain(`redis: ${prefix}:version deleted`);
    expect(await redis.exists(`${prefix}:version`)).toBe(0);
  });

  test("REDIS_URL set in the session applies to the actions after it", async () => {
    const k = `${prefix}:db3`;
    await play(
      [
        "!!session.env_set key:REDIS_URL val:redis://127.0.0.1:6379/3",
        `!!redis.set key:${k} val:three`,
      ].join("\n"),
    );
    expect(await redis.exists(k)).toBe(0);
    const other = new Redis("redis://127.0.0.1:6379/3");
    try {
      expect(await other.get(k)).toBe("three");
    } finally {
      await other.quit();
    }
  });

  test("the executor's data Redis is used when the job names none", async () => {
    const k = `${prefix}:data`;
    const out = await executor({ sal: { redisUrl: "redis://127.0.0.1:6379/3" } }).execute(
      context(`!!redis.set key:${k} val:x\n!!redis.get key:${k}`),
    );
    expect(out).toBe("x");
    expect(await redis.exists(k)).toBe(0);
  });

  test("an unreachable Redis fails the action with the URL and why, under the action's name", async () => {
    const port = await closedPort();
    const f = await failure("!!play.echo first\n!!redis.get key:x", {
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(f.errorKind).toBe("script");
    expect(f.message).toBe(
      `line 2: !!redis.get: Redis at redis://127.0.0.1:${port}: cannot connect: ECONNREFUSED`,
    );
  });

  test("an unknown or missing parameter fails before anything runs", async () => {
    const k = `${prefix}:never`;
    const unknown = await failure(`!!redis.set key:${k} val:1\n!!redis.get key:${k} colour:red`);
    expect(unknown.message).toBe(
      "line 2: !!redis.get: unknown parameter 'colour' (known: key, env)",
    );
    const missing = await failure(`!!redis.set key:${k}`);
    expect(missing.message).toBe("line 1: !!redis.set: missing parameter 'val' or 'value'");
    expect(await redis.exists(k)).toBe(0);
  });
});

describe("postgres.*", () => {
  test("statements with bound parameters; a quote in a value stays data; rows print as JSON lines", async () => {
    const tricky = "O'Brien'); drop table nobody; --";
    const ctx = context(
      [
        `!!postgres.connect url:'${PG_URL}'`,
        `!!postgres.execute sql:'create table ${table} (id serial primary key, name text, score int, big bigint, at date)'`,
        `!!postgres.execute sql:'insert into ${table} (name, score, big, at) values ($1, $2, $3, $4)'`,
        "  params:'${NAME}', 42, 9007199254740993, 2026-01-31",
        `!!postgres.execute sql:'insert into ${table} (name, score) values ($1, $2)' params:"plain", 7 env:INSERTED`,
        "!!play.echo content:'inserted {INSERTED}'",
        `!!postgres.query sql:'select name, score, big, at from ${table} where score > $1 order by id' params:1`,
        `!!postgres.query_one sql:'select count(*) as n from ${table}' env:COUNT`,
        "!!play.echo content:'count {COUNT}'",
        `!!postgres.query_one sql:'select name from ${table} where score = $1' params:7`,
      ].join("\n"),
      { NAME: tricky },
    );
    const out = await executor().execute(ctx);
    expect(out.split("\n")).toEqual([
      "inserted 1",
      `{"name":${JSON.stringify(tricky)},"score":42,"big":9007199254740993,"at":"2026-01-31"}`,
      '{"name":"plain","score":7,"big":null,"at":null}',
      "count 2",
      '{"name":"plain"}',
    ]);
    expect(ctx.lines).toContain("postgres: 2 rows");
    const check = await db.query(`select name from ${table} where score = 42`);
    expect(check.rows).toEqual([{ name: tricky }]);
  });

  test("a bad env or require fails before the statement runs", async () => {
    await db.query(`create table ${table}_b (n int)`);
    const f = await failure(`!!postgres.execute sql:'insert into ${table}_b values (1)' env:''`, {
      DATABASE_URL: PG_URL,
    });
    expect(f.message).toBe("line 1: !!postgres.execute: parameter 'env' must not be empty");
    const r = await failure("!!postgres.ping require:maybe", { DATABASE_URL: PG_URL });
    expect(r.message).toBe(
      "line 1: !!postgres.ping: parameter 'require' must be a boolean (true/false, yes/no, 1/0), got 'maybe'",
    );
    expect((await db.query(`select count(*)::int as n from ${table}_b`)).rows).toEqual([{ n: 0 }]);
  });

  test("the job's DATABASE_URL is used without connect; SQL errors carry the server's word", async () => {
    const f = await failure(`!!postgres.query sql:'select * from ${table}_missing'`, {
      DATABASE_URL: PG_URL,
    });
    expect(f.message).toBe(
      `line 1: !!postgres.query: relation "${table}_missing" does not exist (SQLSTATE 42P01) [PostgreSQL at 127.0.0.1:5432/test as root]`,
    );
  });

  test("query_one with env wants one column; ping prints true and require fails on false", async () => {
    const two = await failure("!!postgres.query_one sql:'select 1 as a, 2 as b' env:X", {
      DATABASE_URL: PG_URL,
    });
    expect(two.message).toBe(
      "line 1: !!postgres.query_one: with 'env' the query must return one column, it returned 2 (a, b)",
    );
    expect(await play("!!postgres.ping", { DATABASE_URL: PG_URL })).toBe("true");
    const port = await closedPort();
    const down = `postgres://root@127.0.0.1:${port}/test`;
    expect(await play("!!postgres.ping", { DATABASE_URL: down })).toBe("false");
    const required = await failure("!!postgres.ping require:true", { DATABASE_URL: down });
    expect(required.message).toBe("line 1: !!postgres.ping: PostgreSQL: check failed");
  });

  test("connect with parts; 'url' and parts together are refused", async () => {
    const out = await play(
      [
        "!!postgres.connect host:127.0.0.1 port:5432 user:root database:test",
        "!!postgres.query_one sql:'select current_database() as db'",
      ].join("\n"),
    );
    expect(out).toBe('{"db":"test"}');
    const both = await failure(`!!postgres.connect url:'${PG_URL}' host:127.0.0.1`);
    expect(both.message).toBe("line 1: !!postgres.connect: give either 'url' or 'host', not both");
  });

  test("a timeout during a statement stops the job and cancels the statement on the server", async () => {
    const marker = `hero_sal_sleep_${randomUUID().slice(0, 8)}`;
    const ctx = context(
      `!!postgres.query sql:'select pg_sleep(30), $1::text as m' params:${marker}`,
      {
        DATABASE_URL: PG_URL,
      },
    );
    const started = Date.now();
    const running = executor().execute(ctx);
    // Wait until the statement runs on the server, then time the job out.
    const activity = () =>
      db.query(
        "select count(*)::int as n from pg_stat_activity where query like $1 and pid <> pg_backend_pid()",
        ["%pg_sleep(30)%"],
      );
    for (let i = 0; i < 100 && (await activity()).rows[0].n === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    ctx.controller.abort("timeout");
    const e = await running.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(JobFailure);
    expect((e as JobFailure).errorKind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(10_000);
    let left = 1;
    for (let i = 0; i < 100 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const r = await db.query(
        "select count(*)::int as n from pg_stat_activity where state = 'active' and query like $1 and pid <> pg_backend_pid()",
        ["%pg_sleep(30)%"],
      );
      left = r.rows[0].n;
    }
    expect(left).toBe(0);
  });
});

describe("net.*", () => {
  test("TCP and HTTP checks print true or false; reads print the status and the body", async () => {
    const closed = await closedPort();
    const out = await play(
      [
        `!!net.tcp_check host:127.0.0.1 port:${tcpPort}`,
        `!!net.tcp_check host:127.0.0.1 port:${closed} timeout:2s`,
        `!!net.http_check url:'${httpBase}/hello'`,
        `!!net.http_check url:'${httpBase}/broken'`,
        `!!net.http_status url:'${httpBase}/nothing'`,
        `!!net.http_status url:'${httpBase}/hello' env:STATUS`,
        `!!net.http_get url:'${httpBase}/hello'`,
        "!!play.echo content:'status {STATUS}'",
      ].join("\n"),
    );
    expect(out).toBe(
      ["true", "false", "true", "false", "404", "hello", "world", "status 200"].join("\n"),
    );
  });

  test("require:true turns a false check into a failure; http_get fails on an error status", async () => {
    const closed = await closedPort();
    const down = await failure(`!!net.tcp_check host:127.0.0.1 port:${closed} require:true`);
    expect(down.message).toBe(`line 1: !!net.tcp_check: 127.0.0.1:${closed}: check failed`);
    const broken = await failure(`!!net.http_get url:'${httpBase}/broken'`);
    expect(broken.message).toBe(`line 1: !!net.http_get: ${httpBase}/broken answered HTTP 500`);
    const badPort = await failure("!!net.tcp_check host:127.0.0.1 port:70000");
    expect(badPort.message).toBe(
      "line 1: !!net.tcp_check: port must be between 1 and 65535, got 70000",
    );
  });

  test("a timeout parameter bounds a request that never answers", async () => {
    const started = Date.now();
    const f = await failure(`!!net.http_get url:'${httpBase}/hang' timeout:300ms`);
    expect(f.message).toBe(`line 1: !!net.http_get: ${httpBase}/hang did not answer within 0.3s`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("the job's end stops a request in flight", async () => {
    const ctx = context(`!!net.http_get url:'${httpBase}/hang'`);
    const running = executor().execute(ctx);
    setTimeout(() => ctx.controller.abort("cancel"), 200);
    const e = await running.catch((err: unknown) => err);
    expect((e as JobFailure).errorKind).toBe("cancelled");
  });
});

describe("os.download*", () => {
  test("an archive is unpacked into a folder, a file lands at its path; both relative to the script", async () => {
    const out = await executor({ baseDir: dir }).execute(
      context(
        [
          `!!os.download url:'${httpBase}/pkg.tar.gz' dest:unpacked env:WHERE`,
          `!!os.download_file url:'${httpBase}/data.json' dest:files/data.json min_size:0`,
          "!!play.echo content:'{WHERE}'",
        ].join("\n"),
      ),
    );
    expect(out).toBe(join(dir, "unpacked"));
    expect(await readFile(join(dir, "unpacked", "hello.txt"), "utf8")).toBe(
      "hi from the archive\n",
    );
    expect(await readFile(join(dir, "files", "data.json"), "utf8")).toBe('{"a":1}');
  });

  test("a file smaller than min_size fails and is not kept", async () => {
    const e = await executor({ baseDir: dir })
      .execute(
        context(`!!os.download_file url:'${httpBase}/data.json' dest:small.json min_size:1kb`),
      )
      .catch((err: unknown) => err);
    expect((e as JobFailure).message).toBe(
      `line 1: !!os.download_file: downloaded 7 bytes from ${httpBase}/data.json, expected at least 1 KB`,
    );
    expect(existsSync(join(dir, "small.json"))).toBe(false);
  });
});

describe("SalHost", () => {
  test("cleanups run when the play ends, and close() closes the modules' shared connections", async () => {
    const host = new SalHost({ redisUrl: "redis://127.0.0.1:6379", databaseUrl: PG_URL });
    const lines: string[] = [];
    const play = host.beginPlay(
      { jobId: randomUUID(), callerId: "me", contextId: "c", signatories: [] },
      new AbortController().signal,
      (l) => lines.push(l),
    );
    const env: Record<string, string> = {};
    const redisCtx = play.context(redisModule, env);
    const ping = redisModule.functions.find((f) => f.name === "redis_ping");
    if (ping?.side !== "main") throw new Error("redis_ping is a main-side function");
    expect(await ping.run(redisCtx, [])).toBe("PONG");
    const pgCtx = play.context(postgresModule, env);
    const pgPing = postgresModule.functions.find((f) => f.name === "pg_ping");
    if (pgPing?.side !== "main") throw new Error("pg_ping is a main-side function");
    expect(await pgPing.run(pgCtx, [])).toBe(true);

    let cleaned = false;
    redisCtx.onJobEnd(() => {
      cleaned = true;
    });
    expect(redisCtx.signal.aborted).toBe(false);
    await play.end();
    expect(cleaned).toBe(true);
    expect(redisCtx.signal.aborted).toBe(true);
    expect(() => play.context(redisModule, env)).toThrow("the job has ended");

    const client = [...host.sharedOf(redisModule).values()][0] as Redis;
    const pool = [...host.sharedOf(postgresModule).values()][0] as pg.Pool;
    expect(client.status).toBe("ready");
    await host.close();
    // QUIT is answered before the socket closes: the client ends a moment later.
    await expect.poll(() => client.status).toBe("end");
    expect(pool.ended).toBe(true);
    expect(() =>
      host.beginPlay(
        { jobId: "x", callerId: "", contextId: "", signatories: [] },
        new AbortController().signal,
        () => {},
      ),
    ).toThrow("the SAL host is closed");
  });

  test("every SAL action is declared with its parameters", () => {
    const names = salActionCatalog().map((d) => d.name);
    expect(names).toEqual(
      expect.arrayContaining(["redis.get", "postgres.query", "net.tcp_check", "net.http_get"]),
    );
    for (const d of salActionCatalog()) expect(d.params).toBeDefined();
  });
});

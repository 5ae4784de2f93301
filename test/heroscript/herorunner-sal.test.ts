// The SAL actions through real processes (from dist/): a `herorunner` with --data-redis-url
// and --database-url takes signed jobs whose scripts use Redis, PostgreSQL, TCP and HTTP;
// and `hero run` does the same locally, exiting once the script is done.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import type { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { distBin, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const PG_URL = "postgres://root@127.0.0.1:5432/test";
/** The scripts' data Redis: another database than the queue's, to show the option is used. */
const DATA_REDIS_URL = "redis://127.0.0.1:6379/3";
const key = generateKeyPair();
const prefix = `test-herorunner-sal-${randomUUID().slice(0, 8)}`;
const table = `herorunner_sal_${randomUUID().slice(0, 8)}`;

let redis: Redis;
let data: Redis;
let db: pg.Client;
let tcp: TcpServer;
let tcpPort: number;
let http: HttpServer;
let httpBase: string;
const cleanups: (() => Promise<unknown>)[] = [];

function listen(server: TcpServer | HttpServer): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

beforeAll(async () => {
  redis = testRedis();
  data = testRedis(DATA_REDIS_URL);
  db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  tcp = createTcpServer((socket) => socket.end());
  tcpPort = await listen(tcp);
  http = createHttpServer((req, res) => {
    res.end(req.url === "/version" ? "v2.1\n" : "?");
  });
  httpBase = `http://127.0.0.1:${await listen(http)}`;
});

afterAll(async () => {
  await dropNamespace(data, prefix);
  await dropNamespace(redis, prefix);
  await Promise.all([redis.quit(), data.quit()]);
  await db.query(`drop table if exists ${table}`);
  await db.end();
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await new Promise((r) => tcp.close(r));
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup() {
  const ns = uniqueNamespace("hero-sal");
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  const runner = await startRunner({
    script: distBin("herorunner"),
    runnerId: "hero-sal",
    namespace: ns,
    trustedKeys: [key.public_key],
    redisUrl: REDIS_URL,
    args: ["--data-redis-url", DATA_REDIS_URL, "--database-url", PG_URL],
  });
  cleanups.push(async () => {
    await runner.stop("SIGKILL");
    await client.close();
    await dropNamespace(redis, ns);
  });
  const job = (payload: string, extra: Partial<Job> = {}): Job =>
    signJob(
      { ...createJob({ payload, runner: "hero-sal", timeout: 20, executor: "hero" }), ...extra },
      key.private_key,
    );
  return { client, runner, job };
}

test("a job sets and reads Redis keys, runs SQL with a bound quote, checks a port and fetches a URL", async () => {
  const s = await setup();
  const quoted = "d'Artagnan";
  const payload = [
    `!!net.tcp_check host:127.0.0.1 port:${tcpPort} require:true`,
    `!!net.http_get url:'${httpBase}/version' env:VERSION`,
    `!!redis.set key:${prefix}:version val:'{VERSION}'`,
    `!!redis.get key:${prefix}:version`,
    `!!postgres.execute sql:'create table ${table} (name text, version text)'`,
    `!!postgres.execute sql:'insert into ${table} values ($1, $2)' params:'{WHO}','{VERSION}'`,
    `!!postgres.query sql:'select name, version from ${table} where name = $1' params:'{WHO}'`,
  ].join("\n");
  const job = s.job(payload, { env_vars: { WHO: quoted } });
  const record = await s.client.run(job, 30);
  expect(record.error ?? "").toBe("");
  expect(record.status).toBe("finished");
  expect(record.result).toEqual({
    success: `true\nv2.1\n${JSON.stringify({ name: quoted, version: "v2.1" })}`,
  });
  // The data Redis got the key, the queue's database did not.
  expect(await data.get(`${prefix}:version`)).toBe("v2.1");
  expect(await redis.exists(`${prefix}:version`)).toBe(0);
  expect((await db.query(`select name from ${table}`)).rows).toEqual([{ name: quoted }]);
  expect(await s.client.logs(job.id)).toEqual(
    expect.arrayContaining(["VERSION set", "postgres: 1 rows affected"]),
  );

  // A failing SAL action fails the job with the action, its line and the server's word.
  const bad = await s.client.run(
    s.job(`!!play.echo ok\n!!postgres.query sql:'select nope from ${table}'`),
    30,
  );
  expect(bad).toMatchObject({ status: "error", error_kind: "script" });
  expect(bad.error).toBe(
    `line 2: !!postgres.query: column "nope" does not exist (SQLSTATE 42703) [PostgreSQL at 127.0.0.1:5432/test as root]`,
  );
});

test("herorunner --help names the data options", async () => {
  const r = await runToEnd(process.execPath, [distBin("herorunner"), "--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("--data-redis-url <url>");
  expect(r.stdout).toContain("--database-url <url>");
});

test("hero run uses the SAL actions with the caller's environment and exits when done", async () => {
  const k = `${prefix}:cli`;
  const started = Date.now();
  const r = await runToEnd(
    process.execPath,
    [
      distBin("hero"),
      "run",
      "-s",
      [
        `!!redis.set key:${k} val:from-cli`,
        `!!redis.get key:${k}`,
        "!!postgres.query_one sql:'select $1::int + 1 as n' params:41",
      ].join("\n"),
    ],
    { env: { REDIS_URL: DATA_REDIS_URL, DATABASE_URL: PG_URL } },
  );
  expect(r).toEqual({ code: 0, stdout: 'from-cli\n{"n":42}\n', stderr: "" });
  // Open connections would have kept it alive for the pools' idle timeout (30 s).
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await data.get(k)).toBe("from-cli");

  const listed = await runToEnd(process.execPath, [distBin("hero"), "actions"]);
  expect(listed.stdout).toContain("!!postgres.query\t");
  expect(listed.stdout).toContain("!!net.http_check\t");
});

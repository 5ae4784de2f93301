import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "vitest";
import { Blob, Float, RhaiRuntimeError, type Value } from "../../src/rhai/index.js";
import { postgresModule } from "../../src/sal/index.js";
import { callMain, mainContext, rejection, type TestMainContext } from "./helpers.js";

const ENV = {
  POSTGRES_HOST: "127.0.0.1",
  POSTGRES_PORT: "5432",
  POSTGRES_DB: "test",
  POSTGRES_USER: "root",
};
const shared = new Map<string, unknown>();
let ctx: TestMainContext;
let table: string;
const pg = (name: string, ...args: Value[]) => callMain(postgresModule, ctx, name, ...args);
const row = (o: Record<string, Value>) => new Map(Object.entries(o));

beforeEach(() => {
  table = `sal_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  ctx = mainContext({ envVars: ENV }, shared);
});
afterEach(async () => {
  if (!ctx.signal.aborted) await pg("pg_execute", `drop table if exists ${table}`);
  await ctx.end();
});
afterAll(async () => {
  const cleanup = mainContext({ envVars: ENV }, shared);
  await callMain(postgresModule, cleanup, "pg_execute", "select 1");
  await cleanup.end();
  await postgresModule.close?.(shared);
  expect(shared.size).toBe(0);
});

describe("postgres", () => {
  test("connect from the job's env, ping", async () => {
    expect(await pg("pg_connect")).toBe(true);
    expect(await pg("pg_ping")).toBe(true);
  });

  test("create, insert with bound parameters (quotes and all), query back", async () => {
    expect(
      await pg("pg_execute", `create table ${table} (id serial primary key, name text, n int)`),
    ).toBe(0);
    const tricky = "O'Brien\"); drop table x; --";
    expect(
      await pg("pg_execute", `insert into ${table} (name, n) values ($1, $2), ($3, $4)`, [
        tricky,
        1,
        "plain",
        2,
      ]),
    ).toBe(2);
    expect(await pg("pg_query", `select name, n from ${table} order by id`)).toEqual([
      row({ name: tricky, n: 1 }),
      row({ name: "plain", n: 2 }),
    ]);
    expect(
      await pg("pg_query_one", `select id, name from ${table} where name = $1`, [tricky]),
    ).toEqual(row({ id: 1, name: tricky }));
    expect(await pg("pg_execute", `update ${table} set n = n + 10 where n > $1`, [0])).toBe(2);
  });

  test("values come back as Rhai values", async () => {
    const r = (await pg(
      "pg_query_one",
      `select 9007199254740993::int8 as big, 42::int8 as small, 1.5::float8 as f, 2::float8 as f2,
              12.50::numeric as num, true as b, null::text as nothing,
              '{"a": [1, 2.5, "x", null]}'::jsonb as j, '\\x0102ff'::bytea as bytes,
              '2024-05-06 07:08:09+00'::timestamptz at time zone 'UTC' as ts, $1::text as echo`,
      [new Float(0.25)],
    )) as Map<string, Value>;
    expect(r.get("big")).toBe(9007199254740993n);
    expect(r.get("small")).toBe(42);
    expect(r.get("f")).toEqual(new Float(1.5));
    expect(r.get("f2")).toEqual(new Float(2));
    expect(r.get("num")).toBe("12.50");
    expect(r.get("b")).toBe(true);
    expect(r.has("nothing")).toBe(true);
    expect(r.get("nothing")).toBeUndefined();
    expect(r.get("j")).toEqual(row({ a: [1, new Float(2.5), "x", undefined] }));
    expect(r.get("bytes")).toEqual(new Blob([1, 2, 255]));
    expect(r.get("ts")).toBe("2024-05-06 07:08:09");
    expect(r.get("echo")).toBe("0.25");
  });

  test("parameters: unit is NULL, maps are JSON, arrays are arrays, bigints exact", async () => {
    const r = (await pg(
      "pg_query_one",
      "select $1::text is null as isnull, ($2::jsonb)->>'k' as k, array_length($3::int[], 1) as len, $4::int8 as big",
      [undefined, row({ k: "v" }), [1, 2, 3], 9007199254740995n],
    )) as Map<string, Value>;
    expect(r).toEqual(row({ isnull: true, k: "v", len: 3, big: 9007199254740995n }));
  });

  test("SQL errors carry the server's message and SQLSTATE", async () => {
    const e = await rejection(pg("pg_query", `select * from ${table}_missing`));
    expect(e).toBeInstanceOf(RhaiRuntimeError);
    expect(e.message).toBe(
      `pg_query: relation "${table}_missing" does not exist (SQLSTATE 42P01) [PostgreSQL at 127.0.0.1:5432/test as root]`,
    );
  });

  test("pg_query_one without a row, and bad parameters, are errors", async () => {
    expect((await rejection(pg("pg_query_one", "select 1 where false"))).message).toBe(
      "pg_query_one: the query returned no row",
    );
    const e = await rejection(pg("pg_query", "select $1", [() => 1] as unknown as Value[]));
    expect(e.message).toContain("pg_query: parameter $1 cannot be sent to PostgreSQL");
  });

  test("pg_connect with a URL or a map; a bad target is a clear error and pg_ping says false", async () => {
    expect(await pg("pg_connect", "postgres://root@127.0.0.1:5432/test")).toBe(true);
    expect(await pg("pg_query_one", "select current_database() as db")).toEqual(
      row({ db: "test" }),
    );
    expect(
      await pg("pg_connect", row({ host: "127.0.0.1", user: "root", database: "postgres" })),
    ).toBe(true);
    expect(await pg("pg_query_one", "select current_database() as db")).toEqual(
      row({ db: "postgres" }),
    );
    const e = await rejection(pg("pg_connect", row({ host: "127.0.0.1", port: 1, user: "root" })));
    expect(e.message).toMatch(
      /^pg_connect: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/.* as root: .*ECONNREFUSED/,
    );
    expect((await rejection(pg("pg_connect", row({ hots: "x" })))).message).toContain(
      'unknown option "hots"',
    );
    const down = mainContext({ envVars: { ...ENV, POSTGRES_PORT: "1" } }, shared);
    expect(await callMain(postgresModule, down, "pg_ping")).toBe(false);
    await down.end();
  });

  test("a query stops when the job ends", async () => {
    const running = pg("pg_query", "select pg_sleep(20)");
    await sleep(200);
    const started = Date.now();
    await ctx.end();
    const e = await rejection(running);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e.message).toContain("the job ended during the query");
    // ...and the server stopped the statement too.
    const check = mainContext({ envVars: ENV }, shared);
    let left: Value[] = [];
    for (let i = 0; i < 20; i++) {
      left = (await callMain(
        postgresModule,
        check,
        "pg_query",
        "select pid from pg_stat_activity where query = $1 and state = 'active'",
        ["select pg_sleep(20)"],
      )) as Value[];
      if (left.length === 0) break;
      await sleep(100);
    }
    await check.end();
    expect(left).toEqual([]);
  });
});

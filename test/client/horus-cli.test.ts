// The `horus` command, run for real against a real runner process and Redis.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const ns = uniqueNamespace("cli");
let redis: Redis;
let runner: Proc;
let keys: { private_key: string; public_key: string };

function horus(args: string[], input?: string, env: Record<string, string> = {}) {
  return runToEnd(
    process.execPath,
    [distBin("horus"), "--redis-url", REDIS_URL, "--namespace", ns, ...args],
    {
      input,
      env,
    },
  );
}

beforeAll(async () => {
  redis = testRedis();
  const gen = await runToEnd(process.execPath, [distBin("horus"), "keygen"]);
  keys = JSON.parse(gen.stdout);
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "cli",
    namespace: ns,
    trustedKeys: [keys.public_key],
    redisUrl: REDIS_URL,
  });
});

afterAll(async () => {
  await runner.stop("SIGKILL");
  await dropNamespace(redis, ns);
  await redis.quit();
});

describe("horus", () => {
  test("keygen prints a key pair as JSON", () => {
    expect(Object.keys(keys).sort()).toEqual(["private_key", "public_key"]);
    expect(keys.private_key).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.public_key).toMatch(/^0[23][0-9a-f]{64}$/);
  });

  test("run --script - prints the output and exits 0; env and key from the environment", async () => {
    const r = await horus(
      ["run", "--runner", "cli", "--script", "-", "--env", "WHO=world"],
      "echo hello\nenv WHO",
      {
        HORUS_SIGNING_KEY: keys.private_key,
      },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("hello\nworld\n");
  });

  test("run of a failing job prints the error on stderr and exits 1; --json gives the record", async () => {
    const file = join(tmpdir(), `horus-${ns}.txt`);
    writeFileSync(file, "fail it broke");
    const r = await horus(["run", "--runner", "cli", "--script", file, "--key", keys.private_key]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed \(script\): it broke/);
    const j = await horus([
      "run",
      "--runner",
      "cli",
      "--script",
      file,
      "--key",
      keys.private_key,
      "--json",
    ]);
    expect(j.code).toBe(1);
    const record = JSON.parse(j.stdout);
    expect(record).toMatchObject({
      status: "error",
      error: "it broke",
      error_kind: "script",
      attempts: 1,
    });
    expect(Date.parse(record.finished_at)).toBeGreaterThanOrEqual(Date.parse(record.started_at));
  });

  test("submit, then status, result, logs and logs --follow", async () => {
    const s = await horus(
      ["submit", "--runner", "cli", "--script", "-", "--key", keys.private_key],
      "log one\nsleep 300\nlog two\necho out",
    );
    expect(s.code).toBe(0);
    const id = s.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const follow = await horus(["logs", id, "--follow"]);
    expect(follow.stdout).toBe("one\ntwo\n");
    const status = JSON.parse((await horus(["status", id])).stdout);
    expect(status).toMatchObject({ id, runner: "cli", status: "finished" });
    expect(JSON.parse((await horus(["result", id])).stdout)).toEqual({ success: "out" });
    expect((await horus(["logs", id])).stdout).toBe("one\ntwo\n");
  });

  test("submit --batch: one signature for every line, ids in order, each job runs", async () => {
    const file = join(tmpdir(), `horus-${ns}-batch.jsonl`);
    writeFileSync(
      file,
      [
        JSON.stringify({ payload: "echo first\nenv WHO" }),
        "",
        JSON.stringify({ payload: "env WHO", env_vars: { WHO: "line" }, priority: 7 }),
        JSON.stringify({ id: `${ns}-fixed` }),
      ].join("\n"),
    );
    // --runner, --env and --script are defaults: the last line takes the script's payload.
    const s = await horus(
      ["submit", "--batch", file, "--runner", "cli", "--env", "WHO=flag", "--script", "-"],
      "echo from script",
      { HORUS_SIGNING_KEY: keys.private_key },
    );
    expect(s.stderr).toBe("");
    expect(s.code).toBe(0);
    const ids = s.stdout.trim().split("\n");
    expect(ids).toHaveLength(3);
    expect(ids[2]).toBe(`${ns}-fixed`);
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    try {
      const records = await Promise.all(ids.map((id) => client.wait(id, 20)));
      expect(records.map((r) => r.result)).toEqual([
        { success: "first\nflag" },
        { success: "line" },
        { success: "from script" },
      ]);
      const jobs = await Promise.all(ids.map((id) => client.store.loadJob(id)));
      expect(new Set(jobs.map((j) => j?.signatures[0]?.signature)).size).toBe(1);
      expect(jobs.map((j) => j?.signatures[0]?.batch?.size)).toEqual([3, 3, 3]);
    } finally {
      await client.close();
    }
    // The same file again: the fixed id is taken, the others are new; exit 1, named.
    const again = await horus(
      ["submit", "--batch", file, "--runner", "cli", "--script", "-"],
      "echo x",
      {
        HORUS_SIGNING_KEY: keys.private_key,
      },
    );
    expect(again.code).toBe(1);
    expect(again.stdout.trim().split("\n")).toHaveLength(2);
    expect(again.stderr).toContain(
      `job ${ns}-fixed not submitted: a job with this id exists already`,
    );
    expect(again.stderr).toContain("1 of 3 jobs not submitted");
  });

  test("submit --batch: a bad line is a usage error naming the line, and nothing is queued", async () => {
    const before = await redis.llen(`${ns}:runner:cli:jobs`);
    const bad = await horus(
      ["submit", "--batch", "-", "--runner", "cli"],
      `${JSON.stringify({ payload: "echo ok" })}\n${JSON.stringify({ payload: "echo x", timeout: -1 })}\n`,
      { HORUS_SIGNING_KEY: keys.private_key },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "standard input line 2: the job would be refused: timeout: must be > 0",
    );
    const typo = await horus(["submit", "--batch", "-", "--runner", "cli"], '{"paylod": "x"}', {
      HORUS_SIGNING_KEY: keys.private_key,
    });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('line 1: unknown field "paylod"');
    const none = await horus(["submit", "--batch", "-"], '{"payload": "x"}', {
      HORUS_SIGNING_KEY: keys.private_key,
    });
    expect(none.stderr).toContain('line 1: no runner: give "runner" on the line, or --runner');
    const plain = await horus(["submit", "--script", "-"], "echo x", {
      HORUS_SIGNING_KEY: keys.private_key,
    });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("required option '--runner <id>' not specified");
    expect(await redis.llen(`${ns}:runner:cli:jobs`)).toBe(before);
  });

  test("logs --follow goes on past the log's line cap and says on stderr what it missed", async () => {
    // 10,005 lines: the log keeps the newest 10,000. The follow starts while the job sleeps
    // (3 s, far longer than the command takes to start), reads the first line, then reads on.
    const lines = ["log first", "sleep 3000"];
    for (let i = 1; i <= 10_004; i++) lines.push(`log line ${i}`);
    const s = await horus(
      ["submit", "--runner", "cli", "--script", "-", "--key", keys.private_key],
      lines.join("\n"),
    );
    expect(s.code).toBe(0);
    const follow = await horus(["logs", s.stdout.trim(), "--follow"]);
    expect(follow.code).toBe(0);
    const got = follow.stdout.trimEnd().split("\n");
    const breaks = [];
    for (let i = 1; i < got.length; i++)
      if (Number(got[i].slice(5)) !== Number(got[i - 1].slice(5)) + 1)
        breaks.push([i, got[i - 1], got[i]]);
    console.log("DEBUG", JSON.stringify(breaks.slice(0, 10)), got.length);
    expect(got[0]).toBe("first");
    expect(got.at(-1)).toBe("line 10004");
    // What it printed and what it was told it missed add up to every line the job logged.
    const missed = Number(/\((\d+) log lines? dropped/.exec(follow.stderr)?.[1] ?? 0);
    expect(got.length + missed).toBe(10_005);
    expect(new Set(got).size).toBe(got.length);
  });

  test("logs writes every line to a reader slower than the command", async () => {
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    const job = HorusClient.signedJob({ payload: "", runner: "cli-idle" }, [keys.private_key]);
    try {
      await client.store.store(job);
      await Promise.all(
        Array.from({ length: 5000 }, (_, i) =>
          client.store.appendLog(job.id, `line ${i} ${"x".repeat(60)}`),
        ),
      );
    } finally {
      await client.close();
    }
    // The reader takes nothing for a second: the pipe fills, and the command must wait for it
    // rather than exit with its output half written (before, 930 of the 5,000 lines came out).
    const horusCmd = [
      process.execPath,
      distBin("horus"),
      "--redis-url",
      REDIS_URL,
      "--namespace",
      ns,
    ];
    const r = await runToEnd("sh", [
      "-c",
      `${horusCmd.map((a) => `'${a}'`).join(" ")} logs ${job.id} | (sleep 1; cat)`,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(5000);
    expect(lines.at(-1)).toMatch(/^line 4999 /);
  });

  test("cancel a running job", async () => {
    const s = await horus(
      ["submit", "--runner", "cli", "--script", "-", "--key", keys.private_key],
      "sleep 10000",
    );
    const id = s.stdout.trim();
    await runner.waitFor(id);
    const c = await horus(["cancel", id]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain("asked to stop");
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    const record = await client.wait(id, 5);
    await client.close();
    expect(record).toMatchObject({ status: "error", error_kind: "cancelled" });
    expect((await horus(["cancel", id])).stdout).toContain("already ended");
  });

  test("runners lists the live instance", async () => {
    const r = await horus(["runners", "--json"]);
    const list = JSON.parse(r.stdout);
    expect(list.map((x: { runner_id: string }) => x.runner_id)).toEqual(["cli"]);
  });

  test("usage errors exit 2 with a clear message", async () => {
    const r = await horus(["run", "--runner", "cli", "--script", "-"], "echo x", {
      HORUS_SIGNING_KEY: "",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no signing key");
    const missing = await horus(["status", "no-such-job"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no job with id no-such-job");
  });

  test("an unreachable Redis is reported, not waited on forever", async () => {
    const r = await runToEnd(process.execPath, [
      distBin("horus"),
      "--redis-url",
      "redis://127.0.0.1:1",
      "status",
      "x",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach Redis at redis://127.0.0.1:1");
  });
});

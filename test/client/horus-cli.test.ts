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
    expect(status).toMatchObject({ id, status: "finished", output: "out" });
    expect(JSON.parse((await horus(["result", id])).stdout)).toEqual({ success: "out" });
    expect((await horus(["logs", id])).stdout).toBe("one\ntwo\n");
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

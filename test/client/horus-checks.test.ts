// What `horus` checks and says before and around a job (issue 20): a job a runner would
// refuse is refused before signing, keys are read from files and never echoed, jobs are
// signed and verified offline, a runner id nobody serves is named, and records read the
// same way as through the supervisor.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { generateKeyPair, JOB_LIMITS } from "../../src/job/index.js";
import { distBin, type Proc, ROOT, runToEnd, start, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "../supervisor/helpers.js";

const ns = uniqueNamespace("checks");
const keys = generateKeyPair();
const dir = mkdtempSync(join(tmpdir(), "horus-checks-"));
let redis: Redis;
let runner: Proc;

function horus(args: string[], input?: string, env: Record<string, string> = {}) {
  return runToEnd(
    process.execPath,
    [distBin("horus"), "--redis-url", REDIS_URL, "--namespace", ns, ...args],
    { input, env: { HORUS_SIGNING_KEY: "", ...env } },
  );
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Every job key and queue of the test's namespace: a refused job must leave none behind. */
async function namespaceKeys(): Promise<string[]> {
  const jobs = await redis.keys(`${ns}:job:*`);
  const queued = await redis.lrange(`${ns}:runner:served:jobs`, 0, -1);
  return [...jobs, ...queued].sort();
}

beforeAll(async () => {
  redis = testRedis();
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "served",
    namespace: ns,
    trustedKeys: [keys.public_key],
    redisUrl: REDIS_URL,
    // The payload-limit test echoes a 4 MiB payload back: room for it as a result.
    args: ["--max-result-bytes", String(8 * 1024 * 1024)],
  });
});

afterAll(async () => {
  await runner.stop("SIGKILL");
  await dropNamespace(redis, ns);
  await redis.quit();
});

describe("a job a runner would refuse is refused before it is signed", () => {
  const script = file("echo.txt", "echo hi");
  const cases: [string, string[], string][] = [
    [
      "a timeout that is not a number",
      ["--timeout", "abc"],
      "horus: --timeout: expected a number of seconds, got 'abc'",
    ],
    ["a negative timeout", ["--timeout", "-5"], "--timeout: timeout must be > 0"],
    [
      "a timeout past 7 days",
      ["--timeout", "99999999999"],
      "--timeout: timeout must be at most 7 days",
    ],
    ["a timeout of zero", ["--timeout", "0"], "--timeout: timeout must be > 0"],
  ];
  for (const [what, flags, message] of cases)
    test(what, async () => {
      const before = await namespaceKeys();
      const r = await horus([
        "submit",
        "--runner",
        "served",
        "--script",
        script,
        ...flags,
        "--key",
        keys.private_key,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe("");
      expect(await namespaceKeys()).toEqual(before);
    });

  test("the payload limit holds at its edge: 4 MiB goes, one byte more does not", async () => {
    const edge = file("edge.txt", `echo ${"a".repeat(JOB_LIMITS.payloadBytes - 5)}`);
    const over = file("over.txt", `echo ${"a".repeat(JOB_LIMITS.payloadBytes - 4)}`);
    const refused = await horus([
      "submit",
      "--runner",
      "served",
      "--script",
      over,
      "--key",
      keys.private_key,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `--script: payload is larger than ${JOB_LIMITS.payloadBytes} bytes`,
    );
    const run = await horus([
      "run",
      "--runner",
      "served",
      "--script",
      edge,
      "--key",
      keys.private_key,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(JOB_LIMITS.payloadBytes - 5 + 1);
  });

  test("too many env vars name --env", async () => {
    const env = Array.from({ length: JOB_LIMITS.envVars + 1 }, (_, i) => [
      "--env",
      `V${i}=x`,
    ]).flat();
    const r = await horus([
      "submit",
      "--runner",
      "served",
      "--script",
      script,
      ...env,
      "--key",
      keys.private_key,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--env: env_vars has more than ${JOB_LIMITS.envVars} variables`);
  });
});

describe("signing keys", () => {
  const script = file("key.txt", "echo signed");

  test("--key @FILE reads the key alone, or horus keygen's JSON", async () => {
    const plain = file("plain.key", `# ops\n${keys.private_key}\n`);
    const json = file("keygen.json", JSON.stringify(keys));
    for (const keyFile of [plain, json]) {
      const r = await horus([
        "run",
        "--runner",
        "served",
        "--script",
        script,
        "--key",
        `@${keyFile}`,
      ]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("signed\n");
    }
    const env = await horus(["run", "--runner", "served", "--script", script], undefined, {
      HORUS_SIGNING_KEY: `@${plain}`,
    });
    expect(env.stdout).toBe("signed\n");
  });

  test("a wrong key is refused without showing any part of it", async () => {
    const secret = keys.private_key;
    const wrongs = [
      `${secret.slice(0, 63)}`,
      `${secret}00`,
      `${secret.slice(0, 60)}zzzz`,
      keys.public_key,
    ];
    for (const wrong of wrongs) {
      const r = await horus(["submit", "--runner", "served", "--script", script, "--key", wrong]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--key/);
      // Not the key, nor any 8 characters in a row of it.
      for (let i = 0; i + 8 <= wrong.length; i += 4)
        expect(r.stderr).not.toContain(wrong.slice(i, i + 8));
    }
    const misplaced = await horus([
      "submit",
      "--runner",
      "served",
      "--script",
      script,
      "--key",
      keys.private_key,
      "--env",
      secret,
    ]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain("--env takes KEY=VALUE");
    expect(misplaced.stderr).not.toContain(secret.slice(0, 8));
    const keyFile = file("typo.key", `${secret.slice(0, 62)}\n`);
    const fromFile = await horus([
      "submit",
      "--runner",
      "served",
      "--script",
      script,
      "--key",
      `@${keyFile}`,
    ]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).not.toContain(secret.slice(0, 8));
  });

  test("a runner given a private key as trusted key refuses it without echoing it", async () => {
    const r = await runToEnd(process.execPath, [
      `${ROOT}test/fixtures/test-runner.mjs`,
      "r1",
      "--trusted-keys",
      keys.private_key,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the size of a private key");
    expect(r.stderr).not.toContain(keys.private_key.slice(0, 8));
  });
});

describe("horus sign and horus verify", () => {
  test("sign prints a signed job; verify checks it, and finds any change", async () => {
    const script = file("sign.txt", "echo from a file");
    const signed = await horus([
      "sign",
      "--runner",
      "served",
      "--script",
      script,
      "--key",
      keys.private_key,
    ]);
    expect(signed.code).toBe(0);
    const job = JSON.parse(signed.stdout);
    expect(job).toMatchObject({ runner: "served", payload: "echo from a file" });
    expect(job.signatures).toEqual([
      { public_key: keys.public_key, signature: expect.any(String) },
    ]);
    // Nothing was submitted.
    expect(await redis.exists(`${ns}:job:${job.id}`)).toBe(0);

    const jobFile = file("job.json", signed.stdout);
    const ok = await horus(["verify", jobFile]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      id: job.id,
      runner: "served",
      signed_by: [keys.public_key],
    });
    expect((await horus(["verify", jobFile, "--trusted-keys", keys.public_key])).code).toBe(0);
    const untrusted = await horus([
      "verify",
      jobFile,
      "--trusted-keys",
      generateKeyPair().public_key,
    ]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain("no valid signature is by a trusted key");

    const tampered = await horus(["verify", "-"], JSON.stringify({ ...job, timeout: 61 }));
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("signature does not match the job");
    const invalid = await horus(["verify", "-"], JSON.stringify({ ...job, timeout: -1 }));
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("timeout");

    // The signed job is one a runner takes as it is: submitted by hand, it runs.
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    try {
      const record = await client.run(JSON.parse(readFileSync(jobFile, "utf8")));
      expect(record).toMatchObject({ status: "finished", result: { success: "from a file" } });
    } finally {
      await client.close();
    }
  });
});

describe("a runner id nobody serves", () => {
  test("submit says so on stderr and still queues the job", async () => {
    const r = await horus(
      ["submit", "--runner", "nobody", "--script", "-", "--key", keys.private_key],
      "echo x",
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no live instance serves runner "nobody"');
    const id = r.stdout.trim();
    expect(await redis.lrange(`${ns}:runner:nobody:jobs`, 0, -1)).toContain(id);
    // logs --follow says the same instead of waiting silently; the job is cancelled meanwhile.
    const follow = start(process.execPath, [
      ...[distBin("horus"), "--redis-url", REDIS_URL, "--namespace", ns],
      ...["logs", "-f", id],
    ]);
    await follow.waitFor('no live instance serves runner "nobody"');
    expect((await horus(["cancel", id])).code).toBe(0);
    expect(await follow.exited).toEqual({ code: 1, signal: null });
    expect(follow.stderrLines.join("\n")).toContain("ended in error (cancelled)");
  });

  test("run says so at once and gives up after --timeout, saying why", async () => {
    const r = await horus(
      ["run", "--runner", "nobody", "--timeout", "2", "--script", "-", "--key", keys.private_key],
      "echo x",
    );
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toContain('no live instance serves runner "nobody"');
    expect(r.stderr).toContain("did not end within 2 s");
    expect(r.stderr).toContain("stays queued");
  });

  test("a served runner gets no such warning", async () => {
    const r = await horus(
      ["submit", "--runner", "served", "--script", "-", "--key", keys.private_key],
      "echo x",
    );
    expect(r.stderr).toBe("");
  });
});

describe("horus logs --follow", () => {
  test("exits 1 when the job ended in error or timeout, 0 when it finished", async () => {
    const submit = async (payload: string, timeout = "30") =>
      (
        await horus(
          [
            "submit",
            "--runner",
            "served",
            "--timeout",
            timeout,
            "--script",
            "-",
            "--key",
            keys.private_key,
          ],
          payload,
        )
      ).stdout.trim();
    const failed = await horus(["logs", "-f", await submit("log before\nfail broken")]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("before\n");
    expect(failed.stderr).toContain("ended in error (script): broken");
    const timedOut = await horus(["logs", "-f", await submit("sleep 5000", "1")]);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toContain("(timeout)");
    const finished = await horus(["logs", "-f", await submit("log fine")]);
    expect(finished.code).toBe(0);
    expect(finished.stderr).toBe("");
  });
});

describe("records and runners as horus prints them", () => {
  let sup: RunningSupervisor;
  beforeAll(async () => {
    sup = await startSupervisor(ns);
  });
  afterAll(async () => {
    await sup.proc.stop();
  });

  test("status has the supervisor's job.status shape, the runner id included, by either way", async () => {
    const id = (
      await horus(
        ["submit", "--runner", "served", "--script", "-", "--key", keys.private_key],
        "echo out",
      )
    ).stdout.trim();
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    await client.wait(id, 20);
    await client.close();
    const viaRedis = JSON.parse((await horus(["status", id])).stdout);
    const viaSupervisor = JSON.parse(
      (await horus(["--supervisor", sup.url, "--api-key", sup.adminKey, "status", id])).stdout,
    );
    const rpc = await httpCall(sup.url, "job.status", { job_id: id }, sup.adminKey);
    expect(viaRedis).toEqual(rpc.result);
    expect(viaSupervisor).toEqual(rpc.result);
    expect(viaRedis).toMatchObject({ id, runner: "served", status: "finished" });
    expect(Object.keys(viaRedis)).toEqual(Object.keys(rpc.result as object));
    expect(viaRedis).not.toHaveProperty("output");
    // run --json: the same fields, and the result as job.result gives it.
    const run = await horus(
      ["run", "--runner", "served", "--script", "-", "--json", "--key", keys.private_key],
      "echo json",
    );
    const record = JSON.parse(run.stdout);
    expect(record.result).toEqual({ success: "json" });
    expect(Object.keys(record)).toEqual([...Object.keys(rpc.result as object), "result"]);
  });

  test("runners prints a header row, and --json the instances", async () => {
    const table = await horus(["runners"]);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split("\n");
    expect(header?.split(/\s+/)).toEqual([
      "RUNNER",
      "INSTANCE",
      "KIND",
      "CONCURRENCY",
      "RUNNING",
      "DONE",
      "SINCE",
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.split(/\s+/).slice(0, 4)).toEqual(["served", expect.any(String), "test", "1"]);
    const json = JSON.parse((await horus(["runners", "--json"])).stdout);
    expect(json.map((r: { runner_id: string }) => r.runner_id)).toEqual(["served"]);
    const none = await horus(["runners", "nobody"]);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain('no live instance of runner "nobody"');
  });
});

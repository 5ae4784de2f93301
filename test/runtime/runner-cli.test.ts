// The command-line front every runner shares.

import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readTrustedKeys } from "../../src/cli/trusted-keys.js";
import { HorusClient } from "../../src/client/index.js";
import { generateKeyPair } from "../../src/job/index.js";
import { type Proc, ROOT, runToEnd, start, startRunner } from "../helpers/processes.js";
import { REDIS_URL, uniqueNamespace } from "../helpers/redis.js";
import { OwnRedis } from "../helpers/redis-server.js";

const RUNNER = `${ROOT}test/fixtures/test-runner.mjs`;

describe("runner command line", () => {
  test("refuses to start without trusted keys, and says why", async () => {
    const r = await runToEnd(process.execPath, [RUNNER, "r1"], { env: { HORUS_TRUSTED_KEYS: "" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no trusted keys");
    expect(r.stderr).toContain("--trusted-keys");
  });

  test("a malformed trusted key is named", async () => {
    const r = await runToEnd(process.execPath, [RUNNER, "r1", "--trusted-keys", "abcd"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('trusted key "abcd');
  });

  test("--help lists the shared options; --version prints the version", async () => {
    const help = await runToEnd(process.execPath, [RUNNER, "--help"]);
    expect(help.code).toBe(0);
    for (const flag of [
      "--redis-url",
      "--concurrency",
      "--trusted-keys",
      "--namespace",
      "--log-level",
      "--max-job-age",
      "--max-flow-age",
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const version = await runToEnd(process.execPath, [RUNNER, "--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("bad option values are usage errors, one line each naming the flag", async () => {
    const r = await runToEnd(process.execPath, [
      RUNNER,
      "r1",
      ...["--concurrency", "0", "--max-attempts", "x", "--max-flow-age", "0"],
      ...["--trusted-keys", generateKeyPair().public_key],
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "test-runner: --concurrency: expected a whole number >= 1, got '0'\n" +
        "test-runner: --max-flow-age: expected a number of seconds > 0, got '0'\n" +
        "test-runner: --max-attempts: expected a whole number >= 1, got 'x'\n",
    );
  });

  test("trusted keys from a file: one per line, comments allowed", () => {
    const a = generateKeyPair().public_key;
    const b = generateKeyPair().public_key;
    const file = join(tmpdir(), `keys-${process.pid}.txt`);
    writeFileSync(file, `# ops team\n${a}\n\n${b} # ci\n`);
    expect(readTrustedKeys(`@${file}`)).toEqual(new Set([a, b]));
    expect(() => readTrustedKeys("@/no/such/file")).toThrow(
      "cannot read trusted keys from /no/such/file",
    );
  });
});

/** The process's exit, or a failure naming the limit when it is still alive after `ms`. */
function exitWithin(proc: Proc, ms: number) {
  return Promise.race([
    proc.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => {
        proc.child.kill("SIGKILL");
        reject(new Error(`still running ${ms} ms after the signal:\n${proc.output()}`));
      }, ms),
    ),
  ]);
}

describe("stopping a runner", () => {
  const keys = generateKeyPair();

  test("a runner that cannot reach Redis exits promptly on SIGTERM", async () => {
    const proc = start(process.execPath, [
      RUNNER,
      "r1",
      "--redis-url",
      "redis://127.0.0.1:1",
      "--trusted-keys",
      keys.public_key,
    ]);
    await proc.waitFor("redis unreachable");
    proc.child.kill("SIGTERM");
    expect(await exitWithin(proc, 5000)).toEqual({ code: 0, signal: null });
  });

  /** A runner started against a Redis of the test's own, which is then stopped. */
  async function runnerWhoseRedisWentAway(gracePeriodS: number) {
    const redis = await OwnRedis.start();
    const proc = await startRunner({
      script: RUNNER,
      runnerId: "gone",
      namespace: uniqueNamespace("stop"),
      trustedKeys: [keys.public_key],
      redisUrl: redis.url,
      args: ["--grace-period", String(gracePeriodS)],
    });
    await redis.stop();
    await proc.waitFor("redis unreachable");
    return { proc, destroy: () => redis.destroy() };
  }

  test("a runner whose Redis went away after it started leaves on a second signal, 130", async () => {
    const { proc, destroy } = await runnerWhoseRedisWentAway(600);
    try {
      proc.child.kill("SIGTERM");
      await proc.waitFor("stopping gracefully");
      proc.child.kill("SIGTERM");
      // Within the hand-back limit (5 s), not the 600 s grace period.
      expect(await exitWithin(proc, 15_000)).toEqual({ code: 130, signal: null });
    } finally {
      await destroy();
    }
  });

  test("a runner whose Redis went away leaves on one signal, not after its grace period", async () => {
    const { proc, destroy } = await runnerWhoseRedisWentAway(600);
    try {
      proc.child.kill("SIGTERM");
      // Nothing can be handed back without Redis: it leaves at once (1 s), not in 600 s.
      expect(await exitWithin(proc, 10_000)).toEqual({ code: 1, signal: null });
      expect(proc.output()).toContain("stop did not finish (Redis unreachable?)");
    } finally {
      await destroy();
    }
  });

  test("a second signal exits 130, not 0, also when the stop finishes at once", async () => {
    const ns = uniqueNamespace("stop");
    const proc = await startRunner({
      script: RUNNER,
      runnerId: "twice",
      namespace: ns,
      trustedKeys: [keys.public_key],
      redisUrl: REDIS_URL,
    });
    const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    try {
      await client.submit(
        HorusClient.signedJob(
          { runner: "twice", payload: "log begun\nsleep 60000", timeout: 120 },
          [keys.private_key],
        ),
      );
      await proc.waitFor('"msg":"job started"');
      proc.child.kill("SIGTERM");
      await proc.waitFor("stopping gracefully");
      proc.child.kill("SIGTERM");
      expect(await exitWithin(proc, 15_000)).toEqual({ code: 130, signal: null });
    } finally {
      await client.close();
    }
  });
});

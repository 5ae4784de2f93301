// What a new user meets first on every command (issue 20): Redis URLs checked up front with
// the flag named, usage errors exit 2, `hero run -s -`, no stray admin key file, a
// heroscript sent to a Rhai runner named as such, and `horus --help` about as quick as Node.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { describe, expect, test } from "vitest";
import { generateKeyPair } from "../../src/job/index.js";
import { distBin, ROOT, runToEnd } from "../helpers/processes.js";
import { testRedis } from "../helpers/redis.js";
import { runnerWorld } from "../runners/helpers.js";

const trusted = generateKeyPair().public_key;
const node = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
  runToEnd(process.execPath, args, options);

describe("Redis URLs are checked before anything connects", () => {
  const bad: [string, string][] = [
    ["foo://bar", "unknown scheme foo://"],
    ["localhost:6379", "is not a URL"],
    ["redis://127.0.0.1:6379/zero", "the path is the database number"],
  ];
  const commands: [string, string[]][] = [
    ["herorunner", [distBin("herorunner"), "r1", "--trusted-keys", trusted]],
    ["runner_sal", [distBin("runner_sal"), "r1", "--trusted-keys", trusted]],
    ["runner_osiris", [distBin("runner_osiris"), "r1", "--trusted-keys", trusted]],
    ["supervisor", [distBin("supervisor"), "--port", "0"]],
    ["horus", [distBin("horus"), "status", "some-id"]],
  ];
  for (const [name, args] of commands)
    test(`${name} names --redis-url and exits 2`, async () => {
      for (const [url, words] of bad) {
        const r = await node([...args, "--redis-url", url]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toContain("--redis-url");
        expect(r.stderr).toContain(words);
        // Not the misleading words of before.
        expect(r.stderr).not.toContain("--data-redis-url too");
        expect(r.stderr).not.toContain("ENOENT");
      }
    });

  test("the same from HORUS_REDIS_URL, without showing the password", async () => {
    const r = await node([distBin("horus"), "status", "x"], {
      env: { HORUS_REDIS_URL: "foo://user:hunter2@bar" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("HORUS_REDIS_URL");
    expect(r.stderr).not.toContain("hunter2");
  });

  test("a runner's data Redis URL is checked too, naming its flag", async () => {
    const sal = await node([
      ...[distBin("runner_sal"), "r1", "--trusted-keys", trusted],
      ...["--data-redis-url", "foo://bar"],
    ]);
    expect(sal.code).toBe(2);
    expect(sal.stderr).toContain("--data-redis-url");
    const osiris = await node([
      ...[distBin("runner_osiris"), "r1", "--trusted-keys", trusted],
      ...["--data-url", "http://bar"],
    ]);
    expect(osiris.code).toBe(2);
    expect(osiris.stderr).toContain("--data-url");
  });

  test("horus --supervisor takes an http(s) URL only", async () => {
    const r = await node([distBin("horus"), "--supervisor", "redis://x", "status", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--supervisor");
  });
});

describe("usage errors exit 2", () => {
  const cases: [string, string[], string][] = [
    ["horus run without --runner", [distBin("horus"), "run", "--script", "-"], "--runner"],
    ["horus with an unknown flag", [distBin("horus"), "status", "x", "--bogus"], "--bogus"],
    ["horus with an unknown command", [distBin("horus"), "frobnicate"], "frobnicate"],
    ["a runner with an unknown flag", [distBin("herorunner"), "r1", "--bogus"], "--bogus"],
    ["hero run with an unknown flag", [distBin("hero"), "run", "--bogus"], "--bogus"],
    ["rhai eval without a script", [distBin("rhai"), "eval"], "script"],
    ["rhai with an unknown flag", [distBin("rhai"), "--bogus"], "--bogus"],
    ["supervisor with an unknown flag", [distBin("supervisor"), "--bogus"], "--bogus"],
  ];
  for (const [what, args, named] of cases)
    test(what, async () => {
      const r = await node(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(named);
    });

  test("--help and --version still exit 0", async () => {
    for (const bin of ["horus", "hero", "rhai", "supervisor", "herorunner"]) {
      expect((await node([distBin(bin), "--help"])).code).toBe(0);
      expect((await node([distBin(bin), "--version"])).code).toBe(0);
    }
  });
});

describe("hero run -s -", () => {
  test("reads the script from standard input", async () => {
    const r = await node([distBin("hero"), "run", "-s", "-"], {
      input: "!!play.echo content:'from stdin'\n",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("from stdin\n");
  });
});

describe("the supervisor's admin key file", () => {
  test("is not left behind when the supervisor fails to start", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "horus-sup-")), "admin.key");
    const r = await node([
      ...[distBin("supervisor"), "--redis-url", "redis://127.0.0.1:1", "--port", "0"],
      ...["--admin-key-file", file],
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("cannot reach Redis");
    expect(existsSync(file)).toBe(false);
  });
});

describe("heroscript sent to a Rhai runner", () => {
  test("fails saying what it looks like, not with a parse error", async () => {
    const redis: Redis = testRedis();
    const w = await runnerWorld("runner_sal", redis);
    try {
      const record = await w.run("// deploy\n!!play.echo content:hello\n");
      expect(record.status).toBe("error");
      expect(record.error).toContain("looks like heroscript");
      expect(record.error).toContain("this runner runs Rhai");
      // A Rhai script that starts with a double negation is still Rhai.
      const rhai = await w.run("!!true");
      expect(rhai).toMatchObject({ status: "finished", result: { success: "true" } });
    } finally {
      await w.close();
      await redis.quit();
    }
  });
});

/** Wall-clock milliseconds of one run of `node args`, waited for synchronously. */
function timeRun(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe("horus --help", () => {
  test("starts within 2.5x of a bare node (medians of 11 interleaved runs)", () => {
    const bare: number[] = [];
    const help: number[] = [];
    timeRun([distBin("horus"), "--help"]); // the file system's cache, warmed once
    for (let i = 0; i < 11; i++) {
      bare.push(timeRun(["-e", "0"]));
      help.push(timeRun([distBin("horus"), "--help"]));
    }
    const ratio = median(help) / median(bare);
    console.log(
      `horus --help ${median(help).toFixed(0)} ms, node -e 0 ${median(bare).toFixed(0)} ms, ratio ${ratio.toFixed(2)}`,
    );
    expect(ratio).toBeLessThan(2.5);
  });
});

// The command-line front every runner shares.

import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { generateKeyPair } from "../../src/job/index.js";
import { readTrustedKeys } from "../../src/runtime/index.js";
import { ROOT, runToEnd } from "../helpers/processes.js";

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
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const version = await runToEnd(process.execPath, [RUNNER, "--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("bad option values are usage errors", async () => {
    const r = await runToEnd(process.execPath, [
      RUNNER,
      "r1",
      "--concurrency",
      "0",
      "--trusted-keys",
      generateKeyPair().public_key,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("concurrency must be a whole number");
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

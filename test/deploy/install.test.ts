// The install deploy/README.md documents, done for real: `npm pack`, then `npm install -g
// --prefix` of the tarball into a temporary prefix, and the installed commands run from
// there, outside the checkout. Then the example systemd units: every command and flag they
// use exists, and `systemd-analyze verify` accepts them pointed at that prefix.
// HORUS_SKIP_INSTALL_TEST=1 skips it (npm needs the registry, or its cache, for the
// dependencies).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKeyPair } from "../../src/job/index.js";
import { type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";

const skip = process.env.HORUS_SKIP_INSTALL_TEST === "1";
const DEPLOY = join(ROOT, "deploy");
const work = mkdtempSync(join(tmpdir(), "horus-install-"));
const prefix = join(work, "prefix");
const bin = (name: string) => join(prefix, "bin", name);
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};

function npm(args: string[], cwd: string) {
  const r = spawnSync("npm", args, { cwd, encoding: "utf8", timeout: 240_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The unit files in deploy/, by name. */
function units(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(DEPLOY)
      .filter((f) => f.endsWith(".service"))
      .map((f) => [f, readFileSync(join(DEPLOY, f), "utf8")]),
  );
}

describe.skipIf(skip)("install into a prefix, as deploy/README.md says", () => {
  beforeAll(() => {
    // dist/ is built by the test set-up; the tarball takes it as it is.
    npm(["pack", "--pack-destination", work, "--silent"], ROOT);
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (tarball === undefined) throw new Error("npm pack wrote no tarball");
    // --prefer-offline: take dependencies from npm's cache when it has them (quicker, and
    // the same versions the lockfile pins); the registry otherwise.
    npm(
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(work, tarball),
      ],
      work,
    );
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("every command is installed, and runs from outside the checkout", async () => {
    for (const name of Object.keys(pkg.bin)) {
      const r = await runToEnd(bin(name), ["--version"], {});
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      if (name !== "rhai") expect(r.stdout.trim()).toBe(pkg.version);
    }
    const help = spawnSync(bin("horus"), ["--help"], { cwd: work, encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: horus");
  });

  test("the installed runner and horus run a job", async () => {
    const keys = generateKeyPair();
    const ns = uniqueNamespace("install");
    const redis = testRedis();
    let runner: Proc | undefined;
    try {
      runner = await startRunner({
        script: bin("herorunner"),
        runnerId: "installed",
        namespace: ns,
        trustedKeys: [keys.public_key],
        redisUrl: REDIS_URL,
      });
      const keyFile = join(work, "signer.json");
      writeFileSync(keyFile, JSON.stringify(keys));
      const r = await runToEnd(
        bin("horus"),
        [
          ...["--redis-url", REDIS_URL, "--namespace", ns, "run", "--runner", "installed"],
          ...["--script", "-", "--key", `@${keyFile}`],
        ],
        { input: "!!play.echo content:'from the prefix'\n" },
      );
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("from the prefix\n");
    } finally {
      await runner?.stop();
      await dropNamespace(redis, ns);
      await redis.quit();
    }
  });

  test("the units start commands that exist, with flags those commands have", async () => {
    const found = units();
    expect(Object.keys(found).sort()).toEqual([
      "herorunner@.service",
      "runner_osiris@.service",
      "runner_sal@.service",
      "supervisor.service",
    ]);
    for (const [file, text] of Object.entries(found)) {
      const exec = /^ExecStart=\/opt\/horus\/bin\/(\S+)(.*)$/m.exec(text);
      expect(exec, file).not.toBeNull();
      const [, command, args] = exec as unknown as [string, string, string];
      expect(Object.keys(pkg.bin)).toContain(command);
      const help = await runToEnd(bin(command), ["--help"]);
      for (const flag of args.match(/--[a-z-]+/g) ?? []) expect(help.stdout, file).toContain(flag);
    }
    // The variables horus.env sets are ones the commands read.
    const env = readFileSync(join(DEPLOY, "horus.env"), "utf8");
    const runnerHelp = (await runToEnd(bin("runner_sal"), ["--help"])).stdout;
    for (const name of env.match(/^[A-Z_]+(?==)/gm) ?? []) expect(runnerHelp).toContain(name);
  });

  const analyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
  test.skipIf(!analyze)("systemd-analyze verify accepts the units", () => {
    const dir = join(work, "units");
    spawnSync("mkdir", ["-p", dir]);
    for (const [file, text] of Object.entries(units())) {
      // An instance name for the templates, and the temporary prefix for /opt/horus.
      const name = file.replace("@.service", "@ops.service");
      writeFileSync(join(dir, name), text.replaceAll("/opt/horus", prefix));
    }
    const names = readdirSync(dir).map((f) => join(dir, f));
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...names], { encoding: "utf8" });
    // Lines about the machine's own units (or the missing horus user) are not ours to judge.
    const ours = `${r.stdout}\n${r.stderr}`
      .split("\n")
      .filter((line) => names.some((n) => line.includes(n.split("/").pop() as string)));
    expect(ours, `${r.stdout}\n${r.stderr}`).toEqual([]);
  });
});

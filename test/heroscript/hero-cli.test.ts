// The `hero` command (from dist/): running scripts locally, its errors and exit codes.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { distBin, runToEnd } from "../helpers/processes.js";

const HERO = distBin("hero");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hero-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hero = (...args: string[]) =>
  runToEnd(process.execPath, [HERO, ...args], { env: { HERO_CLI_VAR: "from-env" } });

test("run -s prints what the actions print; the user's environment fills placeholders", async () => {
  const r = await hero(
    "run",
    "-s",
    "!!play.echo content:'hi {HERO_CLI_VAR}'\n!!process.run cmd:'echo $HERO_CLI_VAR'",
  );
  expect(r).toEqual({ code: 0, stdout: "hi from-env\nfrom-env\n", stderr: "" });
});

test("run -p runs a file; its includes resolve against its folder", async () => {
  await writeFile(join(dir, "main.hero"), "!!play.echo main\n!!play.include path:part.hero");
  await writeFile(join(dir, "part.hero"), "!!play.echo part");
  const r = await hero("run", "-p", join(dir, "main.hero"));
  expect(r).toEqual({ code: 0, stdout: "main\npart\n", stderr: "" });
});

test("a failing script exits 1 with the action and line on stderr", async () => {
  const r = await hero("run", "-s", "!!play.echo before\n!!play.nope");
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    "hero: line 2: !!play.nope: unknown action (known actors: file, net, os, play, postgres, process, redis, session)\n",
  );
});

test("a script file that cannot be read exits 1 and says which", async () => {
  const r = await hero("run", "-p", join(dir, "missing.hero"));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`hero: cannot read script '${join(dir, "missing.hero")}': ENOENT`);
});

test("-v shows log lines on stderr", async () => {
  const r = await hero("run", "-v", "-s", "!!process.run cmd:'echo warn >&2'");
  expect(r).toEqual({ code: 0, stdout: "", stderr: "stderr: warn\n" });
});

test.each([
  [
    "no script",
    ["run"],
    "hero: give the script with -s SCRIPT or a file with -p FILE (one of them)\n",
  ],
  ["both", ["run", "-s", "x", "-p", "y"], "cannot be used with option"],
  ["unknown command", ["frobnicate"], "unknown command 'frobnicate'"],
])("bad usage exits 2: %s", async (_, args, message) => {
  const r = await hero(...args);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(message);
});

test("actions lists the built-in actions", async () => {
  const r = await hero("actions");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^!!play\.echo\t/m);
  expect(r.stdout).toMatch(/^!!session\.env_set_once\t/m);
});

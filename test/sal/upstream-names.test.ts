// The upstream SAL names part 3 adds: platform guards, package search/upgrade/platform/debug,
// download_install, redis_reset and pg_reset, each against the real thing where that is safe.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { Value } from "../../src/rhai/index.js";
import { osModule, postgresModule, redisModule } from "../../src/sal/index.js";
import {
  callMain,
  callWorker,
  mainContext,
  rejection,
  type TestMainContext,
  tempDir,
  workerContext,
} from "./helpers.js";

let dir: string;
let remove: () => Promise<void>;
let ctx: TestMainContext;
const os = (name: string, ...args: Value[]) => callMain(osModule, ctx, name, ...args);

beforeEach(async () => {
  ({ dir, remove } = await tempDir());
  ctx = mainContext({ options: { workDir: dir }, envVars: { HOME: join(dir, "home") } });
});
afterEach(async () => {
  await ctx.end();
  await remove();
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("platform guards", () => {
  test("platform_check_* pass on the named machine and stop the script elsewhere", () => {
    const w = workerContext();
    const linuxX86 = process.platform === "linux" && process.arch === "x64";
    if (linuxX86) expect(callWorker(osModule, w, "platform_check_linux_x86")).toBe(true);
    expect(() => callWorker(osModule, w, "platform_check_macos_arm")).toThrow(
      `platform_check_macos_arm: this script needs macOS on ARM, the runner is ${process.platform} on ${process.arch}`,
    );
  });
});

const haveApt = existsSync("/usr/bin/apt-cache") && existsSync("/usr/bin/apt-get");

describe.runIf(haveApt)("packages (apt)", () => {
  test("package_platform says Ubuntu for apt, Unknown without a manager on the job's PATH", async () => {
    expect(await os("package_platform")).toBe("Ubuntu");
    const bare = mainContext({ envVars: { PATH: join(dir, "empty") } });
    expect(await callMain(osModule, bare, "package_platform")).toBe("Unknown");
    await bare.end();
  });

  test("package_search finds installed packages by name, and checks its text", async () => {
    const found = (await os("package_search", "coreutil")) as string[];
    expect(found).toContain("coreutils");
    expect(found.every((n) => n.includes("coreutil"))).toBe(true);
    expect(await os("package_search", "surelynopackagehasthisname")).toEqual([]);
    expect((await rejection(os("package_search", "-o Debug::x=1"))).message).toContain(
      "not a valid search text",
    );
  });

  test("package_set_debug logs each package command and its output for the rest of the job", async () => {
    await os("package_search", "coreutils");
    expect(ctx.lines).toEqual([]);
    expect(await os("package_set_debug", true)).toBe(true);
    await os("package_search", "coreutils");
    expect(ctx.lines[0]).toBe("package: apt-cache search --names-only -- coreutils");
    expect(ctx.lines.some((l) => l.startsWith("coreutils - "))).toBe(true);
    const before = ctx.lines.length;
    expect(await os("package_set_debug", false)).toBe(false);
    await os("package_search", "coreutils");
    expect(ctx.lines.length).toBe(before);
  });

  test("package_upgrade runs apt-get upgrade, and reports its failure", async () => {
    // A real upgrade would change this machine: the job's PATH puts a recording apt-get first
    // (the manager is looked up on the job's PATH, as every command a job runs is).
    const bin = join(dir, "bin");
    await mkdir(bin);
    const log = join(dir, "apt-args");
    await writeFile(
      join(bin, "apt-get"),
      `#!/bin/sh\necho "$@" >> ${log}\necho "upgraded: 0"\n[ -z "$FAIL" ] || { echo "E: locked" >&2; exit 100; }\n`,
    );
    await chmod(join(bin, "apt-get"), 0o755);
    const job = mainContext({ envVars: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(await callMain(osModule, job, "package_upgrade")).toBe("upgraded: 0\n");
    expect(await readFile(log, "utf8")).toBe("upgrade -y -q\n");
    await job.end();
    const failing = mainContext({ envVars: { PATH: `${bin}:/usr/bin:/bin`, FAIL: "1" } });
    expect((await rejection(callMain(osModule, failing, "package_upgrade"))).message).toBe(
      "package_upgrade: apt-get upgrade -y -q failed (exit code 100): E: locked",
    );
    await failing.end();
  });
});

describe("download_install", () => {
  let server: Server;
  let base: string;
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = files.get(req.url ?? "");
      if (!body) {
        res.writeHead(404).end("not here");
        return;
      }
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  test("an archive's executables go to ~/hero/bin and run from there", async () => {
    const src = join(dir, "src");
    await mkdir(join(src, "tool-1.0/bin"), { recursive: true });
    await writeFile(join(src, "tool-1.0/bin/mytool"), "#!/bin/sh\necho mytool works\n");
    await chmod(join(src, "tool-1.0/bin/mytool"), 0o755);
    await writeFile(join(src, "tool-1.0/README"), "not a program");
    execFileSync("tar", ["-czf", join(dir, "tool.tar.gz"), "-C", src, "tool-1.0"]);
    files.set("/tool.tar.gz", await readFile(join(dir, "tool.tar.gz")));
    const installed = await os("download_install", `${base}/tool.tar.gz`, 0);
    const dest = join(dir, "home/hero/bin/mytool");
    expect(installed).toEqual([dest]);
    expect(execFileSync(dest, { encoding: "utf8" })).toBe("mytool works\n");
    expect(existsSync(join(dir, "home/hero/bin/README"))).toBe(false);
  });

  test("a bare file is installed as a program; too small or missing is an error", async () => {
    files.set("/plain", Buffer.from("#!/bin/sh\necho plain\n"));
    expect(await os("download_install", `${base}/plain`)).toEqual([
      join(dir, "home/hero/bin/plain"),
    ]);
    expect(execFileSync(join(dir, "home/hero/bin/plain"), { encoding: "utf8" })).toBe("plain\n");
    expect((await rejection(os("download_install", `${base}/plain`, 100))).message).toMatch(
      /^download_install: downloaded \d+ bytes from .*, expected at least 100 KB$/,
    );
    expect((await rejection(os("download_install", `${base}/nothing`))).message).toContain(
      "answered HTTP 404",
    );
  });

  const root = process.getuid?.() === 0 && existsSync("/usr/bin/dpkg-deb");
  test.runIf(root)("a .deb is installed with dpkg", async () => {
    const pkg = "horus-sal-test-pkg";
    const build = join(dir, "deb");
    await mkdir(join(build, "DEBIAN"), { recursive: true });
    await mkdir(join(build, `usr/share/${pkg}`), { recursive: true });
    await writeFile(join(build, `usr/share/${pkg}/hello`), "hello from a deb\n");
    await writeFile(
      join(build, "DEBIAN/control"),
      `Package: ${pkg}\nVersion: 1.0\nArchitecture: all\nMaintainer: test <t@localhost>\nDescription: a test package\n`,
    );
    execFileSync("dpkg-deb", ["--build", build, join(dir, "p.deb")], { stdio: "ignore" });
    files.set(`/${pkg}_1.0_all.deb`, await readFile(join(dir, "p.deb")));
    try {
      expect(await os("download_install", `${base}/${pkg}_1.0_all.deb`)).toEqual([
        `${pkg}_1.0_all.deb`,
      ]);
      expect(await readFile(`/usr/share/${pkg}/hello`, "utf8")).toBe("hello from a deb\n");
    } finally {
      execFileSync("dpkg", ["--purge", pkg], { stdio: "ignore" });
    }
  });
});

describe("redis_reset", () => {
  // The job's own database number marks its connection in CLIENT LIST.
  const DB = 11;
  const direct = new Redis("redis://127.0.0.1:6379", { lazyConnect: true });
  const shared = new Map<string, unknown>();
  afterAll(async () => {
    await redisModule.close?.(shared);
    direct.disconnect();
  });

  async function jobConnections(): Promise<string[]> {
    const list = (await direct.client("LIST")) as string;
    return list
      .split("\n")
      .filter((l) => l.includes(" name=horus-sal ") && l.includes(` db=${DB} `))
      .map((l) => /\bid=(\d+)/.exec(l)?.[1] as string);
  }

  test("closes the job's connection; the next call opens a new one", async () => {
    const job = mainContext({ envVars: { REDIS_URL: `redis://127.0.0.1:6379/${DB}` } }, shared);
    expect(await callMain(redisModule, job, "redis_ping")).toBe("PONG");
    const [before] = await jobConnections();
    expect(before).toBeDefined();
    expect(await callMain(redisModule, job, "redis_reset")).toBe(true);
    await until(
      async () => !(await jobConnections()).includes(before as string),
      "the old connection to close",
    );
    expect(await callMain(redisModule, job, "redis_ping")).toBe("PONG");
    const after = await jobConnections();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
    await job.end();
  });
});

describe("pg_reset", () => {
  const shared = new Map<string, unknown>();
  afterAll(async () => {
    await postgresModule.close?.(shared);
  });

  test("forgets pg_connect's choice and closes its connections", async () => {
    const job = mainContext(
      { envVars: { POSTGRES_HOST: "127.0.0.1", POSTGRES_DB: "test", POSTGRES_USER: "root" } },
      shared,
    );
    const pg = (name: string, ...args: Value[]) => callMain(postgresModule, job, name, ...args);
    const one = async (sql: string) =>
      ((await pg("pg_query_one", sql)) as Map<string, Value>).get("v");
    expect(await pg("pg_connect", "postgres://root@127.0.0.1:5432/postgres")).toBe(true);
    expect(await one("select current_database() as v")).toBe("postgres");
    const pid = await one("select pg_backend_pid() as v");
    expect(await pg("pg_reset")).toBe(true);
    expect(await one("select current_database() as v")).toBe("test");
    await until(
      async () =>
        (
          (await pg("pg_query", "select 1 from pg_stat_activity where pid = $1", [
            pid as Value,
          ])) as Value[]
        ).length === 0,
      "the old backend to end",
    );
    await job.end();
  });
});

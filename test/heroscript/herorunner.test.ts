// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${key} is heroscript placeholder syntax
// Real `herorunner` processes (from dist/) against the real Redis: heroscript jobs run by the
// built-in engine, and by a fake `hero` binary through --hero-bin.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { distBin, type Proc, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { alive, waitUntil, writeFakeHero } from "./helpers.js";

const key = generateKeyPair();
let redis: Redis;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = testRedis();
  dir = await mkdtemp(join(tmpdir(), "herorunner-"));
});
afterAll(async () => {
  await redis.quit();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Setup {
  client: HorusClient;
  runner: Proc;
  job(payload: string, extra?: Partial<Job>): Job;
}

async function setup(args: string[]): Promise<Setup> {
  const ns = uniqueNamespace("hero");
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  const runner = await startRunner({
    script: distBin("herorunner"),
    runnerId: "hero1",
    namespace: ns,
    trustedKeys: [key.public_key],
    redisUrl: REDIS_URL,
    args,
  });
  cleanups.push(async () => {
    await runner.stop("SIGKILL");
    await client.close();
    await dropNamespace(redis, ns);
  });
  return {
    client,
    runner,
    job: (payload, extra = {}) =>
      signJob(
        { ...createJob({ payload, runner: "hero1", timeout: 20, executor: "hero" }), ...extra },
        key.private_key,
      ),
  };
}

test("a multi-action script with a multi-line value, an include and env placeholders", async () => {
  const out = join(dir, "out");
  await writeFile(
    join(dir, "lib.hero"),
    "// included: relative to the runner's --base-dir\n!!process.run cmd:'cat {target}'\n",
  );
  const s = await setup(["--base-dir", dir]);
  const payload = [
    "// configure the demo app",
    "!!session.env_set key:APP val:'demo app'",
    "!!file.write path:'${OUT_DIR}/config.toml' newline:true content:'",
    '    name = "@APP"',
    '    region = "${REGION}"',
    "  '",
    "!!play.include path:lib.hero target:'${OUT_DIR}/config.toml'",
    "!!play.echo content:'done for {REGION}'",
  ].join("\n");
  const job = s.job(payload, { env_vars: { REGION: "eu-west", OUT_DIR: out } });
  const record = await s.client.run(job, 30);
  expect(record.status).toBe("finished");
  expect(record.result).toEqual({
    success: 'name = "demo app"\nregion = "eu-west"\ndone for eu-west',
  });
  expect(await readFile(join(out, "config.toml"), "utf8")).toBe(
    'name = "demo app"\nregion = "eu-west"\n',
  );
  expect(await s.client.logs(job.id)).toEqual(expect.arrayContaining(["done for eu-west"]));
});

test("a script with an unknown action fails with its name and line, and runs nothing", async () => {
  const s = await setup(["--base-dir", dir]);
  const marker = join(dir, "should-not-exist.txt");
  const job = s.job(`!!file.write path:'${marker}' content:x\n\n!!play.ecko hi`);
  const record = await s.client.run(job, 30);
  expect(record.status).toBe("error");
  expect(record.error_kind).toBe("script");
  expect(record.error).toBe("line 3: !!play.ecko: unknown action (close names: play.echo)");
  expect(record.result).toEqual({
    error: "line 3: !!play.ecko: unknown action (close names: play.echo)",
  });
  expect(existsSync(marker)).toBe(false);
});

test("--hero-bin hands the payload to that binary, and the job's timeout kills its process group", async () => {
  const heroBin = await writeFakeHero(dir);
  const s = await setup(["--hero-bin", heroBin]);

  const ok = await s.client.run(s.job("!!play.echo hi", { env_vars: { GREETING: "hello" } }), 30);
  expect(ok.status).toBe("finished");
  expect(ok.result).toEqual({ success: `ran: !!play.echo hi\nenv: hello job=${ok.id} []` });

  const failed = await s.client.run(s.job("FAIL"), 30);
  expect(failed).toMatchObject({ status: "error", error_kind: "script" });
  expect(failed.error).toContain("exited with code 5: bad script at line 1");

  const pidFile = join(dir, "hero-child.pid");
  const slow = s.job("SLEEP", { timeout: 1, env_vars: { PID_FILE: pidFile } });
  const timedOut = await s.client.run(slow, 30);
  expect(timedOut).toMatchObject({ status: "error", error_kind: "timeout" });
  const pid = Number(await readFile(pidFile, "utf8"));
  expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
});

test("a --hero-bin that is not an executable file stops the runner at start with a clear word", async () => {
  const missing = join(dir, "no-such-hero");
  const ns = uniqueNamespace("hero");
  const r = await runToEnd(process.execPath, [
    distBin("herorunner"),
    "hero1",
    "--redis-url",
    REDIS_URL,
    "--namespace",
    ns,
    "--trusted-keys",
    key.public_key,
    "--hero-bin",
    missing,
  ]);
  await dropNamespace(redis, ns);
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`hero binary ${missing} is not an executable file`);
});

// A runner that reaches Redis through a real Sentinel (our own servers on spare ports).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { sentinelUrl } from "../../src/protocol/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { OwnRedis, sparePort } from "../helpers/redis-server.js";

const keys = generateKeyPair();
let master: OwnRedis;
let sentinel: ReturnType<typeof spawn>;
let sentinelPort: number;
let runner: Proc | undefined;

beforeAll(async () => {
  master = await OwnRedis.start();
  sentinelPort = await sparePort();
  const conf = join(master.dir, "sentinel.conf");
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      "bind 127.0.0.1",
      `sentinel monitor horusmaster 127.0.0.1 ${master.port} 1`,
      "",
    ].join("\n"),
  );
  sentinel = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
});

afterAll(async () => {
  await runner?.stop("SIGKILL");
  sentinel.kill("SIGKILL");
  await master.destroy();
});

test("jobs flow through a Sentinel-discovered master", async () => {
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "r1",
    namespace: "sentinel",
    trustedKeys: [keys.public_key],
    redisUrl: "redis://127.0.0.1:1", // ignored for the address: the Sentinels give it
    args: ["--redis-sentinels", `127.0.0.1:${sentinelPort}`, "--redis-master", "horusmaster"],
  });
  const client = new HorusClient({
    redisUrl: sentinelUrl([`127.0.0.1:${sentinelPort}`], "horusmaster"),
    namespace: "sentinel",
  });
  await client.ready();
  const job = signJob(createJob({ payload: "echo via sentinel", runner: "r1" }), keys.private_key);
  expect((await client.run(job)).result).toEqual({ success: "via sentinel" });
  await client.close();
});

test("a Sentinel URL keeps the password and database of the base URL", () => {
  expect(sentinelUrl(["a:1", "b:2"], "m", "redis://:s3cret@x:6379/4")).toBe(
    "redis-sentinel://:s3cret@a:1,b:2/m/4",
  );
});

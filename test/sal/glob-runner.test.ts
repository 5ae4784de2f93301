// A pathological wildcard pattern as a real runner_sal job: it must end quickly, and the
// runner must go on serving. With the wildcards compiled to backtracking RegExps, the first
// job froze the runner's main thread (no timeout, no SIGTERM, no other job) for hours.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { distBin, type Proc, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { outputOf } from "../runners/helpers.js";
import { tempDir } from "./helpers.js";

const ns = uniqueNamespace("glob");
const runnerId = "runner_sal_glob";
const keys = generateKeyPair();
let redis: Redis;
let client: HorusClient;
let runner: Proc;
let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await tempDir());
  for (let i = 0; i < 50; i++) await writeFile(join(dir, `${"a".repeat(200)}${i}`), "");
  redis = testRedis();
  client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  runner = await startRunner({
    script: distBin("runner_sal"),
    runnerId,
    namespace: ns,
    trustedKeys: [keys.public_key],
    redisUrl: REDIS_URL,
    args: ["--concurrency", "1"],
  });
});
afterAll(async () => {
  await runner?.stop();
  await client?.close();
  await dropNamespace(redis, ns);
  redis.disconnect();
  await remove();
});

const run = (payload: string) =>
  client.run(signJob(createJob({ payload, runner: runnerId, timeout: 30 }), keys.private_key));

test("find_files with *a*a*a...b ends at once and the runner serves the next job", {
  timeout: 60_000,
}, async () => {
  const pattern = `${"*a".repeat(12)}b`;
  const found = await run(`find_files(${JSON.stringify(dir)}, ${JSON.stringify(pattern)}).len()`);
  expect(outputOf(found)).toBe("0");
  const copied = await run(
    `let r = "copied"; try { copy(${JSON.stringify(join(dir, pattern))}, "/tmp/x"); } catch (e) { r = e; } r`,
  );
  expect(outputOf(copied)).toContain("nothing matches");
  expect(outputOf(await run("40 + 2"))).toBe("42");
});

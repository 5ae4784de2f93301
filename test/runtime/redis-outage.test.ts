// The runner keeps the job in hand while Redis is away and delivers its result when Redis
// returns. Uses a Redis of its own (with persistence), which it stops and restarts.
import { afterAll, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { OwnRedis } from "../helpers/redis-server.js";

const keys = generateKeyPair();
let server: OwnRedis;
let runner: Proc | undefined;

beforeAll(async () => {
  server = await OwnRedis.start({ persistent: true });
});
afterAll(async () => {
  await runner?.stop("SIGKILL");
  await server.destroy();
});

test("a job running while Redis restarts still ends with its result, and its waiter gets it", async () => {
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "r1",
    namespace: "outage",
    trustedKeys: [keys.public_key],
    redisUrl: server.url,
  });
  const client = new HorusClient({ redisUrl: server.url, namespace: "outage" });
  const job = signJob(
    createJob({ payload: "sleep 2500\necho after the outage", runner: "r1", timeout: 30 }),
    keys.private_key,
  );
  await client.submit(job);
  await runner.waitFor('"msg":"job started"');
  // The waiter is blocked on the reply list when Redis goes away: it must survive too.
  const waiting = client.wait(job.id, 30);
  await new Promise((r) => setTimeout(r, 200));
  await server.stop();
  await runner.waitFor("redis unreachable");
  await new Promise((r) => setTimeout(r, 1500));
  await server.start();
  const record = await waiting;
  expect(record.status).toBe("finished");
  expect(record.result).toEqual({ success: "after the outage" });
  await runner.waitFor("redis reachable again");
  // And it goes on taking jobs.
  const next = signJob(createJob({ payload: "echo next", runner: "r1" }), keys.private_key);
  expect((await client.run(next)).result).toEqual({ success: "next" });
  await client.close();
});

// A traced `horus run`: with the OTEL_* variables set, the client and the runner export
// their spans to an OTLP receiver (here, one in the test), and they form one trace: the
// runner's job span is a child of the client's, and verify, execute and finish of the job's.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { generateKeyPair } from "../../src/job/index.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../helpers/otlp.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const trusted = generateKeyPair();
let redis: Redis;
let otlp: OtlpReceiver;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  redis = testRedis();
  otlp = await startOtlpReceiver();
});
afterAll(async () => {
  await redis.quit();
  await otlp.close();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

test("a traced horus run is one trace across client and runner", async () => {
  const ns = uniqueNamespace("trace");
  cleanups.push(() => dropNamespace(redis, ns));
  const otel = otlp.env;
  const runner: Proc = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "t1",
    namespace: ns,
    trustedKeys: [trusted.public_key],
    redisUrl: REDIS_URL,
    env: otel,
  });
  cleanups.push(() => runner.stop("SIGKILL"));
  const run = await runToEnd(
    process.execPath,
    [
      distBin("horus"),
      "--redis-url",
      REDIS_URL,
      "--namespace",
      ns,
      "run",
      "--runner",
      "t1",
      "--script",
      "-",
    ],
    { env: { ...otel, HORUS_SIGNING_KEY: trusted.private_key }, input: "echo traced" },
  );
  expect(run.stdout.trim()).toBe("traced");
  const byName = (name: string) => otlp.spans.find((s) => s.name === name);
  await until(() => byName("horus.run") && byName("job.finish"), {
    what: "the spans of both processes",
  });
  const client = byName("horus.run") as ReceivedSpan;
  const job = byName("job") as ReceivedSpan;
  expect(client.service).toBe("horus");
  expect(job.service).toBe("test-runner");
  expect(job.traceId).toBe(client.traceId);
  expect(job.parentSpanId).toBe(client.spanId);
  for (const child of ["job.take", "job.verify", "job.execute", "job.finish"]) {
    const span = byName(child);
    expect(span, child).toBeDefined();
    expect(span?.traceId).toBe(client.traceId);
    expect(span?.parentSpanId, child).toBe(job.spanId);
  }
});

// Host calls in a traced job's trace: each SAL function, Osiris store operation and
// heroscript action a job's script calls is a span, whose parent chain leads to the runner's
// `job.execute` span and on to the client's `horus.run`. Real runners (runner_sal,
// runner_osiris, herorunner from dist/) and a real `horus run` export to an OTLP receiver in
// the test. A span names the call, never its arguments; a call that fails is an error span.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { generateKeyPair } from "../../src/job/index.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../helpers/otlp.js";
import { distBin, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const trusted = generateKeyPair();
let redis: Redis;
let otlp: OtlpReceiver;
let dir: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  redis = testRedis();
  otlp = await startOtlpReceiver();
  dir = mkdtempSync(join(tmpdir(), "host-spans-"));
});
afterAll(async () => {
  await redis.quit();
  await otlp.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** Starts a traced runner of `bin` in a namespace of its own. */
async function tracedRunner(bin: string, runnerId: string, args: string[] = []): Promise<string> {
  const ns = uniqueNamespace("hostspans");
  cleanups.push(() => dropNamespace(redis, ns));
  const runner = await startRunner({
    script: distBin(bin),
    runnerId,
    namespace: ns,
    trustedKeys: [trusted.public_key],
    redisUrl: REDIS_URL,
    args,
    env: { ...otlp.env, OTEL_SERVICE_NAME: runnerId },
  });
  cleanups.push(() => runner.stop("SIGKILL"));
  return ns;
}

/** A traced `horus run` of `script`: its output, and the id of the trace it started. */
async function tracedRun(ns: string, runnerId: string, script: string, args: string[] = []) {
  const service = `client-${randomUUID()}`;
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
      runnerId,
      "--script",
      "-",
      ...args,
    ],
    {
      env: { ...otlp.env, OTEL_SERVICE_NAME: service, HORUS_SIGNING_KEY: trusted.private_key },
      input: script,
    },
  );
  const client = await until(() => otlp.spans.find((s) => s.service === service), {
    what: "the client's span",
  });
  return { ...run, traceId: client.traceId, client };
}

/** The spans of one trace, once its runner's `job.finish` has come. */
async function traceOf(traceId: string): Promise<ReceivedSpan[]> {
  const inTrace = () => otlp.spans.filter((s) => s.traceId === traceId);
  await until(() => inTrace().some((s) => s.name === "job.finish"), {
    what: "the runner's spans",
  });
  return inTrace();
}

function one(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((s) => s.name === name);
  expect(
    found.map((s) => s.name),
    name,
  ).toEqual([name]);
  return found[0] as ReceivedSpan;
}

/** The chain of span names from `span` up to the trace's root. */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): string[] {
  const names: string[] = [];
  let at: ReceivedSpan | undefined = span;
  while (at !== undefined) {
    names.push(at.name);
    const parent: string | undefined = at.parentSpanId;
    at = parent === undefined ? undefined : spans.find((s) => s.spanId === parent);
  }
  return names;
}

/** A host-call span's attributes are its names: nothing of what the script passed. */
function expectNamesOnly(span: ReceivedSpan, kind: string, module: string, fn: string): void {
  const { "error.type": errorType, ...names } = span.attributes;
  expect(names).toEqual({
    "horus.host.kind": kind,
    "horus.host.module": module,
    "horus.host.function": fn,
  });
  if (span.statusCode === 2) expect(typeof errorType).toBe("string");
  else expect(errorType).toBeUndefined();
  expect(span.statusMessage).toBeUndefined();
}

describe("a traced job's host calls are spans of its trace", () => {
  test("runner_sal: file functions, one failing, in two jobs at once", async () => {
    const ns = await tracedRunner("runner_sal", "hs-sal", ["--concurrency", "2"]);
    const script = (name: string) => `
      file_write("${dir}/${name}.txt", "hello ${name}");
      let text = file_read("${dir}/${name}.txt");
      let missing = "read";
      try { file_read("${dir}/${name}-missing.txt"); } catch (e) { missing = "caught"; }
      text + " " + missing
    `;
    // Two jobs at once: each call's span must land in its own job's trace, though both
    // jobs' calls are served from the same runner's workers.
    const runs = await Promise.all([
      tracedRun(ns, "hs-sal", script("a")),
      tracedRun(ns, "hs-sal", script("b")),
    ]);
    expect(runs.map((r) => r.stdout.trim())).toEqual(["hello a caught", "hello b caught"]);
    expect(runs[0]?.traceId).not.toBe(runs[1]?.traceId);
    for (const run of runs) {
      const spans = await traceOf(run.traceId);
      const execute = one(spans, "job.execute");
      expect(ancestry(spans, execute)).toEqual(["job.execute", "job", "horus.run"]);
      const write = one(spans, "host os.file_write");
      const reads = spans.filter((s) => s.name === "host os.file_read");
      expect(reads).toHaveLength(2);
      for (const span of [write, ...reads]) {
        expect(span.service).toBe("hs-sal");
        expect(ancestry(spans, span)).toEqual([span.name, "job.execute", "job", "horus.run"]);
      }
      expectNamesOnly(write, "function", "os", "file_write");
      expect(write.statusCode).toBe(0);
      // The read of the missing file failed (the script caught it): an error span.
      expect(reads.map((s) => s.statusCode).sort()).toEqual([0, 2]);
      for (const span of reads) expectNamesOnly(span, "function", "os", "file_read");
      expect(reads.find((s) => s.statusCode === 2)?.attributes["error.type"]).toBe(
        "RhaiRuntimeError",
      );
    }
  });

  test("runner_osiris: store operations", async () => {
    const ns = await tracedRunner("runner_osiris", "hs-osiris");
    const run = await tracedRun(
      ns,
      "hs-osiris",
      `let ctx = get_context();
       ctx.save(note("notes").id("n1").title("Groceries").content("milk"));
       ctx.get("notes", "n1").title`,
      ["--context", `hostspans-${randomUUID()}`],
    );
    expect(run.stdout.trim(), run.stderr).toBe("Groceries");
    const spans = await traceOf(run.traceId);
    for (const fn of ["osiris_save", "osiris_get"]) {
      const span = one(spans, `host osiris.${fn}`);
      expect(ancestry(spans, span)).toEqual([span.name, "job.execute", "job", "horus.run"]);
      expectNamesOnly(span, "function", "osiris", fn);
      expect(span.statusCode).toBe(0);
    }
  });

  test("herorunner: each action, and the SAL call inside a SAL action", async () => {
    const dataUrl = "redis://127.0.0.1:6379/3";
    const key = `test-hostspans-${randomUUID()}`;
    const data = testRedis(dataUrl);
    cleanups.push(async () => {
      await data.del(key);
      await data.quit();
    });
    const ns = await tracedRunner("herorunner", "hs-hero", ["--data-redis-url", dataUrl]);
    const run = await tracedRun(
      ns,
      "hs-hero",
      [
        `!!file.write path:'${dir}/hero.txt' content:'from a play'`,
        `!!redis.set key:'${key}' val:'v1'`,
        `!!redis.get key:'${key}'`,
      ].join("\n"),
    );
    expect(run.stdout.trim()).toBe("v1");
    const spans = await traceOf(run.traceId);
    const write = one(spans, "heroscript file.write");
    expect(ancestry(spans, write)).toEqual([write.name, "job.execute", "job", "horus.run"]);
    expectNamesOnly(write, "action", "file", "write");
    for (const op of ["set", "get"]) {
      const action = one(spans, `heroscript redis.${op}`);
      expectNamesOnly(action, "action", "redis", op);
      const call = one(spans, `host redis.redis_${op}`);
      expectNamesOnly(call, "function", "redis", `redis_${op}`);
      expect(ancestry(spans, call)).toEqual([
        call.name,
        action.name,
        "job.execute",
        "job",
        "horus.run",
      ]);
    }
    // A failing action is an error span, and the play (so the job) stops there.
    const failed = await tracedRun(ns, "hs-hero", `!!file.read path:'${dir}/missing.txt'`);
    expect(failed.code).not.toBe(0);
    const failedSpans = await traceOf(failed.traceId);
    const read = one(failedSpans, "heroscript file.read");
    expect(ancestry(failedSpans, read)).toEqual([read.name, "job.execute", "job", "horus.run"]);
    expect(read.statusCode).toBe(2);
    expectNamesOnly(read, "action", "file", "read");
  });
});

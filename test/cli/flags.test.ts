// Typed options: each runner's command line read through its zod schema, and the messages
// for bad values at the edges of what each option takes. In-process: no runner starts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import {
  byteCount,
  finiteNumber,
  httpUrl,
  port,
  readOptions,
  redisUrl,
  seconds,
  wholeNumber,
} from "../../src/cli/flags.js";
import {
  buildRunnerCommand,
  type RunnerCommandSpec,
  readRunnerOptions,
} from "../../src/cli/runner-command.js";
import { generateKeyPair } from "../../src/job/index.js";

/** The value a schema reads from `input`, or the message it refuses it with. */
function read<T>(schema: z.ZodType<T>, input: unknown): T | string {
  const parsed = schema.safeParse(input);
  return parsed.success ? parsed.data : (parsed.error.issues[0]?.message ?? "?");
}

describe("option schemas, at their edges", () => {
  test.each([
    [wholeNumber(1), "1", 1],
    [wholeNumber(1), "0", "expected a whole number >= 1, got '0'"],
    [wholeNumber(1), "x", "expected a whole number >= 1, got 'x'"],
    [wholeNumber(1), "1.5", "expected a whole number >= 1, got '1.5'"],
    [wholeNumber(0), "0", 0],
    [wholeNumber(0), "-1", "expected a whole number >= 0, got '-1'"],
    // Number("") is 0: blank text is no number at all.
    [wholeNumber(0), " ", "expected a whole number >= 0, got ' '"],
    // A default as commander holds it: a number already.
    [wholeNumber(1), 3, 3],
    [seconds(), "0.5", 0.5],
    [seconds(), "0", "expected a number of seconds > 0, got '0'"],
    [seconds(), "Infinity", "expected a number of seconds > 0, got 'Infinity'"],
    [seconds(604800), "604800", 604800],
    [seconds(604800), "604801", "expected a number of seconds > 0 and <= 604800, got '604801'"],
    [byteCount(1024, 2048), "1024", 1024],
    [
      byteCount(1024, 2048),
      "1023",
      "expected a whole number of bytes from 1024 to 2048, got '1023'",
    ],
    [byteCount(1024, 2048), "2048", 2048],
    [
      byteCount(1024, 2048),
      "2049",
      "expected a whole number of bytes from 1024 to 2048, got '2049'",
    ],
    [byteCount(1, 2048), "1e3", "expected a whole number of bytes from 1 to 2048, got '1e3'"],
    [port(), "0", 0],
    [port(), "65535", 65535],
    [port(), "65536", "expected a port number (0 to 65535), got '65536'"],
    [redisUrl(), "redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/2"],
    [finiteNumber("a number of seconds"), "-5", -5],
    [finiteNumber("a number of seconds"), "abc", "expected a number of seconds, got 'abc'"],
    [finiteNumber("a number of seconds"), "", "expected a number of seconds, got ''"],
    [httpUrl("the supervisor's URL"), "https://sup:3030/", "https://sup:3030/"],
    [
      httpUrl("the supervisor's URL"),
      "redis://u:hunter2@x",
      "expected the supervisor's URL, an http:// or https:// URL, not redis://",
    ],
    [
      httpUrl("the supervisor's URL"),
      "no url",
      "expected the supervisor's URL, an http:// or https:// URL",
    ],
  ] as [z.ZodType, unknown, unknown][])("%#: %s", (schema, input, expected) => {
    expect(read(schema, input)).toEqual(expected);
  });

  test("a long value is cut short in the message", () => {
    expect(read(wholeNumber(1), "9".repeat(30) + "x".repeat(30))).toBe(
      `expected a whole number >= 1, got '${"9".repeat(30)}${"x".repeat(10)}…'`,
    );
  });

  test("a Redis URL's password never shows", () => {
    const message = read(redisUrl(), "foo://user:hunter2@bar");
    expect(message).toContain("unknown scheme foo://");
    expect(message).not.toContain("hunter2");
  });
});

describe("a runner's command line", () => {
  const trusted = generateKeyPair().public_key;
  const spec = {
    name: "test-runner",
    description: "a runner for the test",
    extraOptions: (cmd) => cmd.option("--data-url <url>").option("--depth <n>"),
    extraSchema: z.object({ dataUrl: redisUrl().optional(), depth: wholeNumber(1).optional() }),
    createExecutor: () => {
      throw new Error("not started in this test");
    },
  } satisfies RunnerCommandSpec<{ dataUrl?: string; depth?: number }>;

  function options(...args: string[]) {
    const cmd = buildRunnerCommand(spec).exitOverride();
    const stateDir = mkdtempSync(join(tmpdir(), "horus-flags-"));
    cmd.parse(["r1", "--trusted-keys", trusted, "--state-dir", stateDir, ...args], {
      from: "user",
    });
    return readRunnerOptions(spec, cmd);
  }

  // Options without a variable only: HORUS_REDIS_URL and the like may be set around the test
  // (npm run test:unit sets one).
  test("the defaults, typed", () => {
    const o = options();
    expect(o).toMatchObject({
      runnerId: "r1",
      concurrency: 1,
      maxAttempts: 1,
      gracePeriodS: 30,
      heartbeatS: 5,
      logLevel: "info",
    });
    expect(o.extra).toEqual({});
    expect(o.trustedKeys).toEqual(new Set([trusted]));
  });

  test("values as given, numbers as numbers", () => {
    const o = options(
      ...["--concurrency", "4", "--max-attempts", "3", "--grace-period", "0.5"],
      ...["--max-log-bytes", "1024", "--depth", "2", "--data-url", "redis://h:1/3"],
    );
    expect(o).toMatchObject({ concurrency: 4, maxAttempts: 3, gracePeriodS: 0.5 });
    expect(o.maxLogBytes).toBe(1024);
    expect(o.extra).toEqual({ dataUrl: "redis://h:1/3", depth: 2 });
  });

  test("every bad value is named, the shared options' and the runner's own", () => {
    expect(() =>
      options(
        ...["--max-attempts", "x", "--max-log-bytes", "1023"],
        ...["--depth", "0", "--data-url", "localhost:6379"],
      ),
    ).toThrow(
      [
        "--max-attempts: expected a whole number >= 1, got 'x'",
        "--max-log-bytes: expected a whole number of bytes from 1024 to 536870912, got '1023'",
        '--data-url: "localhost:6379" is not a URL; use redis://[user:password@]host[:port][/db], rediss://... for TLS, redis-sentinel://host:port,.../master[/db] or redis-cluster://host:port,...',
        "--depth: expected a whole number >= 1, got '0'",
      ].join("\n"),
    );
  });

  test("the limits shared by a runner id's instances, and the metrics port", () => {
    expect(options("--rate", "10/m", "--global-concurrency", "0")).toMatchObject({
      rate: { count: 10, windowMs: 60_000 },
      globalConcurrency: 0,
    });
    expect(() => options("--rate", "0/1s")).toThrow(
      "--rate: expected N/DURATION: a whole number of jobs >= 1 per window (100/1s, 10/m), got '0/1s'",
    );
    expect(() => options("--metrics-port", "65536")).toThrow(
      "--metrics-port: expected a port number (0 to 65535), got '65536'",
    );
  });

  test("a flag that also reads a variable is named with it", () => {
    expect(() => options("--redis-url", "foo://bar")).toThrow(
      '--redis-url (or HORUS_REDIS_URL): "foo://bar": unknown scheme foo://',
    );
  });

  test("the checks that take more than one flag come after, with their own words", () => {
    expect(() => options("--redis-cluster", "a:1", "--redis-master", "m")).toThrow(
      "--redis-cluster excludes --redis-sentinels and --redis-master",
    );
  });
});

test("readOptions: a command's schema with no runner around it", () => {
  const cmd = buildRunnerCommand({
    name: "x",
    description: "",
    createExecutor: () => {
      throw new Error("unused");
    },
  }).exitOverride();
  cmd.parse(["r1", "--heartbeat", "-1"], { from: "user" });
  expect(() => readOptions(cmd, z.object({ heartbeat: seconds() }))).toThrow(
    "--heartbeat: expected a number of seconds > 0, got '-1'",
  );
});

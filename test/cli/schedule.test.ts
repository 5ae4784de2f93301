// `horus schedule ...` run for real, against a real runner process and Redis: a schedule
// added from the command line is minted and run, listed, shown with its runs, and removed.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseSchedule, scheduleBytes, verifySignatures } from "../../src/job/index.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const ns = uniqueNamespace("cli-sched");
let redis: Redis;
let runner: Proc;
let keys: { private_key: string; public_key: string };

function horus(args: string[], input?: string) {
  return runToEnd(
    process.execPath,
    [distBin("horus"), "--redis-url", REDIS_URL, "--namespace", ns, ...args],
    { input, env: { HORUS_SIGNING_KEY: keys.private_key } },
  );
}

beforeAll(async () => {
  redis = testRedis();
  keys = JSON.parse((await runToEnd(process.execPath, [distBin("horus"), "keygen"])).stdout);
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "cron",
    namespace: ns,
    trustedKeys: [keys.public_key],
    redisUrl: REDIS_URL,
    args: ["--heartbeat", "1"],
  });
});

afterAll(async () => {
  await runner.stop("SIGKILL");
  await dropNamespace(redis, ns);
  await redis.quit();
});

describe("horus schedule", () => {
  test("add --every: signed with the user's key, minted and run; runs shows the occurrences", async () => {
    const add = await horus(
      ["schedule", "add", "beat", "--runner", "cron", "--every", "1s", "--script", "-"],
      "echo beat",
    );
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    const printed = JSON.parse(add.stdout) as { name: string; next: string[] };
    expect(printed.name).toBe("beat");
    expect(printed.next).toHaveLength(3);
    const stored = parseSchedule(JSON.parse((await redis.hget(`${ns}:schedules`, "beat")) ?? ""));
    expect(verifySignatures(scheduleBytes(stored), stored.signatures).valid).toEqual([
      keys.public_key,
    ]);
    const runs = await until(
      async () => {
        const r = await horus(["schedule", "runs", "beat", "--json"]);
        const list = JSON.parse(r.stdout) as { id: string; status: string }[];
        return list.filter((x) => x.status === "finished").length >= 2 ? list : undefined;
      },
      { what: "two finished occurrences" },
    );
    expect(runs[0]?.id).toMatch(/^sched:beat:\d+$/);
    const id = runs.find((r) => r.status === "finished")?.id as string;
    expect(await redis.get(`${ns}:job:${id}:result`)).toBe('{"success":"beat"}');
    const table = await horus(["schedule", "runs", "beat"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^OCCURRENCE\s+ID\s+STATUS\s+ERROR$/);
  });

  test("list shows each schedule with its signer; remove stops the minting", async () => {
    const cron = await horus(
      ["schedule", "add", "weekdays", "--runner", "cron", "--cron", "0 9 * * 1-5"],
      undefined,
    );
    // --script is required.
    expect(cron.code).toBe(2);
    const ok = await horus(
      [
        "schedule",
        "add",
        "weekdays",
        "--runner",
        "cron",
        "--cron",
        "0 9 * * 1-5",
        "--tz",
        "Europe/Brussels",
        "--script",
        "-",
      ],
      "echo morning",
    );
    expect(ok.code).toBe(0);
    const list = JSON.parse((await horus(["schedule", "list", "--json"])).stdout) as {
      name: string;
      signed_by: string[];
      next?: string;
      timezone?: string;
    }[];
    const weekdays = list.find((s) => s.name === "weekdays");
    expect(weekdays).toMatchObject({ signed_by: [keys.public_key], timezone: "Europe/Brussels" });
    expect(weekdays?.next).toMatch(/T0[78]:00:00\.000Z$/);
    const rm = await horus(["schedule", "remove", "beat"]);
    expect(rm).toMatchObject({ code: 0, stdout: "beat: removed\n" });
    expect((await horus(["schedule", "remove", "beat"])).code).toBe(1);
    const removedAt = Date.now();
    // A schedule added after the removal: once it has been minted twice, the minter has made
    // passes since, and none of them may have minted the removed one.
    const probe = await horus(
      ["schedule", "add", "probe", "--runner", "cron", "--every", "1s", "--script", "-"],
      "echo probe",
    );
    expect(probe.code).toBe(0);
    await until(async () => (await redis.zcard(`${ns}:schedule:probe:runs`)) >= 2, {
      what: "the probe schedule to be minted twice",
    });
    expect(await redis.get(`${ns}:schedule:beat:last`)).toBeNull();
    const beats: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", `${ns}:job:sched:beat:*`);
      cursor = next;
      beats.push(...found.filter((k) => !/:(result|logs|reply|claim)$/.test(k)));
    } while (cursor !== "0");
    expect(beats.length).toBeGreaterThan(0);
    for (const key of beats) expect(Number(key.split(":").at(-1))).toBeLessThanOrEqual(removedAt);
  });

  test.each([
    [["--every", "2"], "--every: expected a duration with its unit"],
    [["--every", "2s", "--cron", "* * * * *"], "give exactly one of --cron EXPR and --every"],
    [["--cron", "* * * *"], "--cron: is not a cron expression"],
    [["--every", "2s", "--tz", "UTC"], "--tz: applies to a cron expression only"],
    [["--cron", "* * * * *", "--tz", "Nowhere/City"], "--tz: must be an IANA timezone"],
    [["--every", "1s", "--timeout", "0"], "--timeout: must be > 0"],
    [["--every", "1s", "--not-after", "2001-01-01T00:00:00Z"], "has no occurrence from now on"],
    [["--every", "1s", "--not-before", "soon"], "--not-before: expected an RFC 3339 time"],
    [["--every", "1s", "--priority", "12"], "--priority: must be 0-9"],
    [["--every", "1s", "--backoff", "1s"], "give --attempts N"],
  ])("add %j is a usage error naming the flag: %s", async (flags, message) => {
    const r = await horus(
      ["schedule", "add", "bad", "--runner", "cron", "--script", "-", ...flags],
      "echo x",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(await redis.hexists(`${ns}:schedules`, "bad")).toBe(0);
  });

  test("a bad name is refused, naming it; --print signs and stores nothing", async () => {
    const bad = await horus(
      ["schedule", "add", "no spaces", "--runner", "cron", "--every", "1s", "--script", "-"],
      "echo x",
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("NAME: must be 1 to 64 characters");
    const printed = await horus(
      ["schedule", "add", "p", "--runner", "cron", "--every", "1h", "--script", "-", "--print"],
      "echo x",
    );
    expect(printed.code).toBe(0);
    const s = parseSchedule(JSON.parse(printed.stdout));
    expect(s).toMatchObject({ name: "p", every_ms: 3_600_000, template: { payload: "echo x" } });
    const retried = await horus(
      [
        "schedule",
        "add",
        "p",
        "--runner",
        "cron",
        "--every",
        "1h30m",
        "--script",
        "-",
        "--attempts",
        "3",
        "--backoff",
        "1s,exp",
        "--priority",
        "8",
        "--print",
      ],
      "echo x",
    );
    expect(parseSchedule(JSON.parse(retried.stdout))).toMatchObject({
      every_ms: 5_400_000,
      template: {
        max_attempts: 3,
        backoff: { type: "exponential", delay_ms: 1000 },
        priority: 8,
      },
    });
    expect(await redis.hexists(`${ns}:schedules`, "p")).toBe(0);
  });
});

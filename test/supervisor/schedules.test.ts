// The supervisor's schedule.* methods, over a real supervisor process and Redis, and
// `horus schedule` going through them (--supervisor).
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKeyPair, type Schedule, signSchedule } from "../../src/job/index.js";
import { distBin, runToEnd } from "../helpers/processes.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "./helpers.js";

const ns = uniqueNamespace("sup-sched");
const signer = generateKeyPair();
let redis: Redis;
let sup: RunningSupervisor;
let userKey: string;

function schedule(extra: Partial<Schedule> = {}): Schedule {
  return signSchedule(
    {
      name: "nightly",
      runner: "r1",
      cron: "0 3 * * *",
      timezone: "Europe/Brussels",
      template: { payload: "echo night", timeout: 30 },
      created_at: new Date().toISOString(),
      signatures: [],
      ...extra,
    },
    signer.private_key,
  );
}

beforeAll(async () => {
  redis = testRedis();
  sup = await startSupervisor(ns);
  const made = await httpCall<{ key: string }>(
    sup.url,
    "auth.create_key",
    { name: "u", scope: "user" },
    sup.adminKey,
  );
  userKey = made.result?.key as string;
});

afterAll(async () => {
  await sup.proc.stop();
  await dropNamespace(redis, ns);
  await redis.quit();
});

describe("schedule.* methods", () => {
  test("add stores a signed schedule once; list and runs show it; remove is admin's", async () => {
    const s = schedule();
    const added = await httpCall<{ name: string; next: string }>(
      sup.url,
      "schedule.add",
      { schedule: s },
      userKey,
    );
    expect(added.result?.name).toBe("nightly");
    expect(added.result?.next).toMatch(/T0[12]:00:00\.000Z$/);
    expect(JSON.parse((await redis.hget(`${ns}:schedules`, "nightly")) ?? "")).toEqual(s);
    const again = await httpCall(sup.url, "schedule.add", { schedule: s }, userKey);
    expect(again.error?.code).toBe(-32080);
    const list = await httpCall<{ schedules: { name: string; signed_by: string[] }[] }>(
      sup.url,
      "schedule.list",
      {},
      userKey,
    );
    expect(list.result?.schedules).toEqual([
      expect.objectContaining({ name: "nightly", signed_by: [signer.public_key] }),
    ]);
    const runs = await httpCall(sup.url, "schedule.runs", { name: "nightly" }, userKey);
    expect(runs.result).toEqual({ runs: [] });
    const byUser = await httpCall(sup.url, "schedule.remove", { name: "nightly" }, userKey);
    expect(byUser.error?.code).toBe(-32002);
    const byAdmin = await httpCall(sup.url, "schedule.remove", { name: "nightly" }, sup.adminKey);
    expect(byAdmin.result).toEqual({ removed: true });
    const gone = await httpCall(sup.url, "schedule.remove", { name: "nightly" }, sup.adminKey);
    expect(gone.error?.code).toBe(-32081);
  });

  test("a forged, unsigned, malformed or spent schedule is not stored", async () => {
    const forged = { ...schedule({ name: "forged" }), cron: "* * * * *" };
    const unsigned = { ...schedule({ name: "unsigned" }), signatures: [] };
    const malformed = { ...schedule({ name: "malformed" }), every_ms: 1000 };
    const spent = schedule({ name: "spent", not_after: "2001-01-01T00:00:00.000Z" });
    const cases: [Schedule, number, string][] = [
      [forged, -32011, "invalid signature"],
      [unsigned, -32011, "schedule is not signed"],
      [malformed, -32010, "exactly one of cron and every_ms"],
      [spent, -32011, "no occurrence from now on"],
    ];
    for (const [s, code, message] of cases) {
      const answer = await httpCall(sup.url, "schedule.add", { schedule: s }, userKey);
      expect(answer.error?.code, s.name).toBe(code);
      expect(answer.error?.message, s.name).toContain(message);
      expect(await redis.hexists(`${ns}:schedules`, s.name)).toBe(0);
    }
  });

  test("horus schedule goes through the supervisor with --supervisor", async () => {
    const horus = (args: string[], key: string, input?: string) =>
      runToEnd(process.execPath, [distBin("horus"), "--supervisor", sup.url, ...args], {
        input,
        env: { HORUS_API_KEY: key, HORUS_SIGNING_KEY: signer.private_key },
      });
    const add = await horus(
      ["schedule", "add", "via-sup", "--runner", "r1", "--every", "1h", "--script", "-"],
      userKey,
      "echo x",
    );
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: "via-sup", runner: "r1" });
    const list = await horus(["schedule", "list", "--json"], userKey);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: "via-sup", every_ms: 3_600_000 }),
    ]);
    expect((await horus(["schedule", "remove", "via-sup"], userKey)).code).toBe(1);
    expect((await horus(["schedule", "remove", "via-sup"], sup.adminKey)).code).toBe(0);
  });
});

// Recurring jobs under faults (npm run test:faults): a Redis of the suite's own, real runner
// processes, the instance that mints a schedule's occurrences killed with SIGKILL twice, or
// frozen (SIGSTOP) past its minting lease and then let go on to race the instance that took
// it over. Each occurrence must run exactly once, none missing between the first and last.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OwnRedis } from "../helpers/redis-server.js";
import { type RecurringReport, recurringScenario } from "../helpers/schedule-scenario.js";

let server: OwnRedis;
const summary: Record<string, string | number>[] = [];

beforeAll(async () => {
  server = await OwnRedis.start();
});

afterAll(async () => {
  console.table(summary);
  await server.destroy();
});

function record(scenario: string, r: RecurringReport): void {
  summary.push({
    scenario,
    occurrences: r.ran.length,
    "run twice": r.runTwice.length,
    missing: r.missing.length,
    handovers: r.handovers.length,
    outcomes: Object.entries(r.outcomes)
      .map(([k, v]) => `${k}:${v}`)
      .join(" "),
  });
}

function expectExactlyOnce(r: RecurringReport, hits: number): void {
  expect(r.runTwice).toEqual([]);
  expect(r.missing).toEqual([]);
  expect(r.handovers).toHaveLength(hits);
  for (const h of r.handovers) expect(h.next).not.toBe(h.killed);
  // Only jobs a killed instance held can have ended otherwise: swept as crashed.
  const others = Object.keys(r.outcomes).filter((k) => k !== "finished" && k !== "error:crashed");
  expect(others).toEqual([]);
  expect(r.outcomes["error:crashed"] ?? 0).toBeLessThanOrEqual(hits);
}

describe("schedules under faults", () => {
  test("every 2 s over 30 s, three instances, the minting one killed with SIGKILL twice", async () => {
    const r = await recurringScenario({
      redisUrl: server.url,
      namespace: "sched-kill",
      instances: 3,
      kills: 2,
      spanMs: 30_000,
    });
    record("minter killed twice", r);
    expectExactlyOnce(r, 2);
    expect(r.ran.length).toBeGreaterThanOrEqual(16);
  });

  test("every 2 s over 20 s, the minting instance frozen past its lease, then let go on", async () => {
    const r = await recurringScenario({
      redisUrl: server.url,
      namespace: "sched-pause",
      instances: 2,
      kills: 1,
      pause: true,
      spanMs: 20_000,
    });
    record("minter frozen, then racing", r);
    expectExactlyOnce(r, 1);
  });
});

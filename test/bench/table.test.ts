// The queue benchmark's tables (bench/lib/table.mjs): ratios of medians, missing columns,
// and each target of issues 25 and 24 judged on the right side of its bound.
import { describe, expect, test } from "vitest";
import { formatTable, medianOf, resultRows, targetRows } from "../../bench/lib/table.mjs";

type Results = Parameters<typeof targetRows>[0];

/** One pre-filled run: its rate and the runner's CPU per job. */
const pre = (rate: number, workerUs: number) => ({ rate, workerUs, redisUs: 50 });

/** Results in which every target sits exactly at its bound (each is met at equality). */
function atTheBounds(): Results {
  return new Map<string, Record<string, (number | Record<string, number>)[]>>([
    ["bulk", { ours: [1500, 1400, 1600], bull: [1000, 1000, 1000], bee: [1499, 1499, 1499] }],
    ["c10", { ours: [800], bull: [1000], bullSigned: [615] }],
    [
      "prefilled",
      {
        ours: [{ rate: 1, workerUs: 150, redisUs: 80 }],
        bull: [{ rate: 2, workerUs: 100, redisUs: 100 }],
      },
    ],
    [
      "metrics",
      {
        ours: [pre(100, 100), pre(100, 100), pre(100, 100)],
        oursMetrics: [pre(95, 105), pre(95, 105), pre(95, 105)],
      },
    ],
    ["closed", { ours: [{ p50: 0.6, p99: 2 }], bull: [{ p50: 1, p99: 2 }] }],
  ]);
}

const verdicts = (results: Results) => targetRows(results).rows.map((r) => r[2]);

describe("bench tables", () => {
  test("the median of an odd and an even count (nearest rank, as the tables print)", () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(3);
  });

  test("every target is met at its bound", () => {
    expect(verdicts(atTheBounds())).toEqual(Array(9).fill("met"));
  });

  test("each target is not met just past its bound", () => {
    // [scenario, column, its new values, the targets that fail then]
    const cases: [string, string, (number | Record<string, number>)[], number[]][] = [
      // Ours below 1.5x BullMQ is also no longer ahead of bee-queue (1499).
      ["bulk", "ours", [1499], [0, 1]],
      ["bulk", "bee", [1500, 1500, 1500], [1]],
      ["c10", "bull", [1001], [2]],
      ["c10", "bullSigned", [616], [3]],
      ["prefilled", "ours", [{ rate: 1, workerUs: 151, redisUs: 80 }], [4]],
      ["prefilled", "ours", [{ rate: 1, workerUs: 150, redisUs: 81 }], [5]],
      ["closed", "ours", [{ p50: 0.61, p99: 2 }], [6]],
      ["metrics", "oursMetrics", [pre(94.9, 105), pre(94.9, 105), pre(95, 105)], [7]],
      ["metrics", "oursMetrics", [pre(95, 105.1), pre(95, 105.1), pre(95, 105)], [8]],
    ];
    for (const [id, column, values, failing] of cases) {
      const results = atTheBounds();
      (results.get(id) as Record<string, unknown>)[column] = values;
      const expected = Array(9).fill("met");
      for (const index of failing) expected[index] = "not met";
      expect(verdicts(results), `${id}.${column}`).toEqual(expected);
    }
  });

  test("metrics on and off are judged pair by pair, not by the ratio of the medians", () => {
    const results = atTheBounds();
    // Rates spread over 100-300 jobs/s as the machine's load moved, and one metrics-on run
    // disturbed: the ratio of the medians (120 against 200) would say metrics cost 40%.
    (results.get("metrics") as Record<string, unknown>).ours = [
      pre(100, 100),
      pre(200, 50),
      pre(300, 40),
    ];
    (results.get("metrics") as Record<string, unknown>).oursMetrics = [
      pre(99, 101),
      pre(198, 51),
      pre(120, 100),
    ];
    expect(verdicts(results).slice(7)).toEqual(["met", "met"]);
    expect(targetRows(results).rows[7]?.[1]).toContain("median of 3 pairs");
  });

  test("a scenario that did not run is said so, not judged", () => {
    const results = atTheBounds();
    results.delete("closed");
    expect(verdicts(results)[6]).toBe("not run");
  });

  test("a row shows ours against each peer it has, and a dash for the others", () => {
    const results: Results = new Map([
      ["c10", { ours: [100, 300, 200], bull: [400, 400, 400] }],
      ["closed", { ours: [{ p50: 1, p99: 4 }], bull: [{ p50: 2, p99: 4 }] }],
    ]);
    const { header, rows } = resultRows(
      [
        { id: "c10", label: "c=10", kind: "rate" },
        { id: "closed", label: "closed", kind: "latency" },
        { id: "absent", label: "absent", kind: "rate" },
      ],
      results,
    );
    expect(header).toEqual([
      "scenario",
      "ours",
      "BullMQ",
      "bee-queue",
      "ours/BullMQ",
      "ours/bee-queue",
    ]);
    expect(rows).toEqual([
      ["c=10 (jobs/s)", "200 (100–300)", "400 (400–400)", "—", "0.50x", "—"],
      [
        "closed, p50 (ms, lower is better)",
        "1.00 (1.00–1.00)",
        "2.00 (2.00–2.00)",
        "—",
        "0.50x",
        "—",
      ],
      [
        "closed, p99 (ms, lower is better)",
        "4.00 (4.00–4.00)",
        "4.00 (4.00–4.00)",
        "—",
        "1.00x",
        "—",
      ],
    ]);
    expect(formatTable({ header: ["a", "bb"], rows: [["ccc", "d"]] })).toBe(
      "| a   | bb |\n|-----|----|\n| ccc | d  |",
    );
  });
});

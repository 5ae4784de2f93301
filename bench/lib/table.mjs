// The queue benchmark's tables: the results (ours beside each peer, medians with min–max and
// the ratio of the medians), and the targets of issues 25 and 24, met or not.
import { quantile, spread } from "./stats.mjs";

export const PEERS = [
  ["bull", "BullMQ"],
  ["bee", "bee-queue"],
];

export function medianOf(values) {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

const ratioText = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : "—");

/** One printed row: the label, ours, each peer, and ours/peer for each peer. */
function row(label, oursValues, peerValues, digits) {
  const cells = [label, spread(oursValues, digits)];
  for (const values of peerValues) cells.push(values ? spread(values, digits) : "—");
  for (const values of peerValues)
    cells.push(values ? ratioText(medianOf(oursValues) / medianOf(values)) : "—");
  return cells;
}

/**
 * The results table: for each scenario that ran, its rows (by default one: ours against every
 * peer column it has), one printed row per number (a rate; p50 and p99; the pre-filled run's
 * rate and CPU per job).
 */
export function resultRows(scenarios, results) {
  const header = [
    "scenario",
    "ours",
    ...PEERS.map(([, name]) => name),
    ...PEERS.map(([, name]) => `ours/${name}`),
  ];
  const rows = [];
  for (const sc of scenarios) {
    const values = results.get(sc.id);
    if (!values) continue;
    const specs = sc.rows ?? [{ label: sc.label, ours: "ours", bull: "bull", bee: "bee" }];
    for (const spec of specs) {
      const pick = (column, key) => {
        const v = column === undefined ? undefined : values[column];
        if (!v || v.length === 0) return undefined;
        return key === undefined ? v : v.map((r) => r[key]);
      };
      const numbers =
        sc.kind === "latency"
          ? [
              ["p50", ", p50 (ms, lower is better)", 2],
              ["p99", ", p99 (ms, lower is better)", 2],
            ]
          : sc.kind === "prefilled"
            ? [
                ["rate", " (jobs/s)", 0],
                ["workerUs", ": worker process CPU per job (µs, lower is better)", 0],
                ["redisUs", ": Redis CPU per job (µs, lower is better)", 0],
              ]
            : [[undefined, " (jobs/s)", 0]];
      for (const [key, suffix, digits] of numbers) {
        const oursValues = pick(spec.ours, key);
        if (!oursValues) continue;
        rows.push(
          row(
            `${spec.label}${suffix}`,
            oursValues,
            PEERS.map(([column]) => pick(spec[column], key)),
            digits,
          ),
        );
      }
    }
  }
  return { header, rows };
}

/**
 * The targets of issue 25 (ours against BullMQ, medians of this run) and the metrics cost of
 * issue 24. Each: what it asks, what was measured, "met" / "not met" (or "not run").
 */
export function targetRows(results) {
  const med = (id, column, key) => {
    const v = results.get(id)?.[column];
    if (!v || v.length === 0) return Number.NaN;
    return medianOf(key === undefined ? v : v.map((r) => r[key]));
  };
  const verdict = (ok, measured) => (Number.isNaN(measured) ? "not run" : ok ? "met" : "not met");
  const rows = [];
  const ratioTarget = (target, a, b, test) => {
    const r = a / b;
    rows.push([target, ratioText(r), verdict(test(r), r)]);
  };
  ratioTarget(
    "bulk (submitMany, one signature a batch) >= 1.50x BullMQ addBulk",
    med("bulk", "ours"),
    med("bulk", "bull"),
    (r) => r >= 1.5,
  );
  ratioTarget(
    "bulk ahead of bee-queue saveAll (> 1.00x)",
    med("bulk", "ours"),
    med("bulk", "bee"),
    (r) => r > 1,
  );
  ratioTarget(
    "individually signed, overlapping, c=10 >= 0.80x BullMQ",
    med("c10", "ours"),
    med("c10", "bull"),
    (r) => r >= 0.8,
  );
  ratioTarget(
    "individually signed, overlapping, c=10 >= 1.30x BullMQ signing and verifying as we do",
    med("c10", "ours"),
    med("c10", "bullSigned"),
    (r) => r >= 1.3,
  );
  const ourCpu = med("prefilled", "ours", "workerUs");
  const bullCpu = med("prefilled", "bull", "workerUs");
  const extra = ourCpu - bullCpu;
  rows.push([
    "pre-filled: worker CPU per job <= BullMQ's + 50 µs",
    Number.isNaN(extra)
      ? "—"
      : `${ourCpu.toFixed(0)} against ${bullCpu.toFixed(0)} µs (${extra >= 0 ? "+" : ""}${extra.toFixed(0)})`,
    verdict(extra <= 50, extra),
  ]);
  ratioTarget(
    "pre-filled: Redis CPU per job <= 0.80x BullMQ's",
    med("prefilled", "ours", "redisUs"),
    med("prefilled", "bull", "redisUs"),
    (r) => r <= 0.8,
  );
  ratioTarget(
    "closed-loop p50 <= 0.60x BullMQ",
    med("closed", "ours", "p50"),
    med("closed", "bull", "p50"),
    (r) => r <= 0.6,
  );
  // Metrics on against off (#24): each back-to-back pair's ratio, then the median of those.
  const paired = (key) => {
    const v = results.get("metrics");
    if (!v || v.ours.length === 0) return { ratio: Number.NaN, ratios: [] };
    const ratios = v.ours.map((off, i) => v.oursMetrics[i][key] / off[key]);
    return { ratio: medianOf(ratios), ratios };
  };
  const pairedRow = (target, key, ok) => {
    const { ratio, ratios } = paired(key);
    const pct = (r) => `${r >= 1 ? "+" : ""}${((r - 1) * 100).toFixed(1)}%`;
    rows.push([
      target,
      Number.isNaN(ratio)
        ? "—"
        : `on/off ${pct(ratio)} (median of ${ratios.length} pairs: ${ratios.map(pct).join(", ")})`,
      verdict(ok(ratio), ratio),
    ]);
  };
  pairedRow(
    "#24: throughput (pre-filled) with metrics on within 5% of metrics off",
    "rate",
    (r) => r >= 0.95,
  );
  // The same cost as CPU per job, steadier than a rate on a shared machine.
  pairedRow(
    "#24, as runner CPU per job (pre-filled): metrics on within 5% of off",
    "workerUs",
    (r) => r <= 1.05,
  );
  return { header: ["target (ours against the peer, medians of this run)", "measured", ""], rows };
}

/** A Markdown table, columns padded to their widest cell. */
export function formatTable({ header, rows }) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

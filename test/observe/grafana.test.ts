// The dashboard and the metrics page name only metrics the code exports, and the page names
// every one of them: neither may drift from the code.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), "utf8");

/** Metric names the code registers (`name: "horus_..."` in the metrics modules). */
function exported(): Set<string> {
  const names = new Set<string>();
  for (const file of [
    "src/runtime/metrics.ts",
    "src/runtime/process-metrics.ts",
    "src/supervisor/metrics.ts",
  ])
    for (const m of read(file).matchAll(/"(horus_[a-z_]+[a-z])"/g)) names.add(m[1] as string);
  return names;
}

/** A sample name as Prometheus writes it, back to its metric (histograms add suffixes). */
function metricOf(sample: string): string {
  return sample.replace(/_(bucket|count|sum)$/, "");
}

describe("dashboards and docs follow the code", () => {
  const names = exported();

  test("every metric the Grafana dashboard queries exists", () => {
    const dashboard = JSON.parse(read("deploy/grafana/horus-runners.json")) as {
      panels: { targets: { expr: string }[] }[];
    };
    const used = new Set<string>();
    for (const p of dashboard.panels)
      for (const t of p.targets)
        for (const m of t.expr.matchAll(/horus_[a-z_]+/g)) used.add(metricOf(m[0]));
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(names, name).toContain(name);
  });

  test("docs/observability.md has a row for every metric, and names no other", () => {
    const doc = read("docs/observability.md");
    for (const name of names) expect(doc, name).toContain(`| \`${name}\` |`);
    for (const m of doc.matchAll(/\| `(horus_[a-z_]+)` \|/g)) expect(names).toContain(m[1]);
  });
});

// The overview: per runner id its live instances, queue depth, running jobs, oldest queued
// job, ends per minute and attempt durations (stats.overview), with small charts of ends
// and durations over the window (uPlot, served from node_modules), and each live instance.
import uPlot from "uplot";
import { $, cell, el, idNode, row, shortKey } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { duration, relative, timeNode } from "../lib/time.js";

const COLORS = { finished: "#17803d", failed: "#b42318", p50: "#2458a6", p95: "#c77700" };
const CHART_HEIGHT = 130;

/** uPlot instances by runner id and chart. */
const charts = new Map();

const html = `
  <h2>Overview</h2>
  <div class="row">
    <label class="inline">Window
      <select id="ov-window">
        <option value="900">15 min</option>
        <option value="1800" selected>30 min</option>
        <option value="3600">1 h</option>
      </select></label>
    <span id="ov-since" class="muted"></span>
  </div>
  <div class="table-wrap">
    <table id="overview" class="numbers">
      <thead><tr>
        <th>runner</th><th>live</th><th>queued</th><th>running</th><th>scheduled</th>
        <th>oldest queued</th><th>finished/min</th><th>failed/min</th>
        <th>finished</th><th>failed</th><th>p50</th><th>p95</th><th>dead letters</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </div>
  <p class="muted">Per minute: over the last 5 minutes. Finished, failed and the attempt
    durations (p50, p95): over the window, from the event stream.</p>
  <div id="ov-charts" class="charts"></div>
  <h3>Instances</h3>
  <div class="table-wrap">
    <table id="runners">
      <thead><tr><th>runner</th><th>registered</th><th>queue</th><th>instances</th></tr></thead>
      <tbody></tbody>
    </table>
  </div>`;

async function refresh() {
  const windowS = Number($("ov-window").value);
  const bucketS = windowS <= 900 ? 30 : 60;
  const ov = await session.call("stats.overview", { window_s: windowS, bucket_s: bucketS });
  showTable(ov);
  showCharts(ov);
  showInstances(session.runners);
  $("ov-since").textContent = ov.events_since
    ? `events since ${relative(ov.events_since)} (${ov.events_read} read)`
    : "no events in the window";
}

function showTable(ov) {
  $("overview").tBodies[0].replaceChildren(
    ...ov.runners.map((r) => {
      const w = r.window;
      const name = idNode(r.runner, `#/jobs/runner=${encodeURIComponent(r.runner)}`);
      return row(
        [
          name,
          cell("instances", `${r.instances}`, r.instances === 0 ? "bad" : ""),
          cell("queued", String(r.queued)),
          cell("running", String(r.running)),
          cell("scheduled", String(r.scheduled)),
          cell("oldest", r.queued > 0 ? duration(r.oldest_queued_age_s) : "–"),
          cell("finished_per_min", String(w.finished_per_min)),
          cell("failed_per_min", String(w.failed_per_min), w.failed_per_min > 0 ? "bad" : ""),
          cell("finished", String(w.finished)),
          cell("failed", String(w.failed), w.failed > 0 ? "bad" : ""),
          cell("p50", duration(w.duration_p50_s)),
          cell("p95", duration(w.duration_p95_s)),
          cell("dead", String(r.dead_letters)),
        ],
        { runner: r.runner },
      );
    }),
  );
}

/** A small time chart; `points`: dots on each value (for sparse series with gaps). */
function chartOptions(title, width, series, yLabel, points) {
  return {
    title,
    width,
    height: CHART_HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [{ stroke: "#6b7480" }, { stroke: "#6b7480", label: yLabel, size: 48 }],
    series: [
      {},
      ...series.map(([label, color]) => ({
        label,
        stroke: color,
        width: 2,
        points: { show: points, size: 5, fill: color },
        spanGaps: false,
      })),
    ],
  };
}

function showCharts(ov) {
  const box = $("ov-charts");
  const seen = new Set();
  for (const r of ov.runners) {
    seen.add(r.runner);
    const x = r.series.map((b) => b.t / 1000);
    const ended = [x, r.series.map((b) => b.finished), r.series.map((b) => b.failed)];
    const took = [x, r.series.map((b) => b.p50_s), r.series.map((b) => b.p95_s)];
    let entry = charts.get(r.runner);
    if (!entry) {
      const card = el("div", undefined, "chart-card");
      card.dataset.runner = r.runner;
      card.append(idNode(r.runner));
      const endedBox = el("div", undefined, "chart");
      endedBox.dataset.chart = "ended";
      const tookBox = el("div", undefined, "chart");
      tookBox.dataset.chart = "duration";
      card.append(endedBox, tookBox);
      box.append(card);
      const width = chartWidth(card);
      entry = {
        card,
        ended: new uPlot(
          chartOptions(
            `ended per ${ov.bucket_s} s`,
            width,
            [
              ["finished", COLORS.finished],
              ["failed", COLORS.failed],
            ],
            "jobs",
            false,
          ),
          ended,
          endedBox,
        ),
        took: new uPlot(
          chartOptions(
            "attempt duration",
            width,
            [
              ["p50", COLORS.p50],
              ["p95", COLORS.p95],
            ],
            "s",
            true,
          ),
          took,
          tookBox,
        ),
      };
      charts.set(r.runner, entry);
    } else {
      entry.ended.setData(ended);
      entry.took.setData(took);
    }
    // What the charts hold, for a reader (and a test) to check against the table.
    entry.card.dataset.finished = String(r.series.reduce((n, b) => n + b.finished, 0));
    entry.card.dataset.failed = String(r.series.reduce((n, b) => n + b.failed, 0));
  }
  for (const [runner, entry] of charts) {
    if (seen.has(runner)) continue;
    entry.ended.destroy();
    entry.took.destroy();
    entry.card.remove();
    charts.delete(runner);
  }
}

function chartWidth(card) {
  return Math.max(200, Math.min(560, (card.clientWidth || card.parentElement.clientWidth) - 16));
}

function resize() {
  for (const entry of charts.values()) {
    const width = chartWidth(entry.card);
    entry.ended.setSize({ width, height: CHART_HEIGHT });
    entry.took.setSize({ width, height: CHART_HEIGHT });
  }
}

/** Each runner id with its live instances, as their heartbeats describe them. */
function showInstances(runners) {
  $("runners").tBodies[0].replaceChildren(
    ...runners.map((r) => {
      const cellNode = el("td");
      if (r.instances.length === 0) cellNode.append(el("span", "offline", "bad"));
      for (const i of r.instances) {
        const line = el(
          "div",
          `${i.host} pid ${i.pid} · ${i.kind} ${i.version} · running ${i.jobs_running}/${i.concurrency} · done ${i.jobs_done} · up since `,
          "instance",
        );
        line.append(timeNode(i.started_at));
        // The key the instance signs results with, when it signs them.
        if (typeof i.public_key === "string" && i.public_key) {
          const key = el("span", ` · signs as ${shortKey(i.public_key)}`, "signer");
          key.title = i.public_key;
          line.append(key);
        }
        cellNode.append(line);
      }
      return row([idNode(r.name), r.registered ? "yes" : "no", String(r.queue_length), cellNode], {
        runner: r.name,
      });
    }),
  );
}

export default {
  name: "overview",
  title: "Overview",
  html,
  init() {
    $("ov-window").addEventListener("change", () => void refresh());
    let pending;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(resize, 150);
    });
  },
  show: () => refresh(),
  refresh,
};

// The process's own metrics (CPU, memory, open files, event-loop utilization), for runners
// and the supervisor, all read when scraped: nothing runs between scrapes.
//
// Why not prom-client's collectDefaultMetrics: it keeps a GC PerformanceObserver and an
// event-loop delay timer running all the time, and on a busy runner those cost more CPU per
// job than every job metric together (bench/RESULTS.md, session 9). Event-loop utilization
// (the share of time the loop was busy since the last scrape) comes from counters libuv
// keeps anyway, and says what the lag histogram said for alerting: a saturated loop.
import { readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Counter, Gauge, type Registry } from "prom-client";

const START_TIME_S = Math.round(Date.now() / 1000 - process.uptime());

export function processMetrics(register: Registry): void {
  const registers = [register];
  // prom-client counters only go up: each scrape adds what was used since the last one.
  let cpuSeenUs = 0;
  new Counter({
    name: "horus_process_cpu_seconds_total",
    help: "CPU time (user and system) this process has used",
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      const total = user + system;
      if (total > cpuSeenUs) this.inc((total - cpuSeenUs) / 1e6);
      cpuSeenUs = total;
    },
  });
  new Gauge({
    name: "horus_process_start_time_seconds",
    help: "When the process started, in seconds since the Unix epoch",
    registers,
    collect() {
      this.set(START_TIME_S);
    },
  });
  new Gauge({
    name: "horus_process_resident_memory_bytes",
    help: "Resident memory of the process",
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: "horus_process_heap_bytes",
    help: "V8 heap of the main thread: used, and total reserved",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const { heapUsed, heapTotal } = process.memoryUsage();
      this.set({ state: "used" }, heapUsed);
      this.set({ state: "total" }, heapTotal);
    },
  });
  new Gauge({
    name: "horus_process_open_fds",
    help: "Open file descriptors (Linux: 0 where /proc/self/fd cannot be read)",
    registers,
    collect() {
      try {
        this.set(readdirSync("/proc/self/fd").length);
      } catch {
        // not Linux: left at 0
      }
    },
  });
  let lastLoop = performance.eventLoopUtilization();
  new Gauge({
    name: "horus_process_event_loop_utilization",
    help: "Share of time the event loop was busy since the previous scrape (0 to 1)",
    registers,
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, lastLoop).utilization);
      lastLoop = now;
    },
  });
  new Gauge({
    name: "horus_process_node_info",
    help: "The Node.js version the process runs on (always 1)",
    labelNames: ["version"] as const,
    registers,
    collect() {
      this.set({ version: process.version }, 1);
    },
  });
}

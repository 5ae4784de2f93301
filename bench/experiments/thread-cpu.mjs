// CPU time (µs) of each thread of a process, summed by thread name, from /proc (Linux only):
// tells the main thread's work from V8's background compiler and GC helpers.
import { readdirSync, readFileSync } from "node:fs";

const TICK_US = 10_000; // USER_HZ is 100 on Linux

export function threadCpuUs(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const key = tid === String(pid) ? "main" : `${name}:${tid}`;
      out[key] = (out[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_US;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

export function threadCpuDelta(before, after, n) {
  return Object.keys(after)
    .map((k) => `${k} ${((after[k] - (before[k] ?? 0)) / n).toFixed(0)}`)
    .join(", ");
}

// The machine's process table, read from /proc on Linux (no helper process needed) and
// from `ps` elsewhere.

import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Short name (the kernel's `comm`). */
  readonly name: string;
  /** Full command line (empty for kernel threads). */
  readonly command: string;
  /** Resident memory, KiB. */
  readonly memory: number;
  /** CPU use in percent, averaged over the process's life (as `ps` reports it). */
  readonly cpu: number;
}

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux architecture Node supports
const PAGE_KB = 4;

async function fromProc(): Promise<ProcessInfo[]> {
  const uptime = Number((await readFile("/proc/uptime", "utf8")).split(" ")[0]);
  const pids = (await readdir("/proc")).filter((d) => /^\d+$/.test(d));
  const list = await Promise.all(
    pids.map(async (dir): Promise<ProcessInfo | null> => {
      try {
        const [stat, cmdline] = await Promise.all([
          readFile(`/proc/${dir}/stat`, "utf8"),
          readFile(`/proc/${dir}/cmdline`, "utf8"),
        ]);
        // The name is in parentheses and may itself contain spaces or parentheses.
        const open = stat.indexOf("(");
        const close = stat.lastIndexOf(")");
        const fields = stat.slice(close + 2).split(" ");
        const num = (i: number) => Number(fields[i - 3]); // fields are numbered from 1 in proc(5)
        const cpuSeconds = (num(14) + num(15)) / CLOCK_TICKS;
        const alive = uptime - num(22) / CLOCK_TICKS;
        return {
          pid: Number(dir),
          ppid: num(4),
          name: stat.slice(open + 1, close),
          command: cmdline
            .split("\0")
            .filter((s) => s !== "")
            .join(" "),
          memory: num(24) * PAGE_KB,
          cpu: alive > 0 ? Math.round((cpuSeconds / alive) * 1000) / 10 : 0,
        };
      } catch {
        return null; // exited while we were reading
      }
    }),
  );
  return list.filter((p): p is ProcessInfo => p !== null);
}

async function fromPs(): Promise<ProcessInfo[]> {
  const { stdout } = await promisify(execFile)(
    "ps",
    ["-axo", "pid=,ppid=,pcpu=,rss=,comm=,args="],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout
    .split("\n")
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(\S+)\s*(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({
      pid: Number(m[1]),
      ppid: Number(m[2]),
      cpu: Number(m[3]),
      memory: Number(m[4]),
      name: (m[5] as string).split("/").pop() as string,
      command: m[6] as string,
    }));
}

export function listProcesses(): Promise<ProcessInfo[]> {
  return process.platform === "linux" ? fromProc() : fromPs();
}

/** Processes whose name or command line contains `pattern` (all of them for ""). */
export async function matchProcesses(pattern: string): Promise<ProcessInfo[]> {
  const all = await listProcesses();
  if (pattern === "") return all;
  return all.filter((p) => p.name.includes(pattern) || p.command.includes(pattern));
}

/** The runner's own pid and its ancestors: `kill` must never take the runner down. */
export async function protectedPids(): Promise<Set<number>> {
  const byPid = new Map((await listProcesses()).map((p) => [p.pid, p]));
  const keep = new Set<number>([process.pid]);
  let current = byPid.get(process.pid);
  while (current && current.ppid > 0 && !keep.has(current.ppid)) {
    keep.add(current.ppid);
    current = byPid.get(current.ppid);
  }
  return keep;
}

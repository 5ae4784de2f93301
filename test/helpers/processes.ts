// Real processes for integration tests: start a command, read its output as it comes,
// wait for a line, stop it with a signal and see how it exits.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function distBin(name: string): string {
  return `${ROOT}dist/cli/${name}.js`;
}

export class Proc {
  readonly lines: string[] = [];
  readonly stderrLines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(readonly child: ChildProcess) {
    const split = (sink: string[], notify: boolean) => {
      let buf = "";
      return (chunk: Buffer) => {
        buf += chunk.toString("utf8");
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          sink.push(line);
          if (notify) this.notify(line);
          nl = buf.indexOf("\n");
        }
      };
    };
    child.stdout?.on("data", split(this.lines, true));
    child.stderr?.on("data", split(this.stderrLines, true));
    this.exited = new Promise((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  private notify(line: string): void {
    const matched = this.waiters.filter((w) => w.test(line));
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const w of matched) w.resolve(line);
  }

  /** Resolves with the first line (past or future, stdout or stderr) containing `text`. */
  waitFor(text: string, timeoutMs = 15_000): Promise<string> {
    const seen = [...this.lines, ...this.stderrLines].find((l) => l.includes(text));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`no line with "${text}" within ${timeoutMs} ms; output:\n${this.output()}`),
        );
      }, timeoutMs);
      this.waiters.push({
        test: (l) => l.includes(text),
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  output(): string {
    return [...this.lines, ...this.stderrLines].join("\n");
  }

  async stop(
    signal: NodeJS.Signals = "SIGTERM",
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export function start(command: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, HORUS_LOG_JSON: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  return new Proc(child);
}

export interface RunnerSpec {
  /** Path of the runner's entry script (a dist/cli file or a test fixture). */
  script: string;
  runnerId: string;
  namespace: string;
  trustedKeys: string[];
  redisUrl: string;
  args?: string[];
  env?: Record<string, string>;
}

/** Starts a runner process and waits until it takes jobs. */
export async function startRunner(spec: RunnerSpec): Promise<Proc> {
  const proc = start(
    process.execPath,
    [
      spec.script,
      spec.runnerId,
      "--redis-url",
      spec.redisUrl,
      "--namespace",
      spec.namespace,
      "--trusted-keys",
      spec.trustedKeys.join(","),
      ...(spec.args ?? []),
    ],
    spec.env,
  );
  await proc.waitFor('"msg":"runner started"');
  return proc;
}

/** Runs a command to its end and returns what it printed. */
export function runToEnd(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not end in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    // "close", not "exit": the process may have exited with output still in the pipes.
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** True while the process exists and is not a zombie (read from /proc). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

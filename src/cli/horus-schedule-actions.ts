// What `horus schedule ...` does (see horus-schedule.ts): build and sign a schedule from the
// flags (refused before signing, naming the flag, when a runner would refuse it), store it
// through Redis or a supervisor, list schedules, remove one, show a schedule's runs.
import type { Command } from "commander";
import { HorusClient, SupervisorClient } from "../client/index.js";
import { nextOccurrence, type Schedule, scheduleSchema, signSchedule } from "../job/index.js";
import {
  type InstanceInfo,
  type ScheduleRun,
  ScheduleStore,
  type ScheduleView,
} from "../protocol/index.js";
import { parseDurationMs, parseTime } from "./durations.js";
import { UsageError } from "./flags.js";
import { exitWhenWritten } from "./horus-actions.js";
import { type JobFlags, lifecycleOf, readSigningKey, readSource } from "./horus-job.js";
import { type RedisLocationFlags, redisUrlFromFlags } from "./options.js";

interface GlobalFlags extends RedisLocationFlags {
  namespace: string;
  supervisor?: string;
  apiKey?: string;
}

/** Where schedules are kept: Redis directly, or a supervisor's schedule.* methods. */
interface Backend {
  add(schedule: Schedule): Promise<void>;
  views(): Promise<ScheduleView[]>;
  remove(name: string): Promise<boolean>;
  runs(name: string, limit: number): Promise<ScheduleRun[]>;
  runners(runnerId: string): Promise<InstanceInfo[]>;
  close(): Promise<void>;
}

async function backendOf(flags: GlobalFlags): Promise<Backend> {
  if (flags.supervisor) {
    const sup = new SupervisorClient({ url: flags.supervisor, apiKey: flags.apiKey });
    await sup.ready();
    return {
      add: async (schedule) => {
        await sup.call("schedule.add", { schedule });
      },
      views: async () => (await sup.call<{ schedules: ScheduleView[] }>("schedule.list")).schedules,
      remove: async (name) =>
        (await sup.call<{ removed: boolean }>("schedule.remove", { name })).removed,
      runs: async (name, limit) =>
        (await sup.call<{ runs: ScheduleRun[] }>("schedule.runs", { name, limit })).runs,
      runners: (runnerId) => sup.runners(runnerId),
      close: async () => {},
    };
  }
  let redisUrl: string;
  try {
    redisUrl = redisUrlFromFlags(flags);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const client = new HorusClient({ redisUrl, namespace: flags.namespace });
  try {
    await client.ready();
  } catch (e) {
    await client.close();
    throw e;
  }
  const store = new ScheduleStore(client.store);
  return {
    add: (schedule) => store.add(schedule),
    views: () => store.views(),
    remove: (name) => store.remove(name),
    runs: (name, limit) => store.runs(name, limit),
    runners: (runnerId) => client.runners(runnerId),
    close: () => client.close(),
  };
}

function say(message: string): void {
  process.stderr.write(`horus: ${message}\n`);
}

/** Runs an action with the backend opened on demand; errors to exit codes (2 usage, 1 else). */
async function guarded(
  cmd: Command,
  action: (connect: () => Promise<Backend>) => Promise<number>,
): Promise<never> {
  let backend: Backend | undefined;
  let code = 0;
  try {
    code = await action(async () => {
      backend = await backendOf(cmd.optsWithGlobals<GlobalFlags>());
      return backend;
    });
  } catch (e) {
    say((e as Error).message);
    code = e instanceof UsageError ? 2 : 1;
  } finally {
    await backend?.close();
  }
  return exitWhenWritten(code);
}

/** A duration flag through the CLI's one duration syntax, as a usage error when bad. */
function duration(text: string, flag: string): number {
  try {
    return parseDurationMs(text, flag);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function time(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  try {
    return parseTime(text, flag).toISOString();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError("--env takes KEY=VALUE");
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

interface AddFlags {
  runner: string;
  cron?: string;
  every?: string;
  tz?: string;
  script: string;
  executor?: string;
  timeout?: number;
  env: string[];
  context?: string;
  caller?: string;
  notBefore?: string;
  notAfter?: string;
  key?: string;
  print?: boolean;
  attempts?: string;
  backoff?: string;
  priority?: string;
}

/** The flag each schedule field comes from, to name it in errors. */
const FLAG_OF: Record<string, string> = {
  name: "NAME",
  runner: "--runner",
  cron: "--cron",
  every_ms: "--every",
  timezone: "--tz",
  not_before: "--not-before",
  not_after: "--not-after",
  "template.payload": "--script",
  "template.timeout": "--timeout",
  "template.env_vars": "--env",
  "template.executor": "--executor",
  "template.caller_id": "--caller",
  "template.context_id": "--context",
  "template.max_attempts": "--attempts",
  "template.backoff": "--backoff",
  "template.priority": "--priority",
};

/** The schedule the flags describe, checked as a runner would check it, not yet signed. */
export function unsignedSchedule(name: string, flags: AddFlags, now = new Date()): Schedule {
  if ((flags.cron === undefined) === (flags.every === undefined))
    throw new UsageError("give exactly one of --cron EXPR and --every DURATION");
  const env = parseEnv(flags.env);
  const template: Schedule["template"] = { payload: readSource(flags.script, "script") };
  if (flags.executor !== undefined) template.executor = flags.executor;
  if (flags.timeout !== undefined) template.timeout = flags.timeout;
  if (flags.env.length > 0) template.env_vars = env;
  if (flags.caller !== undefined) template.caller_id = flags.caller;
  if (flags.context !== undefined) template.context_id = flags.context;
  // Attempts, backoff and priority as `horus submit` reads them, for each occurrence.
  const lifecycle = lifecycleOf(
    { attempts: flags.attempts, backoff: flags.backoff, priority: flags.priority } as JobFlags,
    now,
  );
  if (lifecycle.max_attempts !== undefined) template.max_attempts = lifecycle.max_attempts;
  if (lifecycle.backoff !== undefined) template.backoff = lifecycle.backoff;
  if (lifecycle.priority !== undefined) template.priority = lifecycle.priority;
  const schedule: Schedule = {
    name,
    runner: flags.runner,
    template,
    created_at: now.toISOString(),
    signatures: [],
  };
  if (flags.cron !== undefined) schedule.cron = flags.cron;
  if (flags.every !== undefined) schedule.every_ms = duration(flags.every, "--every");
  if (flags.tz !== undefined) schedule.timezone = flags.tz;
  const notBefore = time(flags.notBefore, "--not-before");
  const notAfter = time(flags.notAfter, "--not-after");
  if (notBefore !== undefined) schedule.not_before = notBefore;
  if (notAfter !== undefined) schedule.not_after = notAfter;
  const checked = scheduleSchema.safeParse(schedule);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => {
      const path = issue.path.join(".");
      const flag = FLAG_OF[path] ?? FLAG_OF[issue.path.slice(0, 2).join(".")];
      return flag === undefined ? `${path}: ${issue.message}` : `${flag}: ${issue.message}`;
    });
    throw new UsageError(`the schedule would be refused: ${problems.join("; ")}`);
  }
  if (nextOccurrence(schedule, now.getTime()) === undefined)
    throw new UsageError("the schedule has no occurrence from now on: nothing would ever run");
  return schedule;
}

/** The next `n` occurrences after `from`, RFC 3339. */
function upcoming(schedule: Schedule, from: number, n: number): string[] {
  const out: string[] = [];
  let t: number | undefined = from;
  while (out.length < n) {
    t = nextOccurrence(schedule, t);
    if (t === undefined) break;
    out.push(new Date(t).toISOString());
  }
  return out;
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function scheduleAdd(name: string, flags: AddFlags, cmd: Command) {
  return guarded(cmd, async (connect) => {
    // The key first: a schedule is not worth reading a script for when it cannot be signed.
    const key = readSigningKey(flags.key);
    const now = new Date();
    const schedule = signSchedule(unsignedSchedule(name, flags, now), key);
    if (flags.print) {
      printJson(schedule);
      return 0;
    }
    const backend = await connect();
    await backend.add(schedule);
    printJson({
      name: schedule.name,
      runner: schedule.runner,
      next: upcoming(schedule, now.getTime(), 3),
    });
    try {
      if ((await backend.runners(schedule.runner)).length === 0)
        say(
          `no live instance serves runner "${schedule.runner}": occurrences are minted and run once one does (those older than its --max-job-age are skipped)`,
        );
    } catch {
      // A key that may add schedules but not list runners: no warning.
    }
    return 0;
  });
}

function table(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of rows)
    process.stdout.write(
      `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}\n`,
    );
}

function when(v: ScheduleView): string {
  if (v.cron !== undefined) return `cron ${v.cron}${v.timezone ? ` (${v.timezone})` : ""}`;
  if (v.every_ms !== undefined) return `every ${v.every_ms} ms`;
  return "-";
}

export function scheduleList(flags: { json?: boolean }, cmd: Command) {
  return guarded(cmd, async (connect) => {
    const views = await (await connect()).views();
    if (flags.json) {
      printJson(views);
      return 0;
    }
    if (views.length === 0) {
      say("no schedules");
      return 0;
    }
    table([
      ["NAME", "RUNNER", "WHEN", "NEXT", "LAST MINTED", "SIGNED BY"],
      ...views.map((v) => [
        v.name,
        v.runner ?? "-",
        when(v),
        v.next ?? "-",
        v.last_minted ?? "-",
        v.problem !== undefined
          ? `PROBLEM: ${v.problem}`
          : v.signed_by.map((k) => `${k.slice(0, 16)}…`).join(","),
      ]),
    ]);
    return 0;
  });
}

export function scheduleRemove(name: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, async (connect) => {
    if (await (await connect()).remove(name)) {
      process.stdout.write(`${name}: removed\n`);
      return 0;
    }
    say(`no schedule named "${name}"`);
    return 1;
  });
}

export function scheduleRuns(
  name: string,
  flags: { json?: boolean; limit?: number },
  cmd: Command,
) {
  return guarded(cmd, async (connect) => {
    const runs = await (await connect()).runs(name, flags.limit ?? 100);
    if (flags.json) {
      printJson(runs);
      return 0;
    }
    if (runs.length === 0) {
      say(`no occurrences of "${name}" recorded`);
      return 0;
    }
    table([
      ["OCCURRENCE", "ID", "STATUS", "ERROR"],
      ...runs.map((r) => [
        r.occurrence,
        r.id,
        r.status,
        r.error_kind === undefined ? "" : `${r.error_kind}: ${r.error ?? ""}`,
      ]),
    ]);
    return 0;
  });
}

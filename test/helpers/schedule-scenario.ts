// The recurring-jobs acceptance scenario (issue #23), shared by the runtime suite (the shared
// Redis) and the fault suite (a Redis of its own): a schedule every 2 s, real runner
// processes sharing its runner id, the instance holding the minting lease killed with
// SIGKILL along the way. What it reports is what ran: each occurrence must have run exactly
// once, with no occurrence missing between the first and the last.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { generateKeyPair, signSchedule } from "../../src/job/index.js";
import { JobStore, ScheduleStore } from "../../src/protocol/index.js";
import { executedIds } from "./executions.js";
import { type Proc, ROOT, startRunner } from "./processes.js";
import { until } from "./until.js";

export interface RecurringOptions {
  redisUrl: string;
  namespace: string;
  /** Runner processes serving the runner id at once. */
  instances: number;
  /**
   * How many times the minting instance is hit: killed with SIGKILL (a new one started after
   * each, but the last), or with `pause` stopped (SIGSTOP) until another instance took the
   * lease over, then let go on (SIGCONT) to race it.
   */
  kills: number;
  pause?: boolean;
  /** How long the occurrences that ran must span, first to last (ms). */
  spanMs: number;
  everyMs?: number;
}

export interface RecurringReport {
  /** The occurrence times (ms) that ran, oldest first, each once. */
  ran: number[];
  /** Occurrence ids that ran more than once. */
  runTwice: string[];
  /** Occurrence times between the first and the last that never ran. */
  missing: number[];
  /** The minting instances killed, and who minted after each kill. */
  handovers: { killed: string; next: string }[];
  /** How the occurrences' jobs ended (status or error kind, with a count). */
  outcomes: Record<string, number>;
}

const RUNNER = "ticker";
const NAME = "every2s";

function pidOf(instance: string): number {
  return Number(/-(\d+)-[0-9a-f]+$/.exec(instance)?.[1] ?? Number.NaN);
}

export async function recurringScenario(o: RecurringOptions): Promise<RecurringReport> {
  const every = o.everyMs ?? 2000;
  const keys = generateKeyPair();
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  redis.on("error", () => {});
  const jobs = new JobStore(redis, o.namespace);
  const schedules = new ScheduleStore(jobs);
  const recordKey = `${o.namespace}:executed`;
  const stateDir = mkdtempSync(join(tmpdir(), "horus-sched-"));
  const runners: Proc[] = [];
  const spawn = async () => {
    const p = await startRunner({
      script: `${ROOT}test/fixtures/test-runner.mjs`,
      runnerId: RUNNER,
      namespace: o.namespace,
      trustedKeys: [keys.public_key],
      redisUrl: o.redisUrl,
      args: ["--record-key", recordKey, "--heartbeat", "1", "--state-dir", stateDir],
    });
    runners.push(p);
    return p;
  };
  const ran = async () => {
    const ids = (await executedIds(redis, recordKey)).filter((id) => id.startsWith("sched:"));
    return ids;
  };
  const times = (ids: string[]) =>
    [...new Set(ids)].map((id) => Number(id.split(":")[2])).sort((a, b) => a - b);
  const minter = async () => (await schedules.minterOf(RUNNER)) ?? "";
  const handovers: { killed: string; next: string }[] = [];
  try {
    for (let i = 0; i < o.instances; i++) await spawn();
    await schedules.add(
      signSchedule(
        {
          name: NAME,
          runner: RUNNER,
          every_ms: every,
          template: { payload: `echo tick`, timeout: 10 },
          created_at: new Date().toISOString(),
          signatures: [],
        },
        keys.private_key,
      ),
    );
    const first = (await until(async () => times(await ran())[0], {
      what: "the first occurrence to run",
    })) as number;
    for (let k = 1; k <= o.kills; k++) {
      // Evenly spread over the span; right after an occurrence ran, so the victim is
      // between jobs as often as not (a job it holds when killed is swept, as after any crash).
      const at = first + (o.spanMs * k) / (o.kills + 1);
      await until(async () => (times(await ran()).at(-1) ?? 0) >= at, {
        timeout: o.spanMs + 30_000,
        what: `occurrences up to ${new Date(at).toISOString()}`,
      });
      const killed = await minter();
      const victim = runners.find((r) => r.child.pid === pidOf(killed));
      if (victim === undefined) throw new Error(`no runner process is the minter ${killed}`);
      if (o.pause) victim.child.kill("SIGSTOP");
      else {
        await victim.stop("SIGKILL");
        runners.splice(runners.indexOf(victim), 1);
        if (k < o.kills || runners.length === 0) await spawn();
      }
      const next = await until(
        async () => {
          const holder = await minter();
          return holder !== "" && holder !== killed ? holder : undefined;
        },
        { what: "another instance to take the minting lease over" },
      );
      handovers.push({ killed, next });
      if (o.pause) victim.child.kill("SIGCONT");
    }
    await until(async () => (times(await ran()).at(-1) ?? 0) >= first + o.spanMs, {
      timeout: o.spanMs + 30_000,
      what: `occurrences spanning ${o.spanMs} ms`,
    });
    // No more minting; whatever was minted up to the last that ran must have ended.
    await schedules.remove(NAME);
    const last = times(await ran()).at(-1) as number;
    const outcomes: Record<string, number> = {};
    await until(
      async () => {
        for (const k of Object.keys(outcomes)) delete outcomes[k];
        for (let t = first; t <= last; t += every) {
          const [status, kind] = await redis.hmget(
            jobs.keys.job(`sched:${NAME}:${t}`),
            "status",
            "error_kind",
          );
          const word = status === "error" ? `error:${kind}` : (status ?? "never minted");
          outcomes[word] = (outcomes[word] ?? 0) + 1;
        }
        // Settled: ended, or never minted (a gap, reported below).
        return Object.keys(outcomes).every(
          (w) => w === "finished" || w === "never minted" || w.startsWith("error:"),
        );
      },
      { what: "every occurrence up to the last that ran to end" },
    );
    const ids = await ran();
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const ranTimes = times(ids);
    const missing: number[] = [];
    for (let t = first; t <= (ranTimes.at(-1) as number); t += every)
      if (!counts.has(`sched:${NAME}:${t}`)) missing.push(t);
    return {
      ran: ranTimes,
      runTwice: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
      missing,
      handovers,
      outcomes,
    };
  } finally {
    for (const r of runners) {
      r.child.kill("SIGCONT");
      await r.stop("SIGKILL");
    }
    redis.disconnect();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

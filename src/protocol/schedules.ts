// Schedules in Redis (docs/protocol.md, "Schedules"): the namespace's schedules hash, each
// schedule's minted occurrences and its last minted time, the minting lease of a runner id,
// and MINT, which stores and queues an occurrence as SUBMIT stores and queues a job.
import {
  type JobStatus,
  nextOccurrence,
  occurrenceFields,
  occurrenceJob,
  parseScheduleJson,
  type Schedule,
  scheduleBytes,
  verifySignatures,
} from "../job/index.js";
import { decodeCode, MINT_CODES, MINTER_LEASE_CODES, REMOVE_SCHEDULE_CODES } from "./codes.js";
import { MINT, MINTER_LEASE, REMOVE_SCHEDULE } from "./schedule-lua.js";
import { runScript } from "./scripts-runner.js";
import { explainRedisError, type JobStore } from "./store.js";

/** How many minted occurrences a schedule's runs set keeps (the newest). */
export const SCHEDULE_RUNS_KEPT = 100;

export type MintOutcome = "queued" | "exists" | "claimed" | "minted-before" | "schedule-changed";

/** A schedule as stored: its JSON, and the schedule when the JSON is one. */
export interface StoredSchedule {
  name: string;
  /** The JSON exactly as stored: what every occurrence carries, and what MINT compares. */
  json: string;
  schedule?: Schedule;
  /** Why the JSON is no schedule (it was written by hand, or by a newer version). */
  problem?: string;
}

/** One minted occurrence and how its job stands now. */
export interface ScheduleRun {
  id: string;
  /** The occurrence time, RFC 3339. */
  occurrence: string;
  /** The job's status; `expired` once its record is gone (retention, or the count cap). */
  status: JobStatus | "expired";
  started_at?: string;
  finished_at?: string;
  error_kind?: string;
  error?: string;
}

/** A schedule as tools list it (`horus schedule list`, the supervisor's schedule.list). */
export interface ScheduleView {
  name: string;
  runner?: string;
  cron?: string;
  every_ms?: number;
  timezone?: string;
  not_before?: string;
  not_after?: string;
  created_at?: string;
  /** Keys whose signatures verify (whether a runner trusts them is the runner's to say). */
  signed_by: string[];
  /** The next occurrence after now, if any. */
  next?: string;
  last_minted?: string;
  /** What is wrong with it: not a schedule, or a signature that does not verify. */
  problem?: string;
}

export class ScheduleExistsError extends Error {
  override readonly name = "ScheduleExistsError";
}

export class ScheduleStore {
  constructor(readonly jobs: JobStore) {}

  private get redis() {
    return this.jobs.redis;
  }

  private get keys() {
    return this.jobs.keys;
  }

  /**
   * Stores a signed schedule under its name. A name in use is refused: a schedule's runs and
   * its last minted time belong to it, and replacing it is removing it and adding another.
   */
  async add(schedule: Schedule): Promise<void> {
    const added = await this.redis
      .hsetnx(this.keys.schedules(), schedule.name, JSON.stringify(schedule))
      .catch((e: unknown) => {
        throw explainRedisError(e, `schedule ${schedule.name} was not added`);
      });
    if (added === 0)
      throw new ScheduleExistsError(
        `a schedule named "${schedule.name}" exists already; remove it first (horus schedule remove ${schedule.name})`,
      );
  }

  /** Removes a schedule and its record of occurrences; false when there was none. */
  async remove(name: string): Promise<boolean> {
    const code = await runScript(
      this.redis,
      REMOVE_SCHEDULE,
      [this.keys.schedules(), this.keys.scheduleRuns(name), this.keys.scheduleLast(name)],
      [name],
    );
    return decodeCode(REMOVE_SCHEDULE_CODES, code, "REMOVE_SCHEDULE") === "removed";
  }

  /** One schedule as stored, or undefined. */
  async get(name: string): Promise<StoredSchedule | undefined> {
    const json = await this.redis.hget(this.keys.schedules(), name);
    return json === null ? undefined : stored(name, json);
  }

  /** Every schedule of the namespace, by name. Nothing here checks signatures. */
  async list(): Promise<StoredSchedule[]> {
    const all = await this.redis.hgetall(this.keys.schedules());
    return Object.keys(all)
      .sort()
      .map((name) => stored(name, all[name] as string));
  }

  /** Every schedule with what tools show of it, by name. */
  async views(now = Date.now()): Promise<ScheduleView[]> {
    const list = await this.list();
    const last = await this.lastMinted(list.map((s) => s.name));
    return list.map((stored) => viewOf(stored, last.get(stored.name), now));
  }

  /** The last minted occurrence time (ms) of each named schedule, when it has one. */
  async lastMinted(names: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (names.length === 0) return out;
    const values = await this.redis.mget(...names.map((n) => this.keys.scheduleLast(n)));
    names.forEach((name, i) => {
      const t = Number(values[i] ?? Number.NaN);
      if (values[i] !== null && Number.isSafeInteger(t)) out.set(name, t);
    });
    return out;
  }

  /**
   * Stores and queues the occurrence at `t` of a schedule, whose JSON is `json` exactly as
   * stored (see MINT).
   */
  async mint(schedule: Schedule, json: string, t: number): Promise<MintOutcome> {
    const job = occurrenceJob(schedule, t);
    const [submitKeys, submitArgs] = this.jobs.submitCall(job);
    const fields = occurrenceFields(json, t);
    const code = await runScript(
      this.redis,
      MINT,
      [
        ...submitKeys,
        this.keys.schedules(),
        this.keys.scheduleRuns(schedule.name),
        this.keys.scheduleLast(schedule.name),
      ],
      [schedule.name, t, SCHEDULE_RUNS_KEPT, json, fields.occurrence as string, ...submitArgs],
    ).catch((e: unknown) => {
      throw explainRedisError(e, `occurrence ${job.id} was not minted`);
    });
    return decodeCode(MINT_CODES, code, "MINT");
  }

  /** The newest minted occurrences of a schedule (at most `limit`), newest first. */
  async runs(name: string, limit = SCHEDULE_RUNS_KEPT): Promise<ScheduleRun[]> {
    const flat = await this.redis.zrevrange(
      this.keys.scheduleRuns(name),
      0,
      Math.max(0, limit - 1),
      "WITHSCORES",
    );
    const ids: [string, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) ids.push([flat[i] as string, Number(flat[i + 1])]);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const [id] of ids)
      pipe.hmget(this.keys.job(id), "status", "started_at", "finished_at", "error_kind", "error");
    const replies = (await pipe.exec()) ?? [];
    return ids.map(([id, t], i) => {
      const [status, started_at, finished_at, error_kind, error] = (replies[i]?.[1] ?? []) as (
        | string
        | null
      )[];
      const run: ScheduleRun = {
        id,
        occurrence: new Date(t).toISOString(),
        status: (status as JobStatus | null) ?? "expired",
      };
      if (started_at) run.started_at = started_at;
      if (finished_at) run.finished_at = finished_at;
      if (error_kind) run.error_kind = error_kind;
      if (error) run.error = error;
      return run;
    });
  }

  /**
   * Takes or renews the minting lease of a runner id for `ms`; true while this instance
   * holds it, false when another does.
   */
  async holdMinterLease(runnerId: string, instance: string, ms: number): Promise<boolean> {
    const code = await runScript(
      this.redis,
      MINTER_LEASE,
      [this.keys.minter(runnerId)],
      [instance, Math.max(1, Math.ceil(ms)), "hold"],
    );
    return decodeCode(MINTER_LEASE_CODES, code, "MINTER_LEASE") === "held";
  }

  /** Gives the minting lease up (a stopping holder), so another instance takes it at once. */
  async releaseMinterLease(runnerId: string, instance: string): Promise<boolean> {
    const code = await runScript(
      this.redis,
      MINTER_LEASE,
      [this.keys.minter(runnerId)],
      [instance, 1, "release"],
    );
    return decodeCode(MINTER_LEASE_CODES, code, "MINTER_LEASE") === "held";
  }

  /** The instance holding a runner id's minting lease, if any. */
  async minterOf(runnerId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.minter(runnerId))) ?? undefined;
  }
}

function stored(name: string, json: string): StoredSchedule {
  try {
    return { name, json, schedule: parseScheduleJson(json) };
  } catch (e) {
    return { name, json, problem: (e as Error).message };
  }
}

function viewOf(stored: StoredSchedule, lastMinted: number | undefined, now: number): ScheduleView {
  const last = lastMinted === undefined ? {} : { last_minted: new Date(lastMinted).toISOString() };
  const s = stored.schedule;
  if (s === undefined)
    return { name: stored.name, signed_by: [], ...last, problem: stored.problem };
  const report = verifySignatures(scheduleBytes(s), s.signatures);
  const next = nextOccurrence(s, now);
  const view: ScheduleView = {
    name: s.name,
    runner: s.runner,
    ...(s.cron === undefined ? {} : { cron: s.cron }),
    ...(s.every_ms === undefined ? {} : { every_ms: s.every_ms }),
    ...(s.timezone === undefined ? {} : { timezone: s.timezone }),
    ...(s.not_before === undefined ? {} : { not_before: s.not_before }),
    ...(s.not_after === undefined ? {} : { not_after: s.not_after }),
    created_at: s.created_at,
    signed_by: report.valid,
    ...(next === undefined ? {} : { next: new Date(next).toISOString() }),
    ...last,
  };
  if (stored.name !== s.name) view.problem = `stored under "${stored.name}", named "${s.name}"`;
  else if (s.signatures.length === 0) view.problem = "not signed";
  else if (report.invalid.length > 0) view.problem = report.invalid.join("; ");
  return view;
}

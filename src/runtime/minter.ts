// Minting schedules' occurrences (docs/protocol.md, "Schedules"). Every runner instance runs
// a Minter; the one holding its runner id's minting lease mints, the others only try to take
// the lease when it lapses (its holder killed outright) or is released (its holder stopped).
// The holder mints each due occurrence of its runner id's schedules with MINT, then sleeps
// until the next one is due or the lease needs renewing, whichever comes first: no polling
// in between. A second minter (a holder paused past its lease) mints nothing twice: an
// occurrence's id is its schedule's name and time, and MINT refuses an id minted, queued or
// claimed before.
import { checkSchedule, nextOccurrence, occurrencesBetween, type Schedule } from "../job/index.js";
import type { ScheduleStore } from "../protocol/index.js";
import type { Logger } from "./logger.js";

export interface MinterOptions {
  store: ScheduleStore;
  runnerId: string;
  instance: string;
  /** Whose signatures make a schedule worth minting, and the age window occurrences must fit. */
  policy: { trustedKeys: ReadonlySet<string>; maxJobAgeS: number };
  /** How long the lease lives unrenewed (ms): 3 heartbeats. */
  leaseMs: number;
  /** How often the lease is renewed, and a non-holder tries to take it (ms): a heartbeat. */
  renewMs: number;
  /** Most occurrences minted in one pass; more due are minted by the next pass, at once. */
  maxPerPass?: number;
  /** The clock occurrences are judged by (ms since the epoch). */
  now?: () => number;
  log: Logger;
}

/** The most occurrences one pass mints, over all schedules. */
export const MINTS_PER_PASS = 100;

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Minter {
  private stopped = false;
  private holding = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private redisDown = false;
  /** Schedules refused (by name and JSON), so each refusal is logged once. */
  private readonly refused = new Set<string>();
  private readonly now: () => number;
  private readonly maxPerPass: number;

  constructor(private readonly options: MinterOptions) {
    this.now = options.now ?? Date.now;
    this.maxPerPass = options.maxPerPass ?? MINTS_PER_PASS;
  }

  /** Whether this instance held the minting lease at its last pass. */
  get isMinting(): boolean {
    return this.holding;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops minting and releases the lease, so another instance takes it over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.holding) {
      this.holding = false;
      await this.options.store
        .releaseMinterLease(this.options.runnerId, this.options.instance)
        .catch(() => {
          // Redis is away: the lease lapses by itself.
        });
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let next: number | undefined;
      try {
        next = await this.pass();
        if (this.redisDown) this.options.log.info("minter: redis reachable again");
        this.redisDown = false;
      } catch (e) {
        if (!this.redisDown)
          this.options.log.warn({ err: describe(e) }, "minter: cannot reach redis; retrying");
        this.redisDown = true;
      }
      const now = this.now();
      const wakeAt = Math.min(now + this.options.renewMs, next ?? Number.POSITIVE_INFINITY);
      await this.sleep(Math.max(0, wakeAt - now));
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /**
   * One pass: takes or renews the lease; holding it, mints what is due. Returns when the
   * next occurrence is due (ms), if this instance mints and any is.
   */
  async pass(): Promise<number | undefined> {
    const { store, runnerId, instance, leaseMs, log } = this.options;
    const held = await store.holdMinterLease(runnerId, instance, leaseMs);
    if (held !== this.holding)
      log.info(
        held
          ? "minter: this instance mints the runner id's schedules"
          : "minter: another instance holds the minting lease now",
      );
    this.holding = held;
    if (!held || this.stopped) return undefined;
    return this.mintDue();
  }

  /** The schedules of this runner id worth minting: signed by a trusted key, valid. */
  private async schedules(): Promise<{ schedule: Schedule; json: string }[]> {
    const { store, runnerId, policy, log } = this.options;
    const out: { schedule: Schedule; json: string }[] = [];
    for (const stored of await store.list()) {
      // Another runner id's: its own minter's business. A malformed one is every minter's to
      // log, once.
      if (stored.schedule !== undefined && stored.schedule.runner !== runnerId) continue;
      const checked = checkSchedule(stored.json, { runnerId, trustedKeys: policy.trustedKeys });
      // MINT compares what is stored under the schedule's own name: under another, never.
      const verdict: typeof checked =
        checked.ok && checked.schedule.name !== stored.name
          ? { ok: false, kind: "invalid_job", message: `stored under the name "${stored.name}"` }
          : checked;
      if (verdict.ok) {
        out.push({ schedule: verdict.schedule, json: stored.json });
        continue;
      }
      const key = `${stored.name}\n${stored.json}`;
      if (!this.refused.has(key)) {
        if (this.refused.size > 1000) this.refused.clear();
        this.refused.add(key);
        log.warn(
          { schedule: stored.name, error_kind: verdict.kind },
          `minter: schedule not minted: ${verdict.message}`,
        );
      }
    }
    return out;
  }

  /**
   * Mints each due occurrence in (last minted, now], none older than the mint window; says
   * when the next one is due.
   */
  private async mintDue(): Promise<number | undefined> {
    const { store, policy, log } = this.options;
    const now = this.now();
    const maxAgeMs = policy.maxJobAgeS * 1000;
    // Older occurrences would be refused as too old, or soon after: a minute of margin (half
    // the age, for ages under two minutes) for the queue and the clocks.
    const windowStart = now - (maxAgeMs - Math.min(60_000, maxAgeMs / 2));
    const list = await this.schedules();
    const last = await store.lastMinted(list.map((s) => s.schedule.name));
    let budget = this.maxPerPass;
    let next = Number.POSITIVE_INFINITY;
    for (const { schedule, json } of list) {
      const lastT = last.get(schedule.name);
      if (lastT !== undefined) {
        const missed = nextOccurrence(schedule, lastT);
        if (missed !== undefined && missed < windowStart)
          log.warn(
            { schedule: schedule.name, from: new Date(missed).toISOString() },
            "minter: occurrences missed (older than the mint window) are not minted",
          );
      }
      const after = Math.max(lastT ?? Number.NEGATIVE_INFINITY, windowStart - 1);
      const due = budget > 0 ? occurrencesBetween(schedule, after, now, budget) : [];
      let minted = lastT ?? Number.NEGATIVE_INFINITY;
      for (const t of due) {
        if (this.stopped) return undefined;
        budget -= 1;
        const outcome = await store.mint(schedule, json, t);
        if (outcome === "schedule-changed") break;
        minted = t;
        const fields = { schedule: schedule.name, occurrence: new Date(t).toISOString(), outcome };
        if (outcome === "queued") log.debug(fields, "minter: occurrence queued");
        else if (outcome !== "minted-before") log.warn(fields, "minter: occurrence not queued");
      }
      const upcoming = nextOccurrence(schedule, Math.max(now, minted));
      if (upcoming !== undefined) next = Math.min(next, upcoming);
    }
    // The budget spent, more may be due: the next pass comes at once.
    if (budget === 0) return now;
    return Number.isFinite(next) ? next : undefined;
  }
}

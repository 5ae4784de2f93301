// When a schedule's occurrences fall (docs/protocol.md, "Schedules"): the times its cron
// expression or its interval produces, within its bounds. The minter enumerates them and a
// runner checks one with the same functions, so both always agree on what a schedule allows.
import { Cron } from "croner";

/** What decides a schedule's times: its expression and its bounds, all signed. */
export interface ScheduleTimes {
  cron?: string;
  every_ms?: number;
  timezone?: string;
  not_before?: string;
  not_after?: string;
  created_at: string;
}

/**
 * Croner's reading of an expression: 5 fields (minute to day of week) or 6 (seconds first),
 * nicknames (`@hourly`), day of month and day of week combined with OR as in Vixie cron, in
 * the given IANA timezone (UTC when none). A Cron is parsed once per expression and zone.
 */
const crons = new Map<string, Cron>();

export function cronOf(expression: string, timezone: string | undefined): Cron {
  const key = `${timezone ?? ""}\n${expression}`;
  let cron = crons.get(key);
  if (cron === undefined) {
    cron = new Cron(expression, {
      paused: true,
      mode: "5-or-6-parts",
      timezone: timezone ?? "Etc/UTC",
    });
    if (crons.size >= 256) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

/** Whether `zone` is an IANA timezone this Node knows. */
export function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first moment an occurrence may fall (ms): the schedule's `created_at` (a signature does
 * not authorise runs from before it was made), or `not_before` when later.
 */
export function firstAllowed(s: ScheduleTimes): number {
  const created = Date.parse(s.created_at);
  return s.not_before === undefined ? created : Math.max(created, Date.parse(s.not_before));
}

/** The last moment an occurrence may fall (ms), inclusive: `not_after`, or none. */
export function lastAllowed(s: ScheduleTimes): number {
  return s.not_after === undefined ? Number.POSITIVE_INFINITY : Date.parse(s.not_after);
}

/** Where an interval's occurrences count from: `not_before` when set, else the Unix epoch. */
function intervalAnchor(s: ScheduleTimes): number {
  return s.not_before === undefined ? 0 : Date.parse(s.not_before);
}

/**
 * The expression's first time strictly after `afterMs` (ms), bounds aside; undefined when
 * it has none. Interval: the next multiple of `every_ms` counted from the anchor.
 */
function nextOfExpression(s: ScheduleTimes, afterMs: number): number | undefined {
  if (s.every_ms !== undefined) {
    const anchor = intervalAnchor(s);
    if (afterMs < anchor) return anchor;
    return anchor + (Math.floor((afterMs - anchor) / s.every_ms) + 1) * s.every_ms;
  }
  if (s.cron === undefined) return undefined;
  // Croner counts in whole seconds: the next run after a moment inside a second is the
  // first whole second after it that matches.
  const next = cronOf(s.cron, s.timezone).nextRun(new Date(afterMs));
  return next === null ? undefined : next.getTime();
}

/** Whether the expression produces exactly the moment `t` (ms), bounds aside. */
export function expressionProduces(s: ScheduleTimes, t: number): boolean {
  if (!Number.isSafeInteger(t)) return false;
  return nextOfExpression(s, t - 1) === t;
}

/** Whether `t` lies within the schedule's bounds (created_at or not_before, not_after). */
export function withinBounds(s: ScheduleTimes, t: number): boolean {
  return t >= firstAllowed(s) && t <= lastAllowed(s);
}

/** The schedule's first occurrence strictly after `afterMs`, bounds included; or none. */
export function nextOccurrence(s: ScheduleTimes, afterMs: number): number | undefined {
  const first = firstAllowed(s);
  const t = nextOfExpression(s, Math.max(afterMs, first - 1));
  if (t === undefined || t > lastAllowed(s)) return undefined;
  return t;
}

/** Occurrences in (afterMs, untilMs], oldest first, at most `max` of them. */
export function occurrencesBetween(
  s: ScheduleTimes,
  afterMs: number,
  untilMs: number,
  max: number,
): number[] {
  const out: number[] = [];
  let t = nextOccurrence(s, afterMs);
  while (t !== undefined && t <= untilMs && out.length < max) {
    out.push(t);
    t = nextOccurrence(s, t);
  }
  return out;
}

// Durations and times as people type them on the command line: `200ms`, `30s`, `5m`,
// `1h30m`, `2d`; times as RFC 3339 (`2026-12-24T18:00:00Z`).
import parse from "parse-duration";

/** Milliseconds of a duration with its unit; throws an Error naming `flag` otherwise. */
export function parseDurationMs(text: string, flag: string): number {
  const trimmed = text.trim();
  // A bare number is ambiguous (seconds? milliseconds?): a unit is required.
  const ms = /[a-z]/i.test(trimmed) ? parse(trimmed) : null;
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0)
    throw new Error(
      `${flag}: expected a duration with its unit (200ms, 30s, 5m, 1h30m, 2d), got "${text}"`,
    );
  return Math.round(ms);
}

/** A moment given as RFC 3339 (a date and a time with its zone). */
export function parseTime(text: string, flag: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text);
  const ms = ok ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new Error(
      `${flag}: expected an RFC 3339 time with its zone (2026-12-24T18:00:00Z), got "${text}"`,
    );
  return new Date(ms);
}

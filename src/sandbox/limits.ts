// The limits a job's script runs under, by default. A runner may override any of them.
//
// Two layers guard the runner. The worker's V8 heap limit (`heapMb`) and the job's
// wall-clock timeout are absolute: the worker is terminated and the job fails, whatever the
// script was doing. The engine's limits come first and fail the script itself with a clear
// Rhai error and a position, before the heap or the clock give out.

import type { EngineLimits } from "../rhai/index.js";

/**
 * Engine limits for job scripts.
 *
 * - `maxOperations` is 0 (unlimited) on purpose: every job has a wall-clock timeout that the
 *   job's author chose, and that is the time bound that means something to them; a fixed
 *   operation count would fail long but legitimate jobs at a point that has nothing to do
 *   with their timeout. A runner that wants the engine's error instead can set one.
 * - Call levels and expression depths follow the reference engine's release defaults; they
 *   keep deep recursion an engine error rather than a JS stack overflow.
 * - String, array and map sizes are set, so that a runaway script fails with the engine's
 *   ErrorDataTooLarge and the position of the statement that grew the value, instead of
 *   only with the worker's heap limit (which says nothing about where). The checks cost
 *   O(1) per change for strings and for the container that changed (plus the size of what
 *   was put in), so building a value in a loop stays linear. The values:
 *   - strings: 16 Mi bytes of UTF-8. V8 keeps a non-ASCII string in two bytes per unit, so
 *     one such string can take 32 MB; a few of them in flight (a concatenation holds both
 *     halves and the result) still fit the 256 MB heap with room for the rest of the job.
 *     No job output or log line comes close to it (a log line is cut at 16 KiB).
 *   - arrays (and blobs, in bytes): 1 Mi elements. An element slot is 8 bytes and a boxed
 *     element (a float, a map) some tens more, so a full array stays well under the heap.
 *     It also keeps scripts far from V8's own array-length ceiling (about 100 M elements):
 *     on a heap large enough to reach it, that is a fatal error ending the whole process,
 *     not an exception.
 *   - maps: 1 Mi entries, about 50 to 100 MB in a JS Map: a large lookup table is fine,
 *     a key-per-iteration loop without end is stopped well before the heap is.
 *   Nested values count towards the limits as in the reference (elements of inner arrays
 *   are array elements, and so on), measured when a value is built; in-place changes check
 *   the container changed and what was added.
 * - Variables, functions and modules are capped generously: cheap to check, and a script
 *   that needs more is not one a runner should run.
 */
export const DEFAULT_ENGINE_LIMITS: Readonly<EngineLimits> = Object.freeze({
  maxOperations: 0,
  maxCallLevels: 64,
  maxExprDepth: 64,
  maxFunctionExprDepth: 32,
  maxStringSize: 16 * 1024 * 1024,
  maxArraySize: 1024 * 1024,
  maxMapSize: 1024 * 1024,
  maxVariables: 10_000,
  maxFunctions: 1_000,
  maxModules: 100,
});

/** How fast one job's log lines leave its worker (see log-outlet.ts). */
export interface LogLimits {
  /**
   * The first this many lines are sent at once; after them, lines are held and sent at
   * most once a second, at most this many each time (the newest; one line says how many
   * were dropped).
   */
  readonly maxLines: number;
  /** Longer lines are cut to this many characters. */
  readonly maxLineChars: number;
  /** Most characters held between two sends (the newest line is always kept). */
  readonly maxBufferedChars: number;
}

/**
 * A script printing in a tight loop would otherwise queue messages on the runner's main
 * thread faster than they can be stored, and the main thread has no heap limit of its own.
 * The log in Redis keeps the newest 10,000 lines and 4 MiB by default (the runner's
 * APPEND_LOG); these only bound the rate.
 */
export const DEFAULT_LOG_LIMITS: Readonly<LogLimits> = Object.freeze({
  maxLines: 10_000,
  maxLineChars: 16 * 1024,
  maxBufferedChars: 4 * 1024 * 1024,
});

/** Heap of each worker (V8 old generation), in MB. */
export const DEFAULT_HEAP_MB = 256;

/** The engine limits for a pool: the defaults, with what the runner chose on top. */
export function engineLimits(overrides: Partial<EngineLimits> = {}): EngineLimits {
  const limits = { ...DEFAULT_ENGINE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`engine limit ${name} must be a whole number >= 0 (got ${value})`);
    }
  }
  if (limits.maxCallLevels === 0) {
    throw new RangeError("engine limit maxCallLevels must be at least 1");
  }
  return limits;
}

export function logLimits(overrides: Partial<LogLimits> = {}): LogLimits {
  const limits = { ...DEFAULT_LOG_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`log limit ${name} must be a whole number >= 1 (got ${value})`);
    }
  }
  return limits;
}

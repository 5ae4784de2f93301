// What one job may leave in Redis: the caps a runner applies to its log and its output, and
// their defaults.

/** Bytes of log lines a job keeps by default (its newest lines). */
export const DEFAULT_MAX_LOG_BYTES = 4 * 1024 * 1024;
/** Bytes of output a job may have by default; a larger one ends the job as an error. */
export const DEFAULT_MAX_RESULT_BYTES = 1024 * 1024;

/** Per-job caps a store applies when it writes logs and results (see docs/operations.md). */
export interface JobCaps {
  /** Bytes of log lines a job's log keeps (its newest lines); 0: no byte budget. */
  maxLogBytes: number;
  /** Bytes of UTF-8 a job's output may have; a larger one ends the job as an error. */
  maxResultBytes: number;
}

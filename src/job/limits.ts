/** Size limits on what a job may carry (hostile input must not exhaust a runner). */
export const JOB_LIMITS = {
  payloadBytes: 4 * 1024 * 1024,
  envVars: 256,
  envValueBytes: 64 * 1024,
  signatures: 16,
  idLength: 128,
  /** Runs one signature may authorise (max_attempts). */
  maxAttempts: 100,
  /** The longest backoff delay, and the default cap of exponential growth: a day. */
  maxBackoffMs: 24 * 3600 * 1000,
} as const;

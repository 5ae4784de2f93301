/** Size limits on what a job may carry (hostile input must not exhaust a runner). */
export const JOB_LIMITS = {
  payloadBytes: 4 * 1024 * 1024,
  envVars: 256,
  envValueBytes: 64 * 1024,
  signatures: 16,
  idLength: 128,
} as const;

// The job as it travels (docs/protocol.md). Field names are the wire names, so nothing is renamed
// between Redis, the signature and the code.

export interface JobSignature {
  /** Signer's public key, hex: 33-byte compressed (or 65-byte uncompressed) SEC1. */
  public_key: string;
  /** Signature, hex: 64-byte compact r||s (or DER). */
  signature: string;
}

export interface Job {
  id: string;
  caller_id: string;
  context_id: string;
  payload: string;
  runner: string;
  executor: string;
  /** Seconds, > 0. */
  timeout: number;
  env_vars: Record<string, string>;
  /** RFC 3339 UTC. */
  created_at: string;
  updated_at: string;
  signatures: JobSignature[];
}

/**
 * `created`: stored, not queued (the supervisor's jobs.create, until job.start);
 * `dispatched`: on its runner's queue; `started`: a runner instance runs it; `finished` and
 * `error` are terminal.
 */
export type JobStatus = "created" | "dispatched" | "started" | "finished" | "error";

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["finished", "error"]);

/** Why a job ended in `error` (the `error_kind` field). */
export type ErrorKind =
  | "invalid_job"
  | "unauthorized"
  | "timeout"
  | "script"
  | "cancelled"
  | "crashed"
  | "resources"
  | "internal";

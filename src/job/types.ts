// The job as it travels (docs/protocol.md). Field names are the wire names, so nothing is renamed
// between Redis, the signature and the code.

export interface JobSignature {
  /** Signer's public key, hex: 33-byte compressed (or 65-byte uncompressed) SEC1. */
  public_key: string;
  /** Signature, hex: 64-byte compact r||s (or DER). */
  signature: string;
  /**
   * Set when the signature covers a batch of jobs, not this job alone: where the job sits in
   * the batch, so a verifier can climb from its bytes to the signed root (batch.ts).
   */
  batch?: BatchProof;
}

/** Where a job sits in a signed batch (docs/protocol.md, "Batch signatures"). */
export interface BatchProof {
  /** The job's position, from 0. */
  index: number;
  /** How many jobs the batch holds (signed with the root: it fixes the tree's shape). */
  size: number;
  /** Sibling hashes from the leaf up (hex, 32 bytes each); none where a node is promoted. */
  path: string[];
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
  // The lifecycle fields (docs/protocol.md, "Attempts, delays and priorities"): signed like
  // every other field, and absent unless set, so a plain job's bytes stay what they were.
  /** How many times the job may run in all, the first run included (1-100; 1 if absent). */
  max_attempts?: number;
  /** How long a failed attempt waits before the next one. */
  backoff?: Backoff;
  /** RFC 3339: the job does not start before this moment. */
  run_at?: string;
  /** 0-9, higher taken first within a runner id (5 if absent). */
  priority?: number;
}

export interface Backoff {
  type: "fixed" | "exponential";
  /** The first retry's delay; exponential doubles it for each attempt after. */
  delay_ms: number;
  /** The longest delay exponential growth may reach. */
  max_delay_ms?: number;
}

/**
 * `scheduled`: waiting for its `run_at` or its next attempt, in the runner id's delayed set;
 * `created`: stored, not queued (the supervisor's jobs.create, until job.start);
 * `dispatched`: on its runner's queue; `started`: a runner instance runs it; `finished` and
 * `error` are terminal.
 */
export type JobStatus = "created" | "scheduled" | "dispatched" | "started" | "finished" | "error";

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

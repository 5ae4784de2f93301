// What a runner reports as it works, for tests, metrics and anything else that observes it
// in-process. Listeners run synchronously on the runner's path: keep them quick.
import type { ErrorKind } from "../job/index.js";

export interface JobStartEvent {
  id: string;
  /** Which run of the job this is, from 1. */
  attempt: number;
  /** From the moment the job could run (its run_at, else its created_at) to its start. */
  queueWaitMs: number;
}

export interface JobEndEvent {
  id: string;
  attempt: number;
  /** "retry": the attempt failed and another is scheduled. */
  outcome: "finished" | "error" | "retry";
  errorKind?: ErrorKind;
  /** The job joined the dead letters. */
  dead: boolean;
  durationMs: number;
}

export interface JobRefusedEvent {
  id: string;
  kind: ErrorKind;
  /** What failed, in a few words (bounded: fit for a metric label). */
  reason: "invalid_job" | "signature" | "untrusted" | "window" | "replay" | "other";
  message: string;
}

/** The runner's events and their arguments (Node's typed EventEmitter map). */
export interface RunnerEvents {
  "job:start": [JobStartEvent];
  "job:end": [JobEndEvent];
  "job:refused": [JobRefusedEvent];
  "take:error": [{ error: string }];
  "redis:down": [{ error: string }];
  "redis:up": [];
  /** A heartbeat found the lease lapsed (a pause, Redis away past the lease). */
  "lease:lapsed": [];
  stopped: [];
}

/** The bounded reason for a refusal's message (see JobRefusedEvent). */
export function refusalReason(kind: ErrorKind, message: string): JobRefusedEvent["reason"] {
  if (/replay/.test(message)) return "replay";
  if (/too old|from the future/.test(message)) return "window";
  if (/not trusted|no signatory is trusted/.test(message)) return "untrusted";
  if (kind === "unauthorized") return "signature";
  if (kind === "invalid_job") return "invalid_job";
  return "other";
}

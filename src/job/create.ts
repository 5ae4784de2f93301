import { randomUUID } from "node:crypto";
import type { Backoff, Job } from "./types.js";

export interface NewJob {
  payload: string;
  runner: string;
  executor?: string;
  timeout?: number;
  env_vars?: Record<string, string>;
  caller_id?: string;
  context_id?: string;
  id?: string;
  max_attempts?: number;
  backoff?: Backoff;
  run_at?: string;
  priority?: number;
}

/** Default timeout of a job, seconds. */
export const DEFAULT_TIMEOUT_S = 60;

/** A fresh, unsigned job with an id and timestamps. */
export function createJob(spec: NewJob, now: Date = new Date()): Job {
  const stamp = now.toISOString();
  return {
    id: spec.id ?? randomUUID(),
    caller_id: spec.caller_id ?? "",
    context_id: spec.context_id ?? "",
    payload: spec.payload,
    runner: spec.runner,
    executor: spec.executor ?? "",
    timeout: spec.timeout ?? DEFAULT_TIMEOUT_S,
    env_vars: spec.env_vars ?? {},
    created_at: stamp,
    updated_at: stamp,
    signatures: [],
    // The lifecycle fields only when set: a plain job's signed bytes stay as they were.
    ...(spec.max_attempts === undefined ? {} : { max_attempts: spec.max_attempts }),
    ...(spec.backoff === undefined ? {} : { backoff: spec.backoff }),
    ...(spec.run_at === undefined ? {} : { run_at: spec.run_at }),
    ...(spec.priority === undefined ? {} : { priority: spec.priority }),
  };
}

// What a job's script sees of its job: constants for its ids, signatories and attempt, and its
// env_vars as the map ENV. The worker and the inline runner build it the same way.

import { Scope, type Value } from "../rhai/index.js";
import type { ScriptJob } from "./protocol.js";

/** A fresh scope per run, so no run sees another's variables. */
export function jobScope(job: ScriptJob): Scope {
  return new Scope()
    .pushConstant("JOB_ID", job.jobId)
    .pushConstant("CALLER_ID", job.callerId)
    .pushConstant("CONTEXT_ID", job.contextId)
    .pushConstant("SIGNATORIES", [...job.signatories])
    .pushConstant("ATTEMPT", job.attempt ?? 1)
    .pushConstant("ENV", new Map<string, Value>(Object.entries(job.envVars)))
    .pushConstant("PARENTS", parentsOf(job.envVars.PARENTS));
}

/**
 * A flow node's parents' results (node id -> output), from the PARENTS env var the runner
 * sets after checking them (docs/flows.md); an empty map for any other job.
 */
function parentsOf(json: string | undefined): Map<string, Value> {
  const map = new Map<string, Value>();
  if (json === undefined) return map;
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
      for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") map.set(k, v);
  } catch {
    // Not JSON: a job that set PARENTS itself; its script still has ENV.PARENTS.
  }
  return map;
}

/** Characters of the job that its scope holds (ids, signatories, env names and values). */
export function worldChars(job: ScriptJob): number {
  let n = job.jobId.length + job.callerId.length + job.contextId.length;
  for (const s of job.signatories) n += s.length;
  for (const name in job.envVars) n += name.length + (job.envVars[name] as string).length;
  return n;
}

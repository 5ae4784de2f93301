// Who may see a job, and what of it they see. A `user` key reaches only the jobs it stored
// (the key's public id is recorded with the job); admin reaches every job. A job someone
// may not reach reads as missing, so a key cannot even learn which ids others have used.
// env_vars hold secrets: only admin gets their values back.
import type { Job } from "../job/index.js";
import type { JobExtras, JobRecord, JobStore, SupervisorStore } from "../protocol/index.js";
import type { Caller } from "./auth.js";

/** What env_vars values read as to anyone but admin. */
export const REDACTED = "[redacted]";

/** A job's record as the supervisor shows it: with its owner and its result signature. */
export type JobView = JobRecord & {
  result_signature?: string;
  result_signer?: string;
  submitted_by?: string;
  submitted_by_name?: string;
};

/** Admin reaches every job; any other key only the jobs it stored itself. */
export function mayAccess(caller: Caller | undefined, owner: string | undefined): boolean {
  if (caller === undefined) return false;
  if (caller.scope === "admin") return true;
  return owner !== undefined && owner === caller.keyId;
}

/** The record with the fields the job hash holds beyond it (those present only). */
export function viewOf(record: JobRecord, extras: JobExtras): JobView {
  const view: JobView = { ...record };
  // The record may carry these already (a protocol that reads them itself); the hash is the
  // same source either way.
  if (extras.resultSignature !== undefined) view.result_signature = extras.resultSignature;
  if (extras.resultSigner !== undefined) view.result_signer = extras.resultSigner;
  if (extras.owner !== undefined) view.submitted_by = extras.owner;
  if (extras.ownerName !== undefined) view.submitted_by_name = extras.ownerName;
  return view;
}

/** A job's view and owner, read together; undefined when there is no such job. */
export async function readView(
  jobs: JobStore,
  sup: SupervisorStore,
  id: string,
): Promise<{ view: JobView; owner?: string } | undefined> {
  const [record, extras] = await Promise.all([jobs.record(id), sup.jobExtras(id)]);
  if (record === undefined) return undefined;
  return { view: viewOf(record, extras), owner: extras.owner };
}

/** The job as `caller` may see it: env_vars values only for admin, names for the rest. */
export function redactFor(caller: Caller | undefined, job: Job): Job {
  if (caller?.scope === "admin") return job;
  const names = Object.keys(job.env_vars);
  if (names.length === 0) return job;
  return { ...job, env_vars: Object.fromEntries(names.map((name) => [name, REDACTED])) };
}

// The check every job passes before the supervisor stores it (docs/protocol.md): signed, every
// signature valid, not too old, not from the future. Trust in particular keys is the
// runner's business: the supervisor only makes sure nobody stores a forged job.
import {
  checkJob,
  checkWindow,
  DEFAULT_CLOCK_SKEW_S,
  DEFAULT_MAX_JOB_AGE_S,
  type Job,
  verifyJobSignatures,
} from "../job/index.js";
import { RPC_ERRORS, RpcError } from "./errors.js";

export function verifyJobOrThrow(job: Job, now: Date = new Date()): string[] {
  const signatories = verifyJobSignatures(job).valid;
  const limits = { maxJobAgeS: DEFAULT_MAX_JOB_AGE_S, clockSkewS: DEFAULT_CLOCK_SKEW_S };
  // A job due later is judged as a runner will judge it when it falls due (its window opens
  // at its run_at); its created_at must not lie in the future now all the same.
  const due = job.run_at === undefined ? Number.NaN : Date.parse(job.run_at);
  const later = due > now.getTime();
  const created = later
    ? checkWindow(
        Date.parse(job.created_at),
        now.getTime(),
        { maxAgeS: Number.POSITIVE_INFINITY, clockSkewS: limits.clockSkewS },
        "job",
        "created_at",
      )
    : ({ ok: true } as const);
  const verdict = created.ok
    ? checkJob(
        job,
        {
          runnerId: job.runner,
          // Every valid signatory counts as trusted here; checkJob still refuses a job with no
          // signature or with any invalid one, and checks its age.
          trustedKeys: new Set(signatories),
          ...limits,
        },
        later ? new Date(due) : now,
      )
    : created;
  if (!verdict.ok) {
    throw new RpcError(RPC_ERRORS.jobRefused, `job ${job.id} refused: ${verdict.message}`, {
      kind: verdict.kind,
    });
  }
  return verdict.signatories;
}

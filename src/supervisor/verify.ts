// The check every job passes before the supervisor stores it (docs/protocol.md): signed, every
// signature valid, not too old, not from the future. Trust in particular keys is the
// runner's business: the supervisor only makes sure nobody stores a forged job.
import {
  checkFlow,
  checkJob,
  checkWindow,
  DEFAULT_CLOCK_SKEW_S,
  DEFAULT_MAX_FLOW_AGE_S,
  DEFAULT_MAX_JOB_AGE_S,
  type Flow,
  flowBytes,
  InvalidFlowError,
  type Job,
  parseFlow,
  verifyJobSignatures,
  verifySignatures,
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

/**
 * A flow as the supervisor stores it: valid (graph, limits), signed, every signature
 * holding, inside the window a runner with the default limits accepts (checkFlow: the code
 * runners judge nodes by). Which keys to trust is the runners' business, as for jobs.
 */
export function verifyFlowOrThrow(input: unknown, now: Date = new Date()): Flow {
  let flow: Flow;
  try {
    flow = parseFlow(input);
  } catch (e) {
    if (e instanceof InvalidFlowError) throw new RpcError(RPC_ERRORS.invalidJob, e.message);
    throw e;
  }
  const verdict = checkFlow(
    flow,
    {
      trustedKeys: new Set(verifySignatures(flowBytes(flow), flow.signatures).valid),
      maxJobAgeS: DEFAULT_MAX_JOB_AGE_S,
      maxFlowAgeS: DEFAULT_MAX_FLOW_AGE_S,
      clockSkewS: DEFAULT_CLOCK_SKEW_S,
    },
    now,
  );
  if (!verdict.ok)
    throw new RpcError(RPC_ERRORS.jobRefused, `flow ${flow.id} refused: ${verdict.message}`, {
      kind: verdict.kind,
    });
  return flow;
}

// Checks that a job's outcome was written by a runner the reader trusts (signed results):
// whoever can write to Redis can write `{"success": ...}`, but not a runner's signature.
import { type ResultVerdict, verifyResult } from "../job/index.js";
import { type JobRecord, statementOf } from "../protocol/index.js";

/**
 * The verdict on a record's result signature against `runnerKeys` (compressed hex). A
 * record that has not ended has nothing signed yet, and says so.
 */
export function checkResultSignature(
  record: JobRecord,
  runnerKeys: ReadonlySet<string>,
): ResultVerdict {
  const statement = statementOf(record);
  if (statement === undefined)
    return { ok: false, reason: "unsigned", message: `job ${record.id} has no outcome yet` };
  return verifyResult(
    statement,
    record.result_signature,
    record.result_signer,
    runnerKeys,
    record.result_proof,
  );
}

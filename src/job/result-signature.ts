// Signed results: a runner signs each outcome it records, so whoever reads a result can tell
// it came from a runner whose key they trust and not from someone who can write to Redis.
// The signed bytes start with a domain tag and a newline, so they can never be read as a
// job's canonical form (which starts with "{") and a result signature never passes for a
// job signature, nor the other way round.
import { canonicalJson } from "./canonical.js";
import { signBytes, verifySignature } from "./crypto.js";

export const RESULT_SIGNATURE_DOMAIN = "horus-result-v1";

/** What a result signature covers: every field a reader acts on. */
export interface ResultStatement {
  job_id: string;
  status: "finished" | "error";
  /** `{"success": output}` or `{"error": message}`, exactly as stored. */
  result: { success: string } | { error: string };
  /** Set for an error: the kind (timeout, script, ...). */
  error_kind?: string;
  finished_at: string;
  /**
   * The instance that wrote the outcome. No runner id: the signer's key already says which
   * runner signed, and a job's own `runner` field may be what was wrong with it.
   */
  runner_instance: string;
}

/** The bytes a result signature is made over: the domain tag, a newline, canonical JSON. */
export function resultStatementBytes(statement: ResultStatement): Uint8Array {
  const body: Record<string, unknown> = {
    job_id: statement.job_id,
    status: statement.status,
    result: statement.result,
    finished_at: statement.finished_at,
    runner_instance: statement.runner_instance,
  };
  if (statement.error_kind !== undefined && statement.error_kind !== "")
    body.error_kind = statement.error_kind;
  return new TextEncoder().encode(`${RESULT_SIGNATURE_DOMAIN}\n${canonicalJson(body)}`);
}

/** Signs an outcome with a runner's private key: compact r||s hex, RFC 6979, low-S. */
export function signResult(statement: ResultStatement, privateKeyHex: string): string {
  return signBytes(resultStatementBytes(statement), privateKeyHex);
}

export type ResultVerdict =
  | { ok: true; signer: string }
  | { ok: false; reason: "unsigned" | "untrusted" | "invalid"; message: string };

/**
 * Checks a stored outcome's signature: it must verify over the statement and be made by one
 * of `trustedRunnerKeys` (compressed hex). Says which of the three ways it fails.
 */
export function verifyResult(
  statement: ResultStatement,
  signature: string | undefined,
  signer: string | undefined,
  trustedRunnerKeys: ReadonlySet<string>,
): ResultVerdict {
  if (!signature || !signer)
    return { ok: false, reason: "unsigned", message: "the result carries no runner signature" };
  const problem = verifySignature(resultStatementBytes(statement), {
    public_key: signer,
    signature,
  });
  if (problem.problem !== null)
    return {
      ok: false,
      reason: "invalid",
      message: `the result's signature does not verify (${problem.problem}): it was altered or forged`,
    };
  const key = problem.signer as string;
  if (!trustedRunnerKeys.has(key))
    return {
      ok: false,
      reason: "untrusted",
      message: `the result is signed by ${key}, which is not among the trusted runner keys`,
    };
  return { ok: true, signer: key };
}

// Signed results: a runner signs each outcome it records, so whoever reads a result can tell
// it came from a runner whose key they trust and not from someone who can write to Redis.
// The signed bytes start with a domain tag and a newline, so they can never be read as a
// job's canonical form (which starts with "{") and a result signature never passes for a
// job signature, nor the other way round.
//
// A runner recording several ends at once signs them as one batch (signResults): one
// signature over the root of a Merkle tree of their statements, and each result keeps its
// proof (`result_proof`), the same tree and proof shape as a batch of jobs (merkle.ts) under
// its own tag, so a result batch signature never passes for a job batch's.
import { canonicalJson } from "./canonical.js";
import { BATCH_MISMATCH, signBytes, verifySignature } from "./crypto.js";
import { BATCH_MAX_SIZE, batchStatement, leafHash, merkleTree } from "./merkle.js";
import type { BatchProof } from "./types.js";

export const RESULT_SIGNATURE_DOMAIN = "horus-result-v1";
/** The tag of a result batch's statement (see batchStatement). */
export const RESULT_BATCH_DOMAIN = "horus-result-batch-v1";

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

/** One outcome's signature, and its place in the batch it was signed in (JSON text). */
export interface SignedResult {
  signature: string;
  /** `{"index", "size", "path"}` as JSON text; absent for an outcome signed alone. */
  proof?: string;
}

/**
 * Signs outcomes with a runner's private key: one alone as signResult does; several as one
 * batch, one ECDSA signature over their Merkle root, each with its proof. In the order given.
 */
export function signResults(
  statements: readonly ResultStatement[],
  privateKeyHex: string,
): SignedResult[] {
  if (statements.length === 0) return [];
  if (statements.length === 1)
    return [{ signature: signResult(statements[0] as ResultStatement, privateKeyHex) }];
  if (statements.length > BATCH_MAX_SIZE)
    throw new Error(`a batch holds at most ${BATCH_MAX_SIZE} results, not ${statements.length}`);
  const { root, paths } = merkleTree(statements.map((s) => leafHash(resultStatementBytes(s))));
  const size = statements.length;
  const signature = signBytes(batchStatement(size, root, RESULT_BATCH_DOMAIN), privateKeyHex);
  return paths.map((path, index) => ({
    signature,
    proof: JSON.stringify({ index, size, path: path.map((h) => h.toString("hex")) }),
  }));
}

/** A stored proof read back: its shape only (the climb checks the rest), or why not. */
function parseProof(text: string): BatchProof | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "the result's proof is not JSON";
  }
  const v = value as Partial<BatchProof> | null;
  if (
    typeof v !== "object" ||
    v === null ||
    typeof v.index !== "number" ||
    typeof v.size !== "number" ||
    !Array.isArray(v.path) ||
    !v.path.every((h) => typeof h === "string")
  )
    return 'the result\'s proof is not {"index", "size", "path"}';
  return { index: v.index, size: v.size, path: v.path };
}

export type ResultVerdict =
  | { ok: true; signer: string }
  | { ok: false; reason: "unsigned" | "untrusted" | "invalid"; message: string };

/**
 * Checks a stored outcome's signature: it must verify over the statement (with `proof`, the
 * JSON text of its place in a batch: over the batch statement the proof leads to) and be made
 * by one of `trustedRunnerKeys` (compressed hex). Says which of the three ways it fails.
 */
export function verifyResult(
  statement: ResultStatement,
  signature: string | undefined,
  signer: string | undefined,
  trustedRunnerKeys: ReadonlySet<string>,
  proof?: string,
): ResultVerdict {
  if (!signature || !signer)
    return { ok: false, reason: "unsigned", message: "the result carries no runner signature" };
  const batch = proof ? parseProof(proof) : undefined;
  if (typeof batch === "string")
    return { ok: false, reason: "invalid", message: `${batch}: it was altered or forged` };
  const problem = verifySignature(
    resultStatementBytes(statement),
    { public_key: signer, signature, ...(batch ? { batch } : {}) },
    RESULT_BATCH_DOMAIN,
  );
  if (problem.problem !== null)
    return {
      ok: false,
      reason: "invalid",
      message: batch
        ? `the result's batch signature does not verify (${problem.problem === BATCH_MISMATCH ? "it does not match the root the result's proof leads to" : problem.problem}): it was altered or forged, or wears another result's proof`
        : `the result's signature does not verify (${problem.problem}): it was altered or forged`,
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

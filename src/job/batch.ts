// Batch signatures (docs/protocol.md, "Batch signatures"): one signature for many jobs, over
// the root of a Merkle tree of their canonical forms (merkle.ts). Each job carries its own
// proof in its signature entry, so a runner checks a job alone: it climbs from the job's
// bytes to the root and verifies the root's signature, once per batch (crypto.ts caches it).
// A job's signed bytes do not change: `signatures` is not part of the canonical form.
import { canonicalBytes } from "./canonical.js";
import { normalisePublicKey, publicKeyOf, signBytes } from "./crypto.js";
import { BATCH_MAX_SIZE, batchStatement, leafHash, merkleTree } from "./merkle.js";
import type { Job } from "./types.js";

function safeNormalise(key: string): string | undefined {
  try {
    return normalisePublicKey(key);
  } catch {
    return undefined;
  }
}

/**
 * Signs the jobs as one batch with one signature: each job gets the entry
 * `{public_key, signature, batch: {index, size, path}}` (replacing an earlier signature by
 * the same key, as signJob does), in the order given. Two jobs with one id are refused: the
 * second could never be stored, and a batch is a list of distinct jobs.
 */
export function signBatch(jobs: readonly Job[], privateKeyHex: string): Job[] {
  if (jobs.length === 0) throw new Error("a batch holds at least one job");
  if (jobs.length > BATCH_MAX_SIZE)
    throw new Error(`a batch holds at most ${BATCH_MAX_SIZE} jobs, not ${jobs.length}`);
  const ids = new Set<string>();
  for (const job of jobs) {
    if (ids.has(job.id)) throw new Error(`the batch holds job id ${job.id} twice`);
    ids.add(job.id);
  }
  const { root, paths } = merkleTree(jobs.map((job) => leafHash(canonicalBytes(job))));
  const public_key = publicKeyOf(privateKeyHex);
  const signature = signBytes(batchStatement(jobs.length, root), privateKeyHex);
  return jobs.map((job, index) => {
    const others = job.signatures.filter((s) => safeNormalise(s.public_key) !== public_key);
    const path = (paths[index] as Buffer[]).map((h) => h.toString("hex"));
    const batch = { index, size: jobs.length, path };
    return { ...job, signatures: [...others, { public_key, signature, batch }] };
  });
}

// Result signatures made as late as possible, so the ends a runner records together are
// signed together: one ECDSA signature over a Merkle root for all of a write's ends
// (signResults), where signing each alone cost a runner as much as verifying its job. A
// prepared end (JobStore.prepareEnd) carries what is to be signed; the signature goes into
// its arguments when its write leaves (runScriptBatched reads them then), and with it those
// of every end queued for the same signer meanwhile. Once filled, a call is final: sent again,
// or kept on disk for the next start, it carries the same signature.
import type { ResultStatement, SignedResult } from "../job/index.js";

/** Signs the outcomes a runner records with its own key, several at once as one batch. */
export interface ResultSigner {
  /** Compressed hex public key. */
  readonly publicKey: string;
  /** One signature each, in order (see signResults). */
  signMany(statements: readonly ResultStatement[]): SignedResult[];
}

/** The place of the signature, the signer's key and the batch proof among FINISH's ARGV. */
export const FINISH_SIGNATURE_ARG = 10;
export const FINISH_SIGNER_ARG = 11;
export const FINISH_PROOF_ARG = 16;

/** What a prepared end still has to sign: the statement, and the key that signs it. */
export interface PendingSignature {
  statement: ResultStatement;
  signer: ResultSigner;
}

/** The part of a prepared end (FinishCall) signing reads and fills. */
export interface SignableEnd {
  args: (string | number)[];
  signing?: PendingSignature;
}

/** Ends queued for signing, by signer: whichever of them leaves first signs them all. */
const queued = new Map<ResultSigner, SignableEnd[]>();

/** Queues an end that still needs its signature (see signedArgs). */
export function queueForSigning(call: SignableEnd): void {
  const signer = call.signing?.signer;
  if (signer === undefined) return;
  let list = queued.get(signer);
  if (list === undefined) {
    list = [];
    queued.set(signer, list);
  }
  list.push(call);
}

/**
 * The end's arguments with its signature in them: signs, as one batch, it and every end queued
 * for its signer that is still unsigned. A signer that throws leaves them unsigned (a reader
 * then sees an unsigned outcome, never a wrong one), rather than losing the ends.
 */
export function signedArgs(call: SignableEnd): (string | number)[] {
  const signer = call.signing?.signer;
  if (signer === undefined) return call.args;
  const batch = (queued.get(signer) ?? []).filter((c) => c.signing !== undefined);
  queued.delete(signer);
  if (!batch.includes(call)) batch.push(call);
  let signed: SignedResult[] = [];
  try {
    signed = signer.signMany(batch.map((c) => (c.signing as PendingSignature).statement));
  } catch {
    // left unsigned, below
  }
  batch.forEach((c, i) => {
    const s = signed[i];
    c.args[FINISH_SIGNATURE_ARG] = s?.signature ?? "";
    c.args[FINISH_SIGNER_ARG] = s === undefined ? "" : signer.publicKey;
    c.args[FINISH_PROOF_ARG] = s?.proof ?? "";
    delete c.signing;
  });
  return call.args;
}

// The Merkle tree a batch signature covers (docs/protocol.md, "Batch signatures"): pure
// hashing, no keys. Kept apart from batch.ts so that crypto.ts can verify proofs without
// importing the signing side (which imports crypto.ts).
//
// The tree is RFC 9162's Merkle Tree Hash (Certificate Transparency's): leaf = SHA-256(0x00 ||
// bytes), node = SHA-256(0x01 || left || right), and a level of odd length promotes its last
// node unchanged to the next level. A proof is RFC 9162's inclusion proof, so a verifier in
// another language can use any CT library. Why promotion rather than duplication: duplicating
// the lone node makes [a, b, c] and [a, b, c, c] the same root (Bitcoin's CVE-2012-2459), so a
// job would have two indices; with promotion every (size, index) has exactly one place in the
// tree. The 0x00/0x01 prefixes keep a leaf from ever passing for a node (second preimages).
// The size is bound into the signed statement: without it, the last leaf of a 3-leaf tree
// also verifies as index 1 of a 2-leaf tree (its path is the same one hash).
import * as nodeCrypto from "node:crypto";
import type { BatchProof } from "./types.js";

/** The first line of a batch statement; no job's canonical bytes start so (they start `{`). */
export const BATCH_SIGNATURE_DOMAIN = "horus-batch-v1";

/**
 * The deepest tree a proof may climb: 32 levels, so at most 2^32 - 1 jobs (the size is a
 * 32-bit number in the statement). A bound for hostile input, far beyond any real batch.
 */
export const BATCH_MAX_PATH = 32;
export const BATCH_MAX_SIZE = 2 ** 32 - 1;

/**
 * SHA-256 in one call. A proof's climb is a few hashes of 65 bytes, where making a Hash
 * object costs more than the hashing (and feeds the GC): crypto.hash takes about two thirds
 * of the time. It came in Node 20.12; before it, createHash.
 */
const sha256: (data: Uint8Array) => Buffer =
  typeof nodeCrypto.hash === "function"
    ? (data) => nodeCrypto.hash("sha256", data, "buffer")
    : (data) => nodeCrypto.createHash("sha256").update(data).digest();

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

/** SHA-256(0x00 || bytes): a leaf's hash. */
export function leafHash(bytes: Uint8Array): Buffer {
  // A large payload is hashed where it lies rather than copied behind the prefix.
  if (bytes.length > 64 * 1024)
    return nodeCrypto.createHash("sha256").update(LEAF).update(bytes).digest();
  return sha256(Buffer.concat([LEAF, bytes], 1 + bytes.length));
}

/** SHA-256(0x01 || left || right): an inner node's hash. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Buffer.concat([NODE, left, right], 1 + left.length + right.length));
}

/** The statement's SHA-256: what ECDSA signs (see batchStatement). */
export function statementDigest(statement: Uint8Array): Buffer {
  return sha256(statement);
}

/** The levels of the tree over `leaves`, from the leaves (level 0) to the root (last). */
function levelsOf(leaves: readonly Buffer[]): Buffer[][] {
  if (leaves.length === 0) throw new Error("a batch holds at least one job");
  const levels: Buffer[][] = [[...leaves]];
  let level = levels[0] as Buffer[];
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(nodeHash(level[i] as Buffer, level[i + 1] as Buffer));
    // The lone last node goes up as it is (see the top of this file).
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Buffer);
    levels.push(next);
    level = next;
  }
  return levels;
}

/** The root over the leaf hashes, and every leaf's path to it. */
export function merkleTree(leaves: readonly Buffer[]): { root: Buffer; paths: Buffer[][] } {
  const levels = levelsOf(leaves);
  const root = (levels[levels.length - 1] as Buffer[])[0] as Buffer;
  const paths = leaves.map((_, index) => {
    const path: Buffer[] = [];
    let i = index;
    for (const level of levels.slice(0, -1)) {
      const sibling = i ^ 1;
      // No sibling: the node is the lone last one, promoted without hashing.
      if (sibling < level.length) path.push(level[sibling] as Buffer);
      i >>>= 1;
    }
    return path;
  });
  return { root, paths };
}

/** How many hashes the proof of `index` in a batch of `size` holds. */
export function proofLength(index: number, size: number): number {
  let length = 0;
  for (let i = index, n = size; n > 1; i = Math.floor(i / 2), n = Math.ceil(n / 2))
    if (!(i === n - 1 && n % 2 === 1)) length += 1;
  return length;
}

/** Why a proof's shape cannot be right (before any hashing), or null. */
export function proofShapeProblem(proof: BatchProof): string | null {
  const { index, size, path } = proof;
  if (!Number.isInteger(size) || size < 1 || size > BATCH_MAX_SIZE)
    return `size ${size} is not a batch size (1 to ${BATCH_MAX_SIZE})`;
  if (!Number.isInteger(index) || index < 0 || index >= size)
    return `index ${index} is not a position in a batch of ${size}`;
  const expected = proofLength(index, size);
  if (path.length !== expected)
    return `the path holds ${path.length} hashes; job ${index} of a batch of ${size} has ${expected}`;
  return null;
}

/**
 * The root a proof leads to from a leaf: RFC 9162's inclusion-proof walk. At each level the
 * index's lowest bit says which side the node is on, and a node that is the last of an
 * odd-length level has no sibling (it was promoted). Throws when the shape is wrong, so a
 * truncated or extended path is refused by name rather than by a root that does not match.
 */
export function rootFromProof(leaf: Uint8Array, proof: BatchProof): Buffer {
  const problem = proofShapeProblem(proof);
  if (problem !== null) throw new Error(problem);
  let hash: Buffer = Buffer.from(leaf);
  let k = 0;
  for (let i = proof.index, n = proof.size; n > 1; i = Math.floor(i / 2), n = Math.ceil(n / 2)) {
    if (i === n - 1 && n % 2 === 1) continue;
    const hex = proof.path[k++] as string;
    // Buffer.from stops at the first pair that is not hex: 64 characters giving 32 bytes are
    // 32 bytes of hex (the same test as /^[0-9a-f]{64}$/i, without the pattern's cost).
    const sibling = typeof hex === "string" && hex.length === 64 ? Buffer.from(hex, "hex") : null;
    if (sibling === null || sibling.length !== 32)
      throw new Error(`path hash ${k} is not 32 bytes of hex`);
    hash = i % 2 === 0 ? nodeHash(hash, sibling) : nodeHash(sibling, hash);
  }
  return hash;
}

/**
 * The bytes a batch signature is made over: the batch kind's tag (`horus-batch-v1` for jobs,
 * `horus-result-batch-v1` for a runner's results), a newline (0x0a), the batch's size as 4
 * bytes big-endian, then the 32-byte root. Like every signature of the protocol, ECDSA signs
 * SHA-256 of these bytes. The tags cannot start a job's canonical form (`{`), a schedule's
 * (`horus-schedule-v1\n`) or a result's (`horus-result-v1\n`), nor each other, so none of
 * those signatures can pass for a batch's, a job batch's for a result batch's, nor the other
 * way round.
 */
export function batchStatement(
  size: number,
  root: Uint8Array,
  domain: string = BATCH_SIGNATURE_DOMAIN,
): Buffer {
  if (!Number.isInteger(size) || size < 1 || size > BATCH_MAX_SIZE)
    throw new Error(`size ${size} is not a batch size (1 to ${BATCH_MAX_SIZE})`);
  if (root.length !== 32) throw new Error("a batch root is 32 bytes");
  const tag = statementTag(domain);
  const out = Buffer.allocUnsafe(tag.length + 4 + 32);
  tag.copy(out, 0);
  out.writeUInt32BE(size, tag.length);
  out.set(root, tag.length + 4);
  return out;
}

const statementTags = new Map<string, Buffer>();

function statementTag(domain: string): Buffer {
  let tag = statementTags.get(domain);
  if (tag === undefined) {
    tag = Buffer.from(`${domain}\n`, "ascii");
    statementTags.set(domain, tag);
  }
  return tag;
}

/**
 * The statement a batch proof says was signed: the root it leads to from the signed bytes,
 * with the size, under the batch kind's tag (a job's batch unless `domain` says otherwise).
 */
export function statementOfProof(
  signedBytes: Uint8Array,
  proof: BatchProof,
  domain: string = BATCH_SIGNATURE_DOMAIN,
): Buffer {
  return batchStatement(proof.size, rootFromProof(leafHash(signedBytes), proof), domain);
}

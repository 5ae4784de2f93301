// secp256k1 keys and ECDSA signatures over SHA-256 of a job's canonical bytes (docs/protocol.md).
// Verification runs in libsecp256k1 when its compiled binding loads (native-verify.ts), else
// in OpenSSL through node:crypto; both are several times faster than the pure-JS curve (see
// bench/signature.mjs). noble parses keys and DER signatures (compact ones are checked
// the same way on libsecp256k1's path), so what is accepted and every error message stay the
// same whichever verifies. Signing also uses libsecp256k1 when it
// loads, else noble: both use RFC 6979 nonces, so they make the same signature. OpenSSL's
// signatures are not deterministic, so OpenSSL never signs.
import { createHash, createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { LRUCache } from "lru-cache";
import { coerceError } from "../util/index.js";
import { canonicalBytes } from "./canonical.js";
import { statementDigest, statementOfProof } from "./merkle.js";
import { libsecp256k1 } from "./native-verify.js";
import type { BatchProof, Job, JobSignature } from "./types.js";

export interface KeyPair {
  /** 32-byte secret key, hex. */
  private_key: string;
  /** 33-byte compressed SEC1 public key, hex. */
  public_key: string;
}

export function generateKeyPair(): KeyPair {
  const secret = secp256k1.utils.randomSecretKey();
  return {
    private_key: bytesToHex(secret),
    public_key: bytesToHex(secp256k1.getPublicKey(secret)),
  };
}

function decodeHex(hex: string, what: string): Uint8Array {
  const clean = hex.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length % 2 !== 0) {
    throw new Error(`${what} is not valid hex`);
  }
  return hexToBytes(clean);
}

/**
 * Small caches keyed by hex text: a runner sees the same few signers' keys on every job, so
 * decompressing a point (or deriving a public key) once per key is enough. Cleared when
 * full, so a flood of random keys cannot grow them.
 */
class HexCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): V {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
    return value;
  }
}

const publicKeys = new HexCache<string>(64);

/** The compressed public key (hex) of a private key (hex). */
export function publicKeyOf(privateKeyHex: string): string {
  const known = publicKeys.get(privateKeyHex);
  if (known !== undefined) return known;
  const secret = decodeHex(privateKeyHex, "private key");
  if (secret.length !== 32) throw new Error("private key must be 32 bytes (64 hex characters)");
  return publicKeys.set(privateKeyHex, bytesToHex(secp256k1.getPublicKey(secret, true)));
}

/**
 * Any accepted encoding of a public key (compressed or uncompressed, hex) in its compressed
 * form, so keys compare equal however they were written. Throws on an invalid key.
 */
export function normalisePublicKey(publicKeyHex: string): string {
  return verifyingKey(publicKeyHex).compressed;
}

/**
 * A public key checked once: its compressed form, the point uncompressed for libsecp256k1
 * (which would otherwise recover y, a square root, on every verification), and an OpenSSL
 * key object to verify with.
 */
interface VerifyingKey {
  compressed: string;
  uncompressed: Uint8Array;
  key: KeyObject;
}

const verifyingKeys = new HexCache<VerifyingKey>(1024);

/** DER prefix of a SubjectPublicKeyInfo for a compressed secp256k1 point (33 bytes follow). */
const SPKI_SECP256K1_COMPRESSED = hexToBytes("3036301006072a8648ce3d020106052b8104000a032200");

function verifyingKey(publicKeyHex: string): VerifyingKey {
  const known = verifyingKeys.get(publicKeyHex);
  if (known !== undefined) return known;
  const bytes = decodeHex(publicKeyHex, "public key");
  if (bytes.length !== 33 && bytes.length !== 65) {
    throw new Error("public key must be 33 bytes (compressed) or 65 bytes (uncompressed)");
  }
  // noble checks the point lies on the curve (and gives the error message people see).
  const point = secp256k1.Point.fromBytes(bytes);
  const compressed = point.toBytes(true);
  const spki = Buffer.concat([SPKI_SECP256K1_COMPRESSED, compressed]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  return verifyingKeys.set(publicKeyHex, {
    compressed: point.toHex(true),
    uncompressed: point.toBytes(false),
    key,
  });
}

/** Signs the job's canonical form: compact r||s hex, RFC 6979, low-S. */
export function signBytes(message: Uint8Array, privateKeyHex: string): string {
  const secret = decodeHex(privateKeyHex, "private key");
  const native = libsecp256k1();
  if (native && secret.length === 32) {
    // Both sign SHA-256 of the message with RFC 6979 nonces: the same bytes as noble's.
    return bytesToHex(
      native.ecdsaSign(createHash("sha256").update(message).digest(), secret).signature,
    );
  }
  // prehash: sha256 of the message is what gets signed.
  return bytesToHex(secp256k1.sign(message, secret, { prehash: true, lowS: true }));
}

/** Adds this key's signature to the job (replacing an earlier one by the same key). */
export function signJob(job: Job, privateKeyHex: string): Job {
  return withSignature(job, canonicalBytes(job), privateKeyHex);
}

/**
 * Adds this key's signature over `message` to anything signed (a job, a schedule, a flow),
 * replacing an earlier one by the same key.
 */
export function withSignature<T extends { signatures: JobSignature[] }>(
  signed: T,
  message: Uint8Array,
  privateKeyHex: string,
): T {
  const public_key = publicKeyOf(privateKeyHex);
  const signature = signBytes(message, privateKeyHex);
  const others = signed.signatures.filter((s) => safeNormalise(s.public_key) !== public_key);
  return { ...signed, signatures: [...others, { public_key, signature }] };
}

function safeNormalise(key: string): string | undefined {
  try {
    return normalisePublicKey(key);
  } catch {
    return undefined;
  }
}

/**
 * Checks one signature over any message: why it does not verify (null when it does), and the
 * signer's compressed key when the key itself is valid.
 */
export function verifySignature(
  message: Uint8Array,
  sig: JobSignature,
  batchDomain?: string,
): { problem: string | null; signer?: string } {
  const { problem, compressed } =
    sig.batch === undefined
      ? checkWithKey(message, sig, lazyHash(message))
      : checkBatchEntry(message, sig, sig.batch, batchDomain);
  return { problem, signer: compressed };
}

/** What a batch entry whose proof leads to a root its signature does not cover is told. */
export const BATCH_MISMATCH =
  "batch signature does not match the root this job's proof leads to (the job, its index or its path differs from what was signed)";

/** What a signature that does not verify over its message is told (a batch's says more). */
const MISMATCH = "signature does not match the job";

/** SHA-256 of the message, computed once however many signatures need it. */
function lazyHash(message: Uint8Array): () => Uint8Array {
  let hash: Uint8Array | undefined;
  return () => {
    hash ??= createHash("sha256").update(message).digest();
    return hash;
  };
}

/** The signature's verdict, and the signer's compressed key when the key itself is valid. */
function checkWithKey(
  message: Uint8Array,
  sig: JobSignature,
  hash: () => Uint8Array,
): { problem: string | null; compressed?: string } {
  let key: VerifyingKey;
  let signature: Uint8Array;
  try {
    key = verifyingKey(sig.public_key);
    signature = decodeHex(sig.signature, "signature");
  } catch (e) {
    return { problem: coerceError(e).message };
  }
  // Compact signatures are exactly 64 bytes; anything else is read as DER.
  const format = signature.length === 64 ? "compact" : "der";
  const native = libsecp256k1();
  if (native && format === "compact") return checkCompactNatively(native, signature, hash, key);
  let compact: Uint8Array;
  try {
    // Parsing only (no curve arithmetic): r and s must lie in [1, n). High S is accepted, so
    // DER signatures from other tools verify too.
    compact = secp256k1.Signature.fromBytes(signature, format).toBytes("compact");
  } catch {
    return {
      problem: `signature is not a valid ${format === "der" ? "DER" : "compact"} signature`,
      compressed: key.compressed,
    };
  }
  const ok = native
    ? native.ecdsaVerify(native.signatureNormalize(compact), hash(), key.uncompressed)
    : // OpenSSL hashes the message with SHA-256 (the prehash) and checks r||s.
      nodeVerify("sha256", message, { key: key.key, dsaEncoding: "ieee-p1363" }, compact);
  return { problem: ok ? null : MISMATCH, compressed: key.compressed };
}

function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/**
 * The common case on the runner's path, without noble's parse: libsecp256k1 refuses r or s
 * of n or more when it parses; zero, which it would only fail at verifying, is refused here,
 * so the same signatures are refused with the same messages as on noble's path.
 */
function checkCompactNatively(
  native: NonNullable<ReturnType<typeof libsecp256k1>>,
  signature: Uint8Array,
  hash: () => Uint8Array,
  key: VerifyingKey,
): { problem: string | null; compressed?: string } {
  let normalized: Uint8Array | undefined;
  if (!isZero(signature.subarray(0, 32)) && !isZero(signature.subarray(32))) {
    try {
      normalized = native.signatureNormalize(signature);
    } catch {
      normalized = undefined;
    }
  }
  if (normalized === undefined)
    return { problem: "signature is not a valid compact signature", compressed: key.compressed };
  const ok = native.ecdsaVerify(normalized, hash(), key.uncompressed);
  return { problem: ok ? null : MISMATCH, compressed: key.compressed };
}

export interface SignatureReport {
  /** Compressed public keys of the valid signatures. */
  valid: string[];
  /** Problems, one per invalid signature ("signature 2 (02ab…): does not match"). */
  invalid: string[];
}

/** Verifies every signature of a job against its canonical form. */
export function verifyJobSignatures(job: Job): SignatureReport {
  return verifySignatures(canonicalBytes(job), job.signatures);
}

/**
 * Batch signatures verified already: the key and the signature as written, and SHA-256 of the
 * batch statement they were checked over, to the signer's compressed key. An entry is exactly
 * an ECDSA verification that succeeded, so a hit answers what verifying again would answer;
 * the other jobs of a batch then cost their climb to the root (a few hashes) and a lookup.
 * Only successes are kept, and at most BATCH_CACHE_SIZE of them, least recently used out
 * first: batches a runner works through are seldom more than a few at a time.
 */
const BATCH_CACHE_SIZE = 4096;
const verifiedBatches = new LRUCache<string, string>({ max: BATCH_CACHE_SIZE });

/**
 * A batch entry's verdict: the proof must lead from `message` to a root its key signed, in
 * a statement under `domain`'s tag (a job batch's unless told).
 */
function checkBatchEntry(
  message: Uint8Array,
  sig: JobSignature,
  proof: BatchProof,
  domain?: string,
): { problem: string | null; compressed?: string } {
  let statement: Uint8Array;
  try {
    statement = statementOfProof(message, proof, domain);
  } catch (e) {
    return { problem: `batch proof refused: ${coerceError(e).message}` };
  }
  const digest = statementDigest(statement);
  const cacheKey = `${sig.public_key}/${digest.toString("hex")}/${sig.signature}`;
  const known = verifiedBatches.get(cacheKey);
  if (known !== undefined) return { problem: null, compressed: known };
  const verdict = checkWithKey(statement, sig, () => digest);
  if (verdict.problem === null && verdict.compressed !== undefined)
    verifiedBatches.set(cacheKey, verdict.compressed);
  else if (verdict.problem === MISMATCH)
    return { problem: BATCH_MISMATCH, compressed: verdict.compressed };
  return verdict;
}

/**
 * Verifies every signature of a list against one message (a job's, a schedule's...). An
 * entry with a `batch` proof is checked over the batch statement the proof leads to from the
 * message (batch.ts); a plain entry over the message itself.
 */
export function verifySignatures(
  message: Uint8Array,
  signatures: readonly JobSignature[],
): SignatureReport {
  const hash = lazyHash(message);
  const report: SignatureReport = { valid: [], invalid: [] };
  signatures.forEach((sig, i) => {
    const { problem, compressed } =
      sig.batch === undefined
        ? checkWithKey(message, sig, hash)
        : checkBatchEntry(message, sig, sig.batch);
    if (problem === null && compressed !== undefined) report.valid.push(compressed);
    else report.invalid.push(`signature ${i + 1} (${sig.public_key.slice(0, 12)}…): ${problem}`);
  });
  return report;
}

// secp256k1 keys and ECDSA signatures over SHA-256 of a job's canonical bytes (DESIGN §2).
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { canonicalBytes } from "./canonical.js";
import type { Job, JobSignature } from "./types.js";

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

/** The compressed public key (hex) of a private key (hex). */
export function publicKeyOf(privateKeyHex: string): string {
  const secret = decodeHex(privateKeyHex, "private key");
  if (secret.length !== 32) throw new Error("private key must be 32 bytes (64 hex characters)");
  return bytesToHex(secp256k1.getPublicKey(secret, true));
}

/**
 * Any accepted encoding of a public key (compressed or uncompressed, hex) in its compressed
 * form, so keys compare equal however they were written. Throws on an invalid key.
 */
export function normalisePublicKey(publicKeyHex: string): string {
  const bytes = decodeHex(publicKeyHex, "public key");
  if (bytes.length !== 33 && bytes.length !== 65) {
    throw new Error("public key must be 33 bytes (compressed) or 65 bytes (uncompressed)");
  }
  return secp256k1.Point.fromBytes(bytes).toHex(true);
}

/** Signs the job's canonical form: compact r||s hex, RFC 6979, low-S. */
export function signBytes(message: Uint8Array, privateKeyHex: string): string {
  const secret = decodeHex(privateKeyHex, "private key");
  // prehash: sha256 of the message is what gets signed.
  return bytesToHex(secp256k1.sign(message, secret, { prehash: true, lowS: true }));
}

/** Adds this key's signature to the job (replacing an earlier one by the same key). */
export function signJob(job: Job, privateKeyHex: string): Job {
  const public_key = publicKeyOf(privateKeyHex);
  const signature = signBytes(canonicalBytes(job), privateKeyHex);
  const others = job.signatures.filter((s) => safeNormalise(s.public_key) !== public_key);
  return { ...job, signatures: [...others, { public_key, signature }] };
}

function safeNormalise(key: string): string | undefined {
  try {
    return normalisePublicKey(key);
  } catch {
    return undefined;
  }
}

/** Why one signature does not verify, or null when it does. */
export function checkSignature(message: Uint8Array, sig: JobSignature): string | null {
  let key: Uint8Array;
  let signature: Uint8Array;
  try {
    key = decodeHex(sig.public_key, "public key");
    signature = decodeHex(sig.signature, "signature");
    normalisePublicKey(sig.public_key);
  } catch (e) {
    return (e as Error).message;
  }
  // Compact signatures are exactly 64 bytes; anything else is read as DER.
  const format = signature.length === 64 ? "compact" : "der";
  try {
    // lowS: false on verification, so DER signatures from other tools are accepted too.
    const ok = secp256k1.verify(signature, message, key, { prehash: true, lowS: false, format });
    return ok ? null : "signature does not match the job";
  } catch {
    return `signature is not a valid ${format === "der" ? "DER" : "compact"} signature`;
  }
}

export interface SignatureReport {
  /** Compressed public keys of the valid signatures. */
  valid: string[];
  /** Problems, one per invalid signature ("signature 2 (02ab…): does not match"). */
  invalid: string[];
}

/** Verifies every signature of a job against its canonical form. */
export function verifyJobSignatures(job: Job): SignatureReport {
  const message = canonicalBytes(job);
  const report: SignatureReport = { valid: [], invalid: [] };
  job.signatures.forEach((sig, i) => {
    const problem = checkSignature(message, sig);
    if (problem === null) report.valid.push(normalisePublicKey(sig.public_key));
    else report.invalid.push(`signature ${i + 1} (${sig.public_key.slice(0, 12)}…): ${problem}`);
  });
  return report;
}

// Signing in the browser, as docs/protocol.md says: secp256k1 ECDSA (RFC 6979, low-S) over SHA-256
// of the job's canonical bytes, compact r||s hex. The canonical form is the project's own
// code (dist/job/canonical.js, served by the supervisor), so the browser signs exactly the
// bytes the supervisor and the runners verify.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { canonicalBytes, canonicalJson } from "/lib/job/canonical.js";

function secretOf(privateKeyHex) {
  const clean = privateKeyHex.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) {
    throw new Error("the signing key must be 32 bytes of hex (64 characters)");
  }
  return hexToBytes(clean);
}

/** A new private key, hex. */
export function generatePrivateKey() {
  return bytesToHex(secp256k1.utils.randomSecretKey());
}

/** The compressed public key (hex) of a private key (hex). */
export function publicKeyOf(privateKeyHex) {
  return bytesToHex(secp256k1.getPublicKey(secretOf(privateKeyHex), true));
}

/** The job with this key's signature added (an earlier one by the same key replaced). */
export function signJob(job, privateKeyHex) {
  const secret = secretOf(privateKeyHex);
  const public_key = publicKeyOf(privateKeyHex);
  const signature = bytesToHex(
    secp256k1.sign(canonicalBytes(job), secret, { prehash: true, lowS: true }),
  );
  const others = job.signatures.filter((s) => s.public_key !== public_key);
  return { ...job, signatures: [...others, { public_key, signature }] };
}

/** The domain line a schedule's signed bytes start with (docs/protocol.md, section 10). */
const SCHEDULE_DOMAIN = "horus-schedule-v1";

/**
 * The schedule with this key's signature: over `horus-schedule-v1`, a newline and the
 * canonical JSON of the schedule without its signatures, as the runners verify it.
 */
export function signSchedule(schedule, privateKeyHex) {
  const secret = secretOf(privateKeyHex);
  const public_key = publicKeyOf(privateKeyHex);
  const { signatures, ...body } = schedule;
  const bytes = new TextEncoder().encode(`${SCHEDULE_DOMAIN}\n${canonicalJson(body)}`);
  const signature = bytesToHex(secp256k1.sign(bytes, secret, { prehash: true, lowS: true }));
  const others = (signatures ?? []).filter((s) => s.public_key !== public_key);
  return { ...schedule, signatures: [...others, { public_key, signature }] };
}

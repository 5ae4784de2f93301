import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  canonicalBytes,
  canonicalJson,
  createJob,
  generateKeyPair,
  type Job,
  libsecp256k1,
  normalisePublicKey,
  publicKeyOf,
  signJob,
  useLibsecp256k1,
  verifyJobSignatures,
} from "../../src/job/index.js";

const keys = generateKeyPair();

function job(overrides: Partial<Job> = {}): Job {
  return {
    ...createJob({ payload: "echo hi", runner: "r1", env_vars: { B: "2", A: "1" } }),
    ...overrides,
  };
}

describe("canonical form", () => {
  test("does not depend on key order, at any depth", () => {
    const a = canonicalJson({ b: 1, a: { y: [1, { d: 2, c: 3 }], x: "s" } });
    const b = canonicalJson({ a: { x: "s", y: [1, { c: 3, d: 2 }] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"x":"s","y":[1,{"c":3,"d":2}]},"b":1}');
  });

  test("leaves out signatures and updated_at", () => {
    const j = job();
    const text = new TextDecoder().decode(canonicalBytes(j));
    expect(text).not.toContain("signatures");
    expect(text).not.toContain("updated_at");
    expect(canonicalBytes({ ...j, updated_at: "2030-01-01T00:00:00.000Z" })).toEqual(
      canonicalBytes(j),
    );
  });

  test("escapes strings as JSON does (unicode kept as UTF-8)", () => {
    expect(canonicalJson({ k: 'a"b\nc€' })).toBe('{"k":"a\\"b\\nc€"}');
  });
});

describe.each([
  ["libsecp256k1", true],
  ["OpenSSL", false],
])("signatures, verified by %s", (_name, native) => {
  beforeAll(() => useLibsecp256k1(native));
  afterAll(() => useLibsecp256k1(true));

  test("the verifier in use is the one named", () => {
    expect(libsecp256k1() !== null).toBe(native);
  });

  test("the signature is noble's, byte for byte (RFC 6979 either way)", () => {
    const j = job();
    const nobleSig = bytesToHex(
      secp256k1.sign(canonicalBytes(j), hexToBytes(keys.private_key), {
        prehash: true,
        lowS: true,
      }),
    );
    expect(signJob(j, keys.private_key).signatures[0]?.signature).toBe(nobleSig);
  });

  test("a high-S signature (as other tools may write) is accepted", () => {
    const j = job();
    const compact = hexToBytes(signJob(j, keys.private_key).signatures[0]?.signature ?? "");
    const sig = secp256k1.Signature.fromBytes(compact, "compact");
    const high = new secp256k1.Signature(sig.r, secp256k1.Point.CURVE().n - sig.s);
    expect(high.hasHighS()).toBe(true);
    const report = verifyJobSignatures({
      ...j,
      signatures: [{ public_key: keys.public_key, signature: bytesToHex(high.toBytes("der")) }],
    });
    expect(report).toEqual({ valid: [keys.public_key], invalid: [] });
  });

  test("a signed job verifies, and the signer is reported in compressed form", () => {
    const signed = signJob(job(), keys.private_key);
    expect(signed.signatures).toHaveLength(1);
    expect(signed.signatures[0]?.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(verifyJobSignatures(signed)).toEqual({ valid: [keys.public_key], invalid: [] });
  });

  test("signing is deterministic (RFC 6979) and low-S", () => {
    const j = job();
    const s1 = signJob(j, keys.private_key).signatures[0]?.signature ?? "";
    const s2 = signJob(j, keys.private_key).signatures[0]?.signature ?? "";
    expect(s1).toBe(s2);
    expect(secp256k1.Signature.fromBytes(hexToBytes(s1), "compact").hasHighS()).toBe(false);
  });

  test.each([
    ["payload", { payload: "echo evil" }],
    ["runner", { runner: "r2" }],
    ["env_vars", { env_vars: { A: "1", B: "3" } }],
    ["timeout", { timeout: 61 }],
    ["created_at", { created_at: "2020-01-01T00:00:00.000Z" }],
  ])("changing %s after signing breaks the signature", (_field, change) => {
    const signed = signJob(job(), keys.private_key);
    const report = verifyJobSignatures({ ...signed, ...change });
    expect(report.valid).toEqual([]);
    expect(report.invalid[0]).toContain("does not match");
  });

  test("a one-byte change in the signature fails", () => {
    const signed = signJob(job(), keys.private_key);
    const sig = signed.signatures[0]?.signature ?? "";
    // The 6th byte's high nibble, changed to another hex digit.
    const flipped = `${sig.slice(0, 10)}${sig[10] === "0" ? "1" : "0"}${sig.slice(11)}`;
    expect(flipped).not.toBe(sig);
    const report = verifyJobSignatures({
      ...signed,
      signatures: [{ public_key: keys.public_key, signature: flipped }],
    });
    expect(report.valid).toEqual([]);
  });

  test("DER signatures and uncompressed keys are accepted", () => {
    const j = job();
    const signed = signJob(j, keys.private_key);
    const compact = hexToBytes(signed.signatures[0]?.signature ?? "");
    const der = bytesToHex(secp256k1.Signature.fromBytes(compact, "compact").toBytes("der"));
    const uncompressed = bytesToHex(secp256k1.getPublicKey(hexToBytes(keys.private_key), false));
    expect(uncompressed).toHaveLength(130);
    const report = verifyJobSignatures({
      ...j,
      signatures: [{ public_key: uncompressed, signature: der }],
    });
    expect(report).toEqual({ valid: [keys.public_key], invalid: [] });
  });

  test("several signers; re-signing with one key replaces its signature", () => {
    const other = generateKeyPair();
    let signed = signJob(job(), keys.private_key);
    signed = signJob(signed, other.private_key);
    signed = signJob(signed, keys.private_key);
    expect(signed.signatures.map((s) => s.public_key).sort()).toEqual(
      [keys.public_key, other.public_key].sort(),
    );
    expect(verifyJobSignatures(signed).valid).toHaveLength(2);
  });

  test("compact signatures with r or s out of [1, n) are refused as malformed", () => {
    const j = job();
    const sig = signJob(j, keys.private_key).signatures[0]?.signature ?? "";
    const n = secp256k1.Point.CURVE().n.toString(16).padStart(64, "0");
    const zero = "0".repeat(64);
    const malformed = [zero + sig.slice(64), sig.slice(0, 64) + zero, n + sig.slice(64)];
    for (const signature of malformed) {
      const report = verifyJobSignatures({
        ...j,
        signatures: [{ public_key: keys.public_key, signature }],
      });
      expect(report.valid).toEqual([]);
      expect(report.invalid[0]).toContain("signature is not a valid compact signature");
    }
  });

  test("garbage keys and signatures are reported, not thrown", () => {
    const report = verifyJobSignatures({
      ...job(),
      signatures: [
        { public_key: "zz", signature: "00" },
        { public_key: keys.public_key, signature: "3006020101020101" },
      ],
    });
    expect(report.valid).toEqual([]);
    expect(report.invalid).toHaveLength(2);
    expect(report.invalid[0]).toContain("not valid hex");
  });

  test("public keys normalise to compressed form; private keys give their public key", () => {
    expect(publicKeyOf(keys.private_key)).toBe(keys.public_key);
    expect(normalisePublicKey(keys.public_key.toUpperCase())).toBe(keys.public_key);
    expect(() => normalisePublicKey(`02${"00".repeat(32)}`)).toThrow();
  });
});

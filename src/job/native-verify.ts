// libsecp256k1, through the `secp256k1` package's compiled binding (it ships prebuilt
// binaries, or builds one on install): several times faster than OpenSSL's generic curve
// code at verifying, and than noble at signing (bench/RESULTS.md, "Update: libsecp256k1").
// The package's pure-JS fallback is slower than OpenSSL, so only the compiled binding is
// ever used; without it, verification stays in OpenSSL.
import { createRequire } from "node:module";

interface Secp256k1Binding {
  /** RFC 6979 deterministic, low-S: the same signature noble makes. */
  ecdsaSign(hash32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array };
  ecdsaVerify(signature: Uint8Array, hash32: Uint8Array, publicKey: Uint8Array): boolean;
  /** A copy with S in the lower half (libsecp256k1 refuses high-S signatures). */
  signatureNormalize(signature: Uint8Array): Uint8Array;
}

let binding: Secp256k1Binding | null | undefined;

/** The compiled binding, or null when it cannot be loaded here. */
export function libsecp256k1(): Secp256k1Binding | null {
  if (binding === undefined) {
    try {
      binding = createRequire(import.meta.url)("secp256k1/bindings") as Secp256k1Binding;
    } catch {
      binding = null;
    }
  }
  return binding;
}

/** For tests and benchmarks: verify as if the binding were missing (or let it be used again). */
export function useLibsecp256k1(enabled: boolean): void {
  binding = enabled ? undefined : null;
}

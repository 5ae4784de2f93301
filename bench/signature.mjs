// The cost of signatures per job: verifying with the pure-JS curve (@noble/curves) beside
// OpenSSL through node:crypto and libsecp256k1 (the compiled `secp256k1` binding, which
// `verifyJobSignatures` uses when it loads, falling back to OpenSSL), and signing (noble,
// RFC 6979; OpenSSL cannot sign deterministically). Needs a build. BENCH_SIG_JOBS sets the count.
import { createHash, createPublicKey, verify } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import {
  canonicalBytes,
  createJob,
  generateKeyPair,
  libsecp256k1,
  signJob,
  verifyJobSignatures,
} from "../dist/job/index.js";
import { quantile, sortedCopy } from "./lib/stats.mjs";

const N = Number(process.env.BENCH_SIG_JOBS ?? 2000);
const keys = generateKeyPair();
const job = signJob(createJob({ payload: "", runner: "bench" }), keys.private_key);
const message = canonicalBytes(job);
const signature = hexToBytes(job.signatures[0].signature);
const publicKey = hexToBytes(keys.public_key);
const secret = hexToBytes(keys.private_key);
const spki = Buffer.concat([
  Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex"),
  publicKey,
]);
const keyObject = createPublicKey({ key: spki, format: "der", type: "spki" });

/** Median and p99 of `once()` in µs, after a warm-up. */
function measure(once) {
  for (let i = 0; i < Math.max(100, N / 10); i++) once();
  const times = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    const ok = once();
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (ok === false) throw new Error("verification failed");
  }
  const sorted = sortedCopy(times);
  return [quantile(sorted, 0.5), quantile(sorted, 0.99)];
}

const rows = [
  [
    "verify, @noble/curves",
    measure(() => secp256k1.verify(signature, message, publicKey, { prehash: true, lowS: false })),
  ],
  [
    "verify, node:crypto (OpenSSL)",
    measure(() =>
      verify("sha256", message, { key: keyObject, dsaEncoding: "ieee-p1363" }, signature),
    ),
  ],
  ...(libsecp256k1()
    ? [
        [
          "verify, libsecp256k1 (secp256k1 binding)",
          measure(() =>
            libsecp256k1().ecdsaVerify(
              signature,
              createHash("sha256").update(message).digest(),
              publicKey,
            ),
          ),
        ],
      ]
    : []),
  [
    "verifyJobSignatures (the runner's check)",
    measure(() => verifyJobSignatures(job).valid.length === 1),
  ],
  [
    "sign, @noble/curves",
    measure(() => secp256k1.sign(message, secret, { prehash: true, lowS: true })),
  ],
  ["signJob (canonical form + sign)", measure(() => signJob(job, keys.private_key))],
];
const fmt = (us) => us.toFixed(1).padStart(10);
console.log(
  `signature: per-job cost of secp256k1 ECDSA over a job's canonical form, ${N} runs, µs`,
);
console.log(`${"".padEnd(44)}${"median".padStart(10)}${"p99".padStart(10)}`);
for (const [name, [p50, p99]] of rows) console.log(`${name.padEnd(44)}${fmt(p50)}${fmt(p99)}`);

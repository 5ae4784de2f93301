// Batch signatures (src/job/batch.ts, merkle.ts): the tree, the proofs, and every way a proof
// or a signature can be misused. Each refusal is checked by its message, so a test fails
// when the check it stands for is taken out, not only when some other check catches it.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import {
  BATCH_MAX_PATH,
  type BatchProof,
  batchStatement,
  canonicalBytes,
  createJob,
  generateKeyPair,
  type Job,
  jobFromHash,
  jobToHash,
  leafHash,
  libsecp256k1,
  merkleTree,
  nodeHash,
  parseJob,
  proofLength,
  rootFromProof,
  signBatch,
  signBytes,
  signJob,
  statementOfProof,
  useLibsecp256k1,
  verifyEnvelope,
  verifyJobSignatures,
} from "../../src/job/index.js";

const key = generateKeyPair();
const other = generateKeyPair();
const trusted = new Set([key.public_key]);

function jobs(n: number, runner = "r1"): Job[] {
  return Array.from({ length: n }, (_, i) =>
    createJob({ payload: `echo ${i}`, runner, env_vars: { I: String(i) } }),
  );
}

const leaves = (n: number) =>
  Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

/** RFC 9162's Merkle Tree Hash, written as the RFC defines it (split at a power of two). */
function rfcRoot(hashes: Buffer[]): Buffer {
  if (hashes.length === 1) return hashes[0] as Buffer;
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(rfcRoot(hashes.slice(0, k)), rfcRoot(hashes.slice(k)));
}

function proofOf(job: Job): BatchProof {
  const proof = job.signatures.find((s) => s.batch !== undefined)?.batch;
  if (proof === undefined) throw new Error("no batch proof");
  return proof;
}

function withProof(job: Job, change: Partial<BatchProof>): Job {
  return {
    ...job,
    signatures: job.signatures.map((s) =>
      s.batch === undefined ? s : { ...s, batch: { ...s.batch, ...change } },
    ),
  };
}

function problems(job: Job): string {
  return verifyJobSignatures(job).invalid.join("; ");
}

describe("the tree", () => {
  test("is RFC 9162's Merkle Tree Hash for every size up to 130", () => {
    for (let n = 1; n <= 130; n++) {
      const l = leaves(n);
      expect(merkleTree(l).root.equals(rfcRoot(l)), `size ${n}`).toBe(true);
    }
  });

  test("a single job's root is its leaf", () => {
    const [leaf] = leaves(1) as [Buffer];
    expect(merkleTree([leaf])).toEqual({ root: leaf, paths: [[]] });
  });

  test("leaves and nodes are hashed with their own prefixes", () => {
    const bytes = Buffer.from("{}");
    expect(leafHash(bytes).toString("hex")).toBe(
      createHash("sha256")
        .update(Buffer.concat([Buffer.from([0]), bytes]))
        .digest("hex"),
    );
    // A large job is hashed in place rather than copied: the same hash.
    const big = Buffer.alloc(100_000, 0x7b);
    expect(leafHash(big).toString("hex")).toBe(
      createHash("sha256")
        .update(Buffer.concat([Buffer.from([0]), big]))
        .digest("hex"),
    );
    const [a, b] = leaves(2) as [Buffer, Buffer];
    expect(nodeHash(a, b).toString("hex")).toBe(
      createHash("sha256")
        .update(Buffer.concat([Buffer.from([1]), a, b]))
        .digest("hex"),
    );
  });

  test("every leaf's path leads to the root, and is as long as proofLength says", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (n, pick) => {
        const l = leaves(n);
        const { root, paths } = merkleTree(l);
        const index = pick % n;
        const path = (paths[index] as Buffer[]).map((h) => h.toString("hex"));
        expect(path.length).toBe(proofLength(index, n));
        expect(path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
        expect(rootFromProof(l[index] as Buffer, { index, size: n, path }).equals(root)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test("a path leads to the root from its own leaf at its own index only", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), fc.nat(), (n, a, b) => {
        const l = leaves(n);
        const { root, paths } = merkleTree(l);
        const i = a % n;
        const j = b % n;
        fc.pre(i !== j);
        const path = (paths[i] as Buffer[]).map((h) => h.toString("hex"));
        // Another leaf on the same path.
        expect(rootFromProof(l[j] as Buffer, { index: i, size: n, path }).equals(root)).toBe(false);
        // The same leaf and path claiming another index (where the length allows it).
        if (proofLength(j, n) === path.length)
          expect(rootFromProof(l[i] as Buffer, { index: j, size: n, path }).equals(root)).toBe(
            false,
          );
      }),
      { numRuns: 300 },
    );
  });

  test("promotion, not duplication: [a, b, c] and [a, b, c, c] have different roots", () => {
    const [a, b, c] = leaves(3) as [Buffer, Buffer, Buffer];
    expect(merkleTree([a, b, c]).root.equals(merkleTree([a, b, c, c]).root)).toBe(false);
    // With duplication they would be equal: H(H(a,b), H(c,c)) both ways.
    expect(merkleTree([a, b, c]).root.equals(nodeHash(nodeHash(a, b), nodeHash(c, c)))).toBe(false);
  });

  test("why the size is signed: the last leaf of 3 climbs like index 1 of 2", () => {
    const l = leaves(3);
    const { root, paths } = merkleTree(l);
    const path = (paths[2] as Buffer[]).map((h) => h.toString("hex"));
    const c = l[2] as Buffer;
    expect(rootFromProof(c, { index: 2, size: 3, path }).equals(root)).toBe(true);
    expect(rootFromProof(c, { index: 1, size: 2, path }).equals(root)).toBe(true);
    // The same root, two statements: only the one with the true size carries the signature.
    expect(batchStatement(3, root).equals(batchStatement(2, root))).toBe(false);
  });

  test("an inner node cannot pass for a leaf (no second preimage)", () => {
    const l = leaves(4);
    const { root } = merkleTree(l);
    const [a, b, c, d] = l as [Buffer, Buffer, Buffer, Buffer];
    // The bytes whose leaf would be the node H(a, b) without the prefixes: a || b.
    const forged = Buffer.concat([a, b]);
    const path = [nodeHash(c, d).toString("hex")];
    expect(rootFromProof(leafHash(forged), { index: 0, size: 2, path }).equals(root)).toBe(false);
    expect(nodeHash(a, b).equals(leafHash(forged))).toBe(false);
  });

  test("a path of the wrong length is refused by name", () => {
    const l = leaves(5);
    const { paths } = merkleTree(l);
    const path = (paths[1] as Buffer[]).map((h) => h.toString("hex"));
    expect(() => rootFromProof(l[1] as Buffer, { index: 1, size: 5, path: path.slice(1) })).toThrow(
      "the path holds 2 hashes; job 1 of a batch of 5 has 3",
    );
    expect(() =>
      rootFromProof(l[1] as Buffer, { index: 1, size: 5, path: [...path, "00".repeat(32)] }),
    ).toThrow("the path holds 4 hashes; job 1 of a batch of 5 has 3");
    expect(() => rootFromProof(l[1] as Buffer, { index: 5, size: 5, path })).toThrow(
      "index 5 is not a position in a batch of 5",
    );
    // 64 characters that are not all hex (the schema refuses them first; this holds alone).
    const notHex = [path[0] as string, `${(path[1] as string).slice(0, 62)}zz`, path[2] as string];
    expect(() => rootFromProof(l[1] as Buffer, { index: 1, size: 5, path: notHex })).toThrow(
      "path hash 2 is not 32 bytes of hex",
    );
  });

  test("the statement: tag, newline, size as 4 bytes big-endian, root", () => {
    const root = Buffer.alloc(32, 0xab);
    const s = batchStatement(258, root);
    expect(s.length).toBe(51);
    expect(s.subarray(0, 15).toString("ascii")).toBe("horus-batch-v1\n");
    expect([...s.subarray(15, 19)]).toEqual([0, 0, 1, 2]);
    expect(s.subarray(19).equals(root)).toBe(true);
    expect(() => batchStatement(0, root)).toThrow("size 0");
    expect(() => batchStatement(2 ** 32, root)).toThrow("is not a batch size");
  });
});

describe.each([
  ["libsecp256k1", true],
  ["OpenSSL", false],
])("batch signatures, verified by %s", (_name, native) => {
  beforeAll(() => useLibsecp256k1(native));
  afterAll(() => useLibsecp256k1(true));

  test("every job of a batch verifies with the signer's key; signed bytes are unchanged", () => {
    const list = jobs(7);
    const signed = signBatch(list, key.private_key);
    expect(new Set(signed.map((j) => j.signatures[0]?.signature)).size).toBe(1);
    signed.forEach((job, i) => {
      expect(canonicalBytes(job)).toEqual(canonicalBytes(list[i] as Job));
      expect(proofOf(job)).toMatchObject({ index: i, size: 7 });
      expect(verifyJobSignatures(job)).toEqual({ valid: [key.public_key], invalid: [] });
      expect(verifyEnvelope(canonicalBytes(job), job.signatures, trusted, "job")).toEqual({
        ok: true,
        signatories: [key.public_key],
        untrusted: [],
      });
    });
  });

  test("a plain job is signed and checked exactly as before", () => {
    const job = signJob(jobs(1)[0] as Job, key.private_key);
    expect(job.signatures).toEqual([
      {
        public_key: key.public_key,
        signature: signBytes(canonicalBytes(job), key.private_key),
      },
    ]);
    expect(JSON.stringify(job.signatures)).not.toContain("batch");
  });

  test("a batch of one: empty path, root = leaf", () => {
    const [job] = signBatch(jobs(1), key.private_key) as [Job];
    expect(proofOf(job)).toEqual({ index: 0, size: 1, path: [] });
    expect(verifyJobSignatures(job).valid).toEqual([key.public_key]);
  });

  test("a proof carried over to another job is refused", () => {
    const [a, b] = signBatch(jobs(4), key.private_key) as [Job, Job];
    const moved = { ...b, signatures: a.signatures };
    expect(problems(moved)).toContain("batch signature does not match the root");
    // The same for a job of another batch signed by the same key.
    const [c] = jobs(1) as [Job];
    expect(problems({ ...c, signatures: a.signatures })).toContain(
      "batch signature does not match the root",
    );
  });

  test("another index is refused", () => {
    const signed = signBatch(jobs(8), key.private_key);
    // In a full tree of 8 every path has 3 hashes: only the index's bits can make it fail.
    for (const [from, to] of [
      [0, 1],
      [2, 5],
      [7, 6],
    ] as const) {
      const job = withProof(signed[from] as Job, { index: to });
      expect(problems(job), `${from} as ${to}`).toContain(
        "batch signature does not match the root",
      );
    }
  });

  test("another size is refused (the size is signed)", () => {
    const signed = signBatch(jobs(3), key.private_key);
    // Index 2 of 3 and index 1 of 2 climb the same path to the same root.
    const job = withProof(signed[2] as Job, { index: 1, size: 2 });
    expect(problems(job)).toContain("batch signature does not match the root");
  });

  test("a truncated or extended path is refused", () => {
    const [job] = signBatch(jobs(6), key.private_key) as [Job];
    const { path } = proofOf(job);
    expect(problems(withProof(job, { path: path.slice(0, -1) }))).toContain(
      "batch proof refused: the path holds 2 hashes; job 0 of a batch of 6 has 3",
    );
    expect(problems(withProof(job, { path: [...path, path[0] as string] }))).toContain(
      "batch proof refused: the path holds 4 hashes",
    );
    const flipped = `${(path[1] as string).slice(0, -1)}${(path[1] as string).endsWith("0") ? "1" : "0"}`;
    expect(
      problems(withProof(job, { path: [path[0] as string, flipped, path[2] as string] })),
    ).toContain("batch signature does not match the root");
  });

  test("a root signed as a single job's bytes is no batch signature", () => {
    const list = jobs(4);
    const { root, paths } = merkleTree(list.map((j) => leafHash(canonicalBytes(j))));
    // Someone got the key holder to sign the root itself (as it would sign a job's bytes).
    const signature = signBytes(root, key.private_key);
    const job: Job = {
      ...(list[0] as Job),
      signatures: [
        {
          public_key: key.public_key,
          signature,
          batch: { index: 0, size: 4, path: (paths[0] as Buffer[]).map((h) => h.toString("hex")) },
        },
      ],
    };
    expect(problems(job)).toContain("batch signature does not match the root");
  });

  test("a single job's signature is no batch signature, nor the other way round", () => {
    const [job] = jobs(1) as [Job];
    const plain = signJob(job, key.private_key);
    const asBatch: Job = {
      ...plain,
      signatures: [
        {
          ...(plain.signatures[0] as Job["signatures"][0]),
          batch: { index: 0, size: 1, path: [] },
        },
      ],
    };
    expect(problems(asBatch)).toContain("batch signature does not match the root");
    const [batched] = signBatch([job], key.private_key) as [Job];
    const { batch: _b, ...bare } = batched.signatures[0] as Job["signatures"][0];
    expect(problems({ ...batched, signatures: [bare] })).toContain(
      "signature does not match the job",
    );
  });

  test("one altered job of a batch is refused; the others still verify", () => {
    const signed = signBatch(jobs(10), key.private_key);
    const altered = signed.map((j, i) => (i === 4 ? { ...j, payload: "echo evil" } : j));
    altered.forEach((job, i) => {
      const verdict = verifyEnvelope(canonicalBytes(job), job.signatures, trusted, "job");
      if (i === 4) {
        expect(verdict).toMatchObject({ ok: false, kind: "unauthorized" });
        expect(verdict.ok ? "" : verdict.message).toContain("does not match the root");
      } else expect(verdict.ok).toBe(true);
    });
  });

  test("a signer the runner does not trust is no signatory, batch or not", () => {
    const [job] = signBatch(jobs(2), other.private_key) as [Job];
    const verdict = verifyEnvelope(canonicalBytes(job), job.signatures, trusted, "job");
    expect(verdict).toMatchObject({ ok: false, kind: "unauthorized" });
    expect(verdict.ok ? "" : verdict.message).toContain("no signatory is trusted");
  });

  test("two keys sign the same batch: one tree, one entry each", () => {
    const once = signBatch(jobs(3), key.private_key);
    const twice = signBatch(once, other.private_key);
    for (const job of twice) {
      expect(job.signatures).toHaveLength(2);
      expect(job.signatures[0]?.batch).toEqual(job.signatures[1]?.batch);
      expect(verifyJobSignatures(job).valid).toEqual([key.public_key, other.public_key]);
    }
    // Signing again with the same key replaces its entry, as signJob does.
    expect(signBatch(twice, key.private_key)[0]?.signatures).toHaveLength(2);
  });

  test("two jobs with one id, or no job at all, make no batch", () => {
    const [a] = jobs(1) as [Job];
    expect(() => signBatch([a, { ...a, payload: "other" }], key.private_key)).toThrow(
      `the batch holds job id ${a.id} twice`,
    );
    expect(() => signBatch([], key.private_key)).toThrow("at least one job");
  });
});

describe("the verified-batch cache", () => {
  const binding = libsecp256k1();
  afterEach(() => vi.restoreAllMocks());

  test.runIf(binding !== null)("verifies a batch's signature once for all its jobs", () => {
    const spy = vi.spyOn(binding as NonNullable<typeof binding>, "ecdsaVerify");
    const signed = signBatch(jobs(50), key.private_key);
    for (const job of signed) expect(verifyJobSignatures(job).valid).toEqual([key.public_key]);
    expect(spy).toHaveBeenCalledTimes(1);
    // A job altered on its way costs a verification of its own, and is still refused.
    expect(problems({ ...(signed[3] as Job), payload: "evil" })).toContain("does not match");
    expect(spy).toHaveBeenCalledTimes(2);
  });

  test("a hit needs the same key and signature: neither can be swapped in", () => {
    const signed = signBatch(jobs(3), key.private_key);
    expect(verifyJobSignatures(signed[0] as Job).valid).toEqual([key.public_key]);
    // The root is cached as signed by `key`; the same entry naming another key fails.
    const otherKey = {
      ...(signed[1] as Job),
      signatures: [
        { ...(signed[1]?.signatures[0] as Job["signatures"][0]), public_key: other.public_key },
      ],
    };
    expect(verifyJobSignatures(otherKey).valid).toEqual([]);
    // And another signature (the root signed by someone else) is checked, not taken.
    const forged = signBatch(jobs(3), other.private_key)[0]?.signatures[0]?.signature as string;
    const otherSig = {
      ...(signed[1] as Job),
      signatures: [{ ...(signed[1]?.signatures[0] as Job["signatures"][0]), signature: forged }],
    };
    expect(verifyJobSignatures(otherSig).valid).toEqual([]);
  });
});

describe("the job schema and a batch proof", () => {
  const [signed] = signBatch(jobs(5), key.private_key) as [Job];
  const raw = () => JSON.parse(JSON.stringify(signed));
  const withBatch = (batch: unknown) => {
    const r = raw();
    r.signatures[0].batch = batch;
    return r;
  };

  test("is kept through JSON and the Redis hash, and still verifies", () => {
    expect(parseJob(raw())).toEqual(signed);
    const back = jobFromHash(jobToHash(signed));
    expect(back.signatures).toEqual(signed.signatures);
    expect(verifyJobSignatures(back).valid).toEqual([key.public_key]);
  });

  test.each([
    [{ index: 5, size: 5, path: [] }, "signatures.0.batch.index: must be less than size"],
    [{ index: -1, size: 5, path: [] }, "signatures.0.batch.index: must be >= 0"],
    [{ index: 0.5, size: 5, path: [] }, "signatures.0.batch.index: must be a whole number"],
    [{ index: 0, size: 0, path: [] }, "signatures.0.batch.size: must be at least 1"],
    [{ index: 0, size: 2 ** 32, path: [] }, "signatures.0.batch.size: must be at most 4294967295"],
    [{ index: 0, size: 5, path: ["abc"] }, "signatures.0.batch.path.0: must be a SHA-256 hash"],
    [
      { index: 0, size: 5, path: Array(BATCH_MAX_PATH + 1).fill("00".repeat(32)) },
      "signatures.0.batch.path: has more than 32 hashes",
    ],
    [{ index: 0, size: 5, path: [], root: "x" }, 'signatures.0.batch: Unrecognized key: "root"'],
    [{ index: 0, path: [] }, "signatures.0.batch.size"],
    ["0/5", "signatures.0.batch"],
  ])("refuses %j", (batch, message) => {
    expect(() => parseJob(withBatch(batch))).toThrow(message);
  });

  test("statementOfProof is what the signature covers", () => {
    const proof = proofOf(signed);
    const statement = statementOfProof(canonicalBytes(signed), proof);
    expect(signBytes(statement, key.private_key)).toBe(signed.signatures[0]?.signature);
  });
});

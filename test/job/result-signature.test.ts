// Result signatures, alone and in batches (src/job/result-signature.ts): what verifies, and
// what a Redis writer who rewrites a result, moves a proof or reuses a signature gets.
import { describe, expect, test } from "vitest";
import {
  BATCH_SIGNATURE_DOMAIN,
  batchStatement,
  canonicalBytes,
  createJob,
  generateKeyPair,
  leafHash,
  merkleTree,
  RESULT_BATCH_DOMAIN,
  type ResultStatement,
  resultStatementBytes,
  signBytes,
  signResult,
  signResults,
  verifyJobSignatures,
  verifyResult,
} from "../../src/job/index.js";
import { queueForSigning, type SignableEnd, signedArgs } from "../../src/protocol/index.js";

const runner = generateKeyPair();
const trusted = new Set([runner.public_key]);

function statement(n: number, extra: Partial<ResultStatement> = {}): ResultStatement {
  return {
    job_id: `job-${n}`,
    status: "finished",
    result: { success: `output ${n}` },
    finished_at: "2026-12-08T02:00:00.000Z",
    runner_instance: "host-1-abc",
    ...extra,
  };
}

const verify = (s: ResultStatement, signed: { signature: string; proof?: string }) =>
  verifyResult(s, signed.signature, runner.public_key, trusted, signed.proof);

describe("signResults", () => {
  test("one outcome is signed alone, exactly as signResult signs it", () => {
    const [only] = signResults([statement(1)], runner.private_key);
    expect(only).toEqual({ signature: signResult(statement(1), runner.private_key) });
    expect(verify(statement(1), only as { signature: string })).toEqual({
      ok: true,
      signer: runner.public_key,
    });
  });

  test("several share one signature, and each verifies alone with its own proof", () => {
    for (const size of [2, 3, 4, 5, 17]) {
      const statements = Array.from({ length: size }, (_, i) => statement(i));
      const signed = signResults(statements, runner.private_key);
      expect(new Set(signed.map((s) => s.signature)).size).toBe(1);
      signed.forEach((s, i) => {
        expect(JSON.parse(s.proof as string)).toMatchObject({ index: i, size });
        expect(verify(statements[i] as ResultStatement, s)).toEqual({
          ok: true,
          signer: runner.public_key,
        });
      });
    }
  });

  test("an error outcome's kind is covered", () => {
    const failed = statement(1, {
      status: "error",
      result: { error: "boom" },
      error_kind: "script",
    });
    const signed = signResults([failed, statement(2)], runner.private_key);
    expect(verify(failed, signed[0] as { signature: string }).ok).toBe(true);
    expect(
      verify({ ...failed, error_kind: "timeout" }, signed[0] as { signature: string }),
    ).toEqual(expect.objectContaining({ ok: false, reason: "invalid" }));
  });
});

describe("what a Redis writer cannot do with a batch-signed result", () => {
  const statements = [statement(0), statement(1), statement(2)];
  const signed = signResults(statements, runner.private_key) as [
    { signature: string; proof: string },
    { signature: string; proof: string },
    { signature: string; proof: string },
  ];

  test("rewrite the result, the status or the instance", () => {
    for (const altered of [
      { ...statements[0], result: { success: "forged" } },
      { ...statements[0], status: "error" as const, result: { error: "x" } },
      { ...statements[0], runner_instance: "other" },
      { ...statements[0], job_id: "job-9" },
    ] as ResultStatement[]) {
      const verdict = verify(altered, signed[0]);
      expect(verdict).toMatchObject({ ok: false, reason: "invalid" });
      expect(verdict.ok || verdict.message).toMatch(
        /does not match the root the result's proof leads to.*altered or forged/,
      );
    }
  });

  test("give a result another result's proof, or its own at another index", () => {
    expect(verify(statements[0] as ResultStatement, signed[1]).ok).toBe(false);
    const moved = { ...JSON.parse(signed[0].proof), index: 1 };
    expect(
      verify(statements[0] as ResultStatement, { ...signed[0], proof: JSON.stringify(moved) }),
    ).toMatchObject({ ok: false, reason: "invalid" });
  });

  test("drop the proof, or put one beside a signature made alone", () => {
    expect(verify(statements[0] as ResultStatement, { signature: signed[0].signature }).ok).toBe(
      false,
    );
    const alone = signResult(statements[0] as ResultStatement, runner.private_key);
    expect(
      verify(statements[0] as ResultStatement, { signature: alone, proof: signed[0].proof }).ok,
    ).toBe(false);
  });

  test("a proof that is not one is refused by name", () => {
    for (const [proof, message] of [
      ["{", /proof is not JSON/],
      ['{"index":0}', /proof is not \{"index", "size", "path"\}/],
      ['{"index":0,"size":3,"path":[]}', /path holds 0 hashes/],
      ['{"index":0,"size":3,"path":["zz","yy"]}', /not 32 bytes of hex/],
    ] as const) {
      const verdict = verify(statements[0] as ResultStatement, { ...signed[0], proof });
      expect(verdict).toMatchObject({ ok: false, reason: "invalid" });
      expect(verdict.ok || verdict.message).toMatch(message);
    }
  });

  test("a result batch's signature never passes for a job batch's, nor the other way", () => {
    // A runner's key that also signs jobs: its result batch signature over a root must not
    // authorise a job whose proof leads to the same root.
    const job = createJob({ payload: "echo x", runner: "r1", timeout: 10 });
    const { root, paths } = merkleTree([leafHash(canonicalBytes(job)), leafHash(Buffer.from("b"))]);
    const proof = { index: 0, size: 2, path: (paths[0] ?? []).map((h) => h.toString("hex")) };
    const asResults = signBytes(batchStatement(2, root, RESULT_BATCH_DOMAIN), runner.private_key);
    const report = verifyJobSignatures({
      ...job,
      signatures: [{ public_key: runner.public_key, signature: asResults, batch: proof }],
    });
    expect(report.valid).toEqual([]);
    // And a job batch's signature over a root of result leaves verifies no result.
    const leaves = [leafHash(resultStatementBytes(statement(0))), leafHash(Buffer.from("b"))];
    const tree = merkleTree(leaves);
    const asJobs = signBytes(
      batchStatement(2, tree.root, BATCH_SIGNATURE_DOMAIN),
      runner.private_key,
    );
    const resultProof = JSON.stringify({
      index: 0,
      size: 2,
      path: (tree.paths[0] ?? []).map((h) => h.toString("hex")),
    });
    expect(verify(statement(0), { signature: asJobs, proof: resultProof }).ok).toBe(false);
    expect(verify(statement(0), { signature: asResults, proof: resultProof }).ok).toBe(false);
  });
});

describe("signing prepared ends together (end-signing.ts)", () => {
  const signer = {
    publicKey: runner.public_key,
    signMany: (statements: readonly ResultStatement[]) =>
      signResults(statements, runner.private_key),
  };
  const prepared = (n: number): SignableEnd => ({
    args: Array.from({ length: 17 }, () => ""),
    signing: { signer, statement: statement(n) },
  });

  test("the first end to leave signs the others queued with it; each keeps its own proof", () => {
    const calls = [prepared(0), prepared(1), prepared(2)];
    for (const c of calls) queueForSigning(c);
    signedArgs(calls[1] as SignableEnd);
    calls.forEach((c, i) => {
      expect(c.signing).toBeUndefined();
      expect(c.args[11]).toBe(runner.public_key);
      const v = verify(statement(i), {
        signature: c.args[10] as string,
        proof: c.args[16] as string,
      });
      expect(v.ok).toBe(true);
    });
    // Signed once: asking again changes nothing.
    const before = [...(calls[0] as SignableEnd).args];
    expect(signedArgs(calls[0] as SignableEnd)).toEqual(before);
  });

  test("an end never queued is signed alone when it leaves", () => {
    const call = prepared(5);
    signedArgs(call);
    expect(call.args[16]).toBe("");
    expect(verify(statement(5), { signature: call.args[10] as string }).ok).toBe(true);
  });

  test("a signer that throws leaves the ends unsigned, not lost", () => {
    const broken = {
      publicKey: runner.public_key,
      signMany: () => {
        throw new Error("no key");
      },
    };
    const call: SignableEnd = {
      args: Array.from({ length: 17 }, () => "x"),
      signing: { signer: broken, statement: statement(1) },
    };
    signedArgs(call);
    expect(call.signing).toBeUndefined();
    expect([call.args[10], call.args[11], call.args[16]]).toEqual(["", "", ""]);
    expect(call.args[0]).toBe("x");
  });
});

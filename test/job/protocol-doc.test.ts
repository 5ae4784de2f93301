// docs/protocol.md is the contract: its test vectors must be what the code computes, and
// every Lua script and Redis key the code defines must be described there.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, test } from "vitest";
import {
  batchStatement,
  canonicalBytes,
  type Job,
  leafHash,
  merkleTree,
  parseJob,
  publicKeyOf,
  signBatch,
  signJob,
  verifyJobSignatures,
} from "../../src/job/index.js";
import { RedisKeys, SupervisorKeys } from "../../src/protocol/index.js";

const ROOT = new URL("../../", import.meta.url);
const doc = readFileSync(new URL("docs/protocol.md", ROOT), "utf8");

/** The code block after `<!-- vector: name -->`. */
function vector(name: string): string {
  const match = new RegExp(`<!-- vector: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(
    doc,
  );
  if (!match) throw new Error(`docs/protocol.md has no vector "${name}"`);
  return match[1] as string;
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("docs/protocol.md's test vectors", () => {
  const job = parseJob(JSON.parse(vector("job")));
  const privateKey = vector("private_key");

  test("the canonical form and its hash", () => {
    const bytes = canonicalBytes(job);
    expect(Buffer.from(bytes).toString("utf8")).toBe(vector("canonical"));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(vector("sha256"));
  });

  test("the key pair and the deterministic signature", () => {
    expect(publicKeyOf(privateKey)).toBe(vector("public_key"));
    const signed = signJob(job, privateKey);
    expect(signed.signatures).toEqual([
      { public_key: vector("public_key"), signature: vector("signature") },
    ]);
    expect(verifyJobSignatures(signed)).toEqual({ valid: [vector("public_key")], invalid: [] });
  });

  test("the high-S twin is n - s, and is accepted as the doc says", () => {
    const low = vector("signature");
    const high = vector("signature_high_s");
    expect(high.slice(0, 64)).toBe(low.slice(0, 64));
    expect(BigInt(`0x${high.slice(64)}`)).toBe(N - BigInt(`0x${low.slice(64)}`));
    expect(BigInt(`0x${high.slice(64)}`) > N / 2n).toBe(true);
    expect(doc).toContain("**high-S signatures are accepted**");
    const withHigh: Job = {
      ...job,
      signatures: [{ public_key: vector("public_key"), signature: high }],
    };
    expect(verifyJobSignatures(withHigh).valid).toEqual([vector("public_key")]);
  });

  test("a signed field changed breaks the signature; updated_at does not", () => {
    const signed = signJob(job, privateKey);
    const tampered = { ...signed, payload: `${signed.payload} ` };
    expect(verifyJobSignatures(tampered).invalid).toHaveLength(1);
    const env = { ...signed, env_vars: { ...signed.env_vars, ZONE: "us" } };
    expect(verifyJobSignatures(env).invalid).toHaveLength(1);
    const touched = { ...signed, updated_at: "2030-01-01T00:00:00.000Z" };
    expect(verifyJobSignatures(touched).valid).toHaveLength(1);
    // A field the format does not have is dropped on reading, so it is never signed.
    const extra = parseJob({ ...JSON.parse(vector("job")), colour: "blue" });
    expect(Buffer.from(canonicalBytes(extra)).toString("utf8")).toBe(vector("canonical"));
  });
});

describe("the lifecycle fields' vector", () => {
  const job = parseJob(JSON.parse(vector("job_lifecycle")));

  test("they are signed in key order, and changing any of them breaks the signature", () => {
    expect(Buffer.from(canonicalBytes(job)).toString("utf8")).toBe(vector("canonical_lifecycle"));
    const signed = signJob(job, vector("private_key"));
    expect(signed.signatures[0]?.signature).toBe(vector("signature_lifecycle"));
    const changes: Partial<Job>[] = [
      { max_attempts: 4 },
      { backoff: { type: "fixed", delay_ms: 500, max_delay_ms: 60000 } },
      { run_at: "2026-01-02T03:06:00.000Z" },
      { priority: 8 },
    ];
    for (const change of changes)
      expect(
        verifyJobSignatures({ ...signed, ...change }).invalid,
        JSON.stringify(change),
      ).toHaveLength(1);
    // Removing one is a change too.
    const { priority: _p, ...without } = signed;
    expect(verifyJobSignatures(without).invalid).toHaveLength(1);
  });
});

describe("the batch signature's vectors (section 2a)", () => {
  const jobs = (JSON.parse(vector("batch_jobs")) as unknown[]).map((j) => parseJob(j));
  const sha256 = (...parts: Uint8Array[]) => {
    const h = createHash("sha256");
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

  test("the leaves, the node, the root and the statement, computed from the text alone", () => {
    // Written out here with node:crypto, not with the code under test.
    const leaves = jobs.map((j) => sha256(Buffer.from([0]), canonicalBytes(j)));
    expect(leaves.map(hex).join("\n")).toBe(vector("batch_leaves"));
    const [l0, l1, l2] = leaves as [Buffer, Buffer, Buffer];
    const node = sha256(Buffer.from([1]), l0, l1);
    expect(hex(node)).toBe(vector("batch_node_01"));
    const root = sha256(Buffer.from([1]), node, l2);
    expect(hex(root)).toBe(vector("batch_root"));
    const statement = Buffer.concat([
      Buffer.from("horus-batch-v1\n", "ascii"),
      Buffer.from([0, 0, 0, 3]),
      root,
    ]);
    expect(statement.length).toBe(51);
    expect(hex(statement)).toBe(vector("batch_statement"));
    expect(hex(sha256(statement))).toBe(vector("batch_digest"));
    // An independent check of the signature: noble over the digest, no prehash.
    const signature = Buffer.from(vector("batch_signature"), "hex");
    const publicKey = Buffer.from(vector("public_key"), "hex");
    expect(secp256k1.verify(signature, sha256(statement), publicKey, { prehash: false })).toBe(
      true,
    );
  });

  test("the code makes the same tree, signature and proofs, and every job verifies", () => {
    const leaves = jobs.map((j) => leafHash(canonicalBytes(j)));
    const { root } = merkleTree(leaves);
    expect(root.toString("hex")).toBe(vector("batch_root"));
    expect(batchStatement(3, root).toString("hex")).toBe(vector("batch_statement"));
    const signed = signBatch(jobs, vector("private_key"));
    expect(signed.map((j) => JSON.stringify(j.signatures[0]?.batch)).join("\n")).toBe(
      vector("batch_proofs"),
    );
    for (const job of signed) {
      expect(job.signatures[0]?.signature).toBe(vector("batch_signature"));
      expect(job.signatures[0]?.public_key).toBe(vector("public_key"));
      expect(verifyJobSignatures(job)).toEqual({ valid: [vector("public_key")], invalid: [] });
    }
    // The signature covers the statement, never a job's own bytes.
    const [first] = signed as [Job];
    const { batch: _b, ...plain } = first.signatures[0] as Job["signatures"][0];
    expect(verifyJobSignatures({ ...first, signatures: [plain] }).valid).toEqual([]);
  });
});

describe("docs/protocol.md describes everything the code defines", () => {
  test("every Lua script has a row in the scripts tables", () => {
    const names: string[] = [];
    for (const file of [
      "src/protocol/scripts.ts",
      "src/protocol/retry-scripts.ts",
      "src/protocol/supervisor-store.ts",
      "src/protocol/schedule-lua.ts",
      "src/protocol/flow-lua.ts",
    ]) {
      const source = readFileSync(new URL(file, ROOT), "utf8");
      for (const m of source.matchAll(/const (\w+): ScriptDef/g)) names.push(m[1] as string);
    }
    expect(names.length).toBeGreaterThanOrEqual(14);
    for (const name of names) expect(doc, name).toContain(`\n| ${name} |`);
  });

  test("every key name has a row in the keys table", () => {
    const keys = new RedisKeys();
    const sup = new SupervisorKeys();
    const id = "<id>";
    const runner = "<runner_id>";
    const instance = "<instance>";
    const expected: Record<string, string> = {
      job: keys.job(id),
      result: keys.result(id),
      logs: keys.logs(id),
      reply: keys.reply(id),
      claim: keys.claim(id),
      done: keys.done(runner),
      queue: keys.queue(runner),
      active: keys.active(runner, instance),
      taking: keys.taking(runner, instance),
      sweepGuard: keys.sweepGuard(runner),
      instance: keys.instance(runner, instance),
      instances: keys.instances(runner),
      runnerIds: keys.runnerIds(),
      invalid: keys.invalid(runner),
      control: keys.control(runner),
      attempts: keys.attempts(id),
      events: keys.events(),
      jobs: keys.jobs(),
      counts: keys.counts(runner),
      queueAt: keys.queueAt(runner, 3).replace(":p3", ":p<priority>"),
      priorities: keys.priorities(runner),
      delayed: keys.delayed(runner),
      dead: keys.dead(runner),
      running: keys.running(runner),
      rate: keys.rate(runner),
      schedules: keys.schedules(),
      scheduleRuns: keys.scheduleRuns("<name>"),
      scheduleLast: keys.scheduleLast("<name>"),
      minter: keys.minter(runner),
      flow: keys.flow(id),
      flowNodes: keys.flowNodes(id),
      flows: keys.flows(),
      flowIndex: keys.flowIndex(),
      apiKeys: sup.apiKeys(),
      runners: sup.runners(),
      jobIndex: sup.jobIndex(),
    };
    // A key method added to the code must be added here, and so to the doc.
    const methods = (o: object) =>
      Object.getOwnPropertyNames(Object.getPrototypeOf(o)).filter(
        (n) => n !== "constructor" && n !== "none",
      );
    expect([...methods(keys), ...methods(sup)].sort()).toEqual(Object.keys(expected).sort());
    for (const [method, key] of Object.entries(expected))
      expect(doc, method).toContain(`\n| \`${key}\` |`);
  });

  test("every status and error kind is listed", () => {
    for (const status of ["created", "scheduled", "dispatched", "started", "finished", "error"])
      expect(doc).toContain(`\n| \`${status}\` |`);
    const types = readFileSync(new URL("src/job/types.ts", ROOT), "utf8");
    const kinds = /type ErrorKind =([^;]+);/.exec(types)?.[1] ?? "";
    const names = [...kinds.matchAll(/"(\w+)"/g)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const kind of names) expect(doc, kind).toContain(`\n| \`${kind}\` |`);
  });
});

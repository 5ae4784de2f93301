// Property tests for hostile input on the job layer: whatever arrives, validation answers
// with a job or an InvalidJobError; every generated job signs and verifies; any one-byte
// change breaks the signature.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  canonicalBytes,
  canonicalJson,
  generateKeyPair,
  InvalidJobError,
  type Job,
  jobSchema,
  parseJob,
  signBatch,
  signJob,
  verifyJobSignatures,
} from "../../src/job/index.js";
import { quickJob } from "../../src/job/quick-parse.js";

const RUNS = 200;
const key = generateKeyPair();

const jobArb: fc.Arbitrary<Job> = fc.record({
  id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/),
  caller_id: fc.string({ maxLength: 20 }),
  context_id: fc.string({ maxLength: 20 }),
  payload: fc.string({ unit: "binary", maxLength: 300 }),
  runner: fc.string({ minLength: 1, maxLength: 20 }),
  executor: fc.constantFrom("hero", "sal", "osiris", ""),
  timeout: fc.integer({ min: 1, max: 3600 }),
  // "__proto__" is refused by name (test/job/schema.test.ts), so it is left out here.
  env_vars: fc.dictionary(
    fc.string({ maxLength: 10 }).filter((k) => k !== "__proto__"),
    fc.string({ unit: "binary", maxLength: 30 }),
    { maxKeys: 5 },
  ),
  created_at: fc
    .date({ min: new Date(2000, 0, 1), max: new Date(2100, 0, 1), noInvalidDate: true })
    .map((d) => d.toISOString()),
  updated_at: fc.constant(new Date().toISOString()),
  signatures: fc.constant([]),
});

/** The same object with its keys (at every depth) in another order. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, seed));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length] as [string, unknown]);
  return Object.fromEntries(rotated.reverse().map(([k, v]) => [k, reorder(v, seed + 1)]));
}

describe("job fuzzing", () => {
  test("every generated job signs and verifies, and survives validation unchanged", () => {
    fc.assert(
      fc.property(jobArb, (job) => {
        const signed = signJob(job, key.private_key);
        expect(verifyJobSignatures(signed)).toEqual({ valid: [key.public_key], invalid: [] });
        expect(verifyJobSignatures(parseJob(JSON.parse(JSON.stringify(signed)))).valid).toEqual([
          key.public_key,
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  test("the canonical form does not depend on key order", () => {
    fc.assert(
      fc.property(jobArb, fc.nat(20), (job, seed) => {
        expect(canonicalJson(reorder(job, seed))).toBe(canonicalJson(job));
      }),
      { numRuns: RUNS },
    );
  });

  test("the canonical bytes of a job are those of the general form of its signed fields", () => {
    // canonicalBytes writes a plain job's form directly; the general form sorts any object.
    const withExtra = fc.option(fc.record({ extra: fc.string({ maxLength: 10 }) }), {
      nil: undefined,
    });
    fc.assert(
      fc.property(jobArb, withExtra, fc.boolean(), (j, extra, dropUpdated) => {
        const input: Record<string, unknown> = { ...j, ...extra };
        if (dropUpdated) input.updated_at = undefined;
        const { signatures: _s, updated_at: _u, ...signed } = input;
        const general = Buffer.from(canonicalJson(signed), "utf8");
        expect(Buffer.from(canonicalBytes(input as unknown as Job))).toEqual(general);
      }),
      { numRuns: RUNS },
    );
  });

  test("any one-character change of a signed field breaks the signature", () => {
    const fields = [
      "id",
      "caller_id",
      "context_id",
      "payload",
      "runner",
      "executor",
      "created_at",
    ] as const;
    fc.assert(
      fc.property(
        jobArb,
        fc.constantFrom(...fields),
        fc.nat(),
        fc.integer({ min: 1, max: 0xffff }),
        (job, field, at, code) => {
          const signed = signJob(job, key.private_key);
          const text = signed[field];
          const i = text.length === 0 ? 0 : at % text.length;
          const changed =
            text.slice(0, i) +
            String.fromCharCode(text.charCodeAt(i) ^ code || 1) +
            text.slice(i + 1);
          fc.pre(changed !== text);
          expect(verifyJobSignatures({ ...signed, [field]: changed }).valid).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("any one-byte change of the signature fails", () => {
    fc.assert(
      fc.property(jobArb, fc.nat(63), fc.integer({ min: 1, max: 255 }), (job, byte, mask) => {
        const signed = signJob(job, key.private_key);
        const sig = Buffer.from(signed.signatures[0]?.signature ?? "", "hex");
        sig[byte] = (sig[byte] ?? 0) ^ mask;
        const report = verifyJobSignatures({
          ...signed,
          signatures: [{ public_key: key.public_key, signature: sig.toString("hex") }],
        });
        expect(report.valid).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  test("the quick parse accepts only what the schema accepts, with the same job", () => {
    const fields = Object.keys(jobSchema.shape);
    const strange = fc.oneof(
      fc.anything(),
      fc.constantFrom(
        "",
        "x".repeat(129),
        "2024-13-45T00:00:00Z",
        "2024-01-01",
        0,
        -1,
        7 * 24 * 3600 + 1,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        null,
        [],
        { a: 1 },
        [{ public_key: "zz", signature: "00" }],
      ),
    );
    const mutated = fc
      .tuple(jobArb, fc.constantFrom(...fields), strange, fc.boolean())
      .map(([job, field, value, drop]) => {
        const out: Record<string, unknown> = { ...signJob(job, key.private_key) };
        if (drop) delete out[field];
        else out[field] = value;
        return out;
      });
    let quick = 0;
    fc.assert(
      fc.property(fc.oneof(jobArb, mutated), (input) => {
        const fast = quickJob(input as Record<string, unknown>);
        if (fast === undefined) return;
        quick += 1;
        const slow = jobSchema.safeParse(input);
        expect(slow.success).toBe(true);
        if (slow.success) {
          expect(fast).toEqual({
            ...slow.data,
            updated_at: slow.data.updated_at ?? slow.data.created_at,
          });
        }
      }),
      { numRuns: RUNS * 5 },
    );
    // Valid jobs do take the quick path (else this test proves nothing).
    expect(quick).toBeGreaterThan(RUNS);
    fc.assert(
      fc.property(jobArb, (job) => {
        expect(quickJob({ ...signJob(job, key.private_key) })).toBeDefined();
      }),
      { numRuns: RUNS },
    );
  });

  test("the quick parse of a batch proof accepts only what the schema accepts", () => {
    const hash = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
    const number = fc.oneof(
      fc.integer({ min: -2, max: 40 }),
      fc.constantFrom(0.5, -0, 2 ** 32 - 1, 2 ** 32, Number.NaN, "1"),
    );
    const proof = fc.oneof(
      fc.record({ index: number, size: number, path: fc.array(hash, { maxLength: 34 }) }),
      fc.record({
        index: number,
        size: number,
        path: fc.oneof(
          fc.array(fc.oneof(hash, fc.string({ maxLength: 66 }), fc.anything()), { maxLength: 3 }),
          fc.anything(),
        ),
        extra: fc.option(fc.anything(), { nil: undefined }),
      }),
      fc.anything(),
    );
    // Valid batch-signed jobs, and the same with their first proof replaced by anything.
    const batched = fc
      .tuple(fc.array(jobArb, { minLength: 1, maxLength: 4 }), fc.nat())
      .map(([list, pick]) => {
        const unique = list.map((j, i) => ({ ...j, id: `${j.id}-${i}` }));
        return JSON.parse(JSON.stringify(signBatch(unique, key.private_key)[pick % unique.length]));
      });
    const mutated = fc.tuple(batched, proof).map(([job, batch]) => {
      job.signatures[0].batch = batch;
      return job;
    });
    let quick = 0;
    fc.assert(
      fc.property(fc.oneof(batched, mutated), (input) => {
        const fast = quickJob(input);
        if (fast === undefined) return;
        quick += 1;
        const slow = jobSchema.safeParse(input);
        expect(slow.success).toBe(true);
        if (slow.success)
          expect(fast).toEqual({
            ...slow.data,
            updated_at: slow.data.updated_at ?? slow.data.created_at,
          });
      }),
      { numRuns: RUNS * 5 },
    );
    expect(quick).toBeGreaterThan(RUNS);
    // Every job of a real batch takes the quick path, and verifies after it.
    fc.assert(
      fc.property(batched, (input) => {
        const fast = quickJob(input);
        expect(fast).toBeDefined();
        expect(verifyJobSignatures(fast as Job).valid).toEqual([key.public_key]);
      }),
      { numRuns: RUNS },
    );
  });

  test("arbitrary JSON gives a job or an InvalidJobError, never anything else", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          jobArb.map((j) => ({ ...j, timeout: "x" })),
          fc.anything(),
        ),
        (input) => {
          try {
            parseJob(input);
          } catch (e) {
            expect(e).toBeInstanceOf(InvalidJobError);
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

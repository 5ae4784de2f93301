// runner_osiris as real processes over the real Redis: notes saved by one process are found
// by another, indexes follow updates and deletes, contexts are apart, rights hold.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type KeyPair, signJob } from "../../src/job/index.js";
import type { JobRecord } from "../../src/protocol/index.js";
import { distBin, type Proc, startRunner } from "../helpers/processes.js";
import { REDIS_URL, testRedis } from "../helpers/redis.js";
import { fixture, outputOf, type RunnerWorld, runnerWorld } from "./helpers.js";

const reader = generateKeyPair();
const stranger = generateKeyPair();
let redis: Redis;
let first: RunnerWorld;
let second: Proc;
let secondClient: HorusClient;

beforeAll(async () => {
  redis = testRedis();
  first = await runnerWorld("runner_osiris", redis, {
    trusted: [reader, stranger],
    args: ["--concurrency", "4"],
    runnerId: "osiris-a",
  });
  second = await startRunner({
    script: distBin("runner_osiris"),
    runnerId: "osiris-b",
    namespace: first.ns,
    trustedKeys: [first.keys.public_key, reader.public_key, stranger.public_key],
    redisUrl: REDIS_URL,
  });
  secondClient = new HorusClient({ redisUrl: REDIS_URL, namespace: first.ns });
});

afterAll(async () => {
  await second.stop("SIGKILL");
  await secondClient.close();
  await first.close();
  await redis.quit();
});

/** Runs a fixture on runner A (or B), in a context, signed by `signer` (default: owner). */
function run(
  name: string,
  context: string,
  opts: { signer?: KeyPair; on?: "a" | "b"; env?: Record<string, string> } = {},
): Promise<JobRecord> {
  const signer = opts.signer ?? first.keys;
  const runner = opts.on === "b" ? "osiris-b" : "osiris-a";
  const job = signJob(
    {
      ...createJob({ payload: fixture("osiris", name), runner, timeout: 60 }),
      context_id: context,
      env_vars: opts.env ?? {},
    },
    signer.private_key,
  );
  return (opts.on === "b" ? secondClient : first.client).run(job);
}

const freshContext = () => `ctx-${randomUUID().slice(0, 8)}`;

describe("runner_osiris", () => {
  test("a note saved by one process is found by another: by id, title, tag and words", async () => {
    const ctx = freshContext();
    expect(outputOf(await run("save-note.rhai", ctx))).toBe("n1");
    expect(outputOf(await run("find-note.rhai", ctx, { on: "b" }))).toBe(
      "Groceries|by_title=n1|by_tag=n1|search=n1",
    );
  });

  test("renaming moves the note in the title index", async () => {
    const ctx = freshContext();
    await run("save-note.rhai", ctx);
    expect(outputOf(await run("rename-note.rhai", ctx, { on: "b" }))).toBe(
      "old=0 new=1 created_kept=true",
    );
  });

  test("delete removes the note from every index", async () => {
    const ctx = freshContext();
    await run("save-note.rhai", ctx);
    expect(outputOf(await run("delete-note.rhai", ctx))).toBe(
      "deleted=true get=() title=0 tag=0 search=0 count=0",
    );
  });

  test("two contexts hold the same id without collision", async () => {
    const [c1, c2] = [freshContext(), freshContext()];
    expect(outputOf(await run("same-id.rhai", c1))).toBe(c1);
    expect(outputOf(await run("same-id.rhai", c2, { on: "b" }))).toBe(c2);
    expect(outputOf(await run("same-id.rhai", c1))).toBe(c1);
  });

  test("a reader can read but not write; a stranger cannot read", async () => {
    const ctx = freshContext();
    await run("save-note.rhai", ctx);
    expect(
      outputOf(await run("grant-reader.rhai", ctx, { env: { READER_KEY: reader.public_key } })),
    ).toBe("readers=1");
    expect(outputOf(await run("reader-reads.rhai", ctx, { signer: reader, on: "b" }))).toBe(
      "Groceries",
    );

    const write = await run("write-note.rhai", ctx, { signer: reader });
    expect(write).toMatchObject({ status: "error", error_kind: "unauthorized" });
    expect(write.error).toContain(reader.public_key.slice(0, 16));
    expect(write.error).toContain("write");

    const read = await run("reader-reads.rhai", ctx, { signer: stranger });
    expect(read).toMatchObject({ status: "error", error_kind: "unauthorized" });
    expect(read.error).toContain(stranger.public_key.slice(0, 16));
    expect(read.error).toContain("read");
  });

  test("1,000 notes saved by 4 concurrent jobs are all found: count and query agree", async () => {
    const ctx = freshContext();
    await run("save-note.rhai", ctx); // the owner claims the context first
    const batches = await Promise.all(
      ["0", "1", "2", "3"].map((b, i) =>
        run("bulk-save.rhai", ctx, { env: { BATCH: b }, on: i % 2 === 0 ? "a" : "b" }),
      ),
    );
    expect(batches.map(outputOf)).toEqual(["250", "250", "250", "250"]);
    expect(outputOf(await run("bulk-count.rhai", ctx))).toBe("count=1000 query=1000 list=1000");
  });
});

// The .rhai fixtures (the scripts the runner_osiris integration tests will submit) run on
// the real Rhai engine in the real sandbox, over real Redis: each gives the output its
// header promises. Uses the sandbox's worker entry when it is built, else a small entry of
// our own on the engine (fixtures/rhai-worker.mjs); skipped while neither can run.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { osirisModuleUrl } from "../../src/osiris/index.js";
import type { Sandbox, ScriptJob } from "../../src/sandbox/index.js";
import { connect, publicKey, REDIS_URL, removeNamespace, uniqueNamespace } from "./helpers.js";

const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url);
const officialWorker = dist("sandbox/worker.js");
const workerUrl = existsSync(officialWorker)
  ? officialWorker
  : existsSync(dist("rhai/engine.js"))
    ? new URL("./fixtures/rhai-worker.mjs", import.meta.url)
    : undefined;

const ns = uniqueNamespace();
const owner = publicKey();
const reader = publicKey();
const stranger = publicKey();
let sandbox: Sandbox;

function job(fixture: string, signatories: string[], contextId: string, envVars = {}): ScriptJob {
  const source = readFileSync(new URL(`./fixtures/${fixture}`, import.meta.url), "utf8");
  return { source, jobId: randomUUID(), callerId: "tester", contextId, signatories, envVars };
}

async function failure(p: Promise<unknown>): Promise<Error & { errorKind?: string }> {
  try {
    throw new Error(`expected a failure, got ${JSON.stringify(await p)}`);
  } catch (e) {
    return e as Error & { errorKind?: string };
  }
}

describe.skipIf(workerUrl === undefined)("the .rhai fixtures on the Rhai engine", () => {
  beforeAll(async () => {
    // The main thread uses the build too, so values decoded from the bridge are instances of
    // the classes the module (loaded from dist/) knows.
    const { createSandbox } = (await import(
      dist("sandbox/index.js").href
    )) as typeof import("../../src/sandbox/index.js");
    sandbox = await createSandbox({
      size: 4,
      ...(workerUrl ? { workerUrl } : {}),
      modules: [{ url: osirisModuleUrl(), options: { dataUrl: REDIS_URL, namespace: ns } }],
    });
  });
  afterAll(async () => {
    await sandbox?.close();
    const redis = connect();
    await removeNamespace(redis, ns);
    await redis.quit();
  });

  test("save, find, share with a reader, refuse the reader's write and a stranger's read", async () => {
    const ctx = `c-${randomUUID()}`;
    expect(await sandbox.run(job("save-note.rhai", [owner], ctx))).toBe("n1");
    expect(await sandbox.run(job("find-note.rhai", [owner], ctx))).toBe(
      "Groceries|by_title=n1|by_tag=n1|search=n1",
    );
    expect(await sandbox.run(job("grant-reader.rhai", [owner], ctx, { READER_KEY: reader }))).toBe(
      "readers=1",
    );
    expect(await sandbox.run(job("reader-reads.rhai", [reader], ctx))).toBe("Groceries");
    const write = await failure(sandbox.run(job("write-note.rhai", [reader], ctx)));
    expect(write.errorKind).toBe("unauthorized");
    expect(write.message).toContain(`key ${reader} lacks the write right on context '${ctx}'`);
    const read = await failure(sandbox.run(job("reader-reads.rhai", [stranger], ctx)));
    expect(read.errorKind).toBe("unauthorized");
    expect(read.message).toContain(`key ${stranger} lacks the read right on context '${ctx}'`);
  });

  test("rename moves the note in the index; delete empties every index", async () => {
    const ctx = `c-${randomUUID()}`;
    await sandbox.run(job("save-note.rhai", [owner], ctx));
    expect(await sandbox.run(job("rename-note.rhai", [owner], ctx))).toBe(
      "old=0 new=1 created_kept=true",
    );
    expect(await sandbox.run(job("delete-note.rhai", [owner], ctx))).toBe(
      "deleted=true get=() title=0 tag=0 search=0 count=0",
    );
  });

  test("two contexts hold the same id apart", async () => {
    const a = `c-${randomUUID()}`;
    const b = `c-${randomUUID()}`;
    expect(await sandbox.run(job("same-id.rhai", [owner], a))).toBe(a);
    expect(await sandbox.run(job("same-id.rhai", [stranger], b))).toBe(b);
  });

  test("4 concurrent jobs save 1,000 notes; count, query and list agree", async () => {
    const ctx = `c-${randomUUID()}`;
    const outputs = await Promise.all(
      [0, 1, 2, 3].map((b) =>
        sandbox.run(job("bulk-save.rhai", [owner], ctx, { BATCH: String(b) })),
      ),
    );
    expect(outputs).toEqual(["250", "250", "250", "250"]);
    expect(await sandbox.run(job("bulk-count.rhai", [owner], ctx))).toBe(
      "count=1000 query=1000 list=1000",
    );
  });

  test("the example scripts in docs/osiris.md run and end as described", async () => {
    const page = readFileSync(new URL("../../docs/osiris.md", import.meta.url), "utf8");
    // Examples marked `<!-- example: ... -->` are run by the test the marker names.
    const examples = [...page.matchAll(/(<!-- example: [^>]*-->\n)?```rhai\n([\s\S]*?)```/g)]
      .filter((m) => m[1] === undefined)
      .map((m) => m[2] as string);
    expect(examples).toHaveLength(2);
    const run = (source: string) =>
      sandbox.run({
        source,
        jobId: randomUUID(),
        callerId: "tester",
        contextId: `c-${randomUUID()}`,
        signatories: [owner],
        envVars: {},
      });
    // The first ends with ctx.delete(..) of the note it saved; the second with the query.
    expect(await run(examples[0] as string)).toBe("true");
    const found = await run(examples[1] as string);
    expect(found).toMatch(/^\[#\{.*"color": "red".*"name": "chair".*\}\]$/);
  });

  test("the demo script", async () => {
    expect(await sandbox.run(job("demo.rhai", [owner], `c-${randomUUID()}`))).toBe(
      "found: Buy milk",
    );
  });
});

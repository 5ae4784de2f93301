// The Osiris module through the real sandbox: worker threads, the shared-memory bridge, the
// codec and the main-side host, over real Redis. The scripts are JavaScript run by a
// stand-in worker entry (fixtures/js-worker.mjs) until the Rhai engine's entry exists; the
// .rhai fixtures are for the runner_osiris integration tests.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { osirisModuleUrl } from "../../src/osiris/index.js";
import type { Sandbox, ScriptJob } from "../../src/sandbox/index.js";
import { connect, publicKey, REDIS_URL, removeNamespace, uniqueNamespace } from "./helpers.js";

const MODULE_URL = osirisModuleUrl();
const WORKER_URL = new URL("./fixtures/js-worker.mjs", import.meta.url);
// The main thread must use the same build as the module it loads from dist/: the codec's
// classes (Float...) have to be the ones the module's `instanceof` checks know.
const { createSandbox } = (await import(
  new URL("../../dist/sandbox/index.js", import.meta.url).href
)) as typeof import("../../src/sandbox/index.js");

let sandbox: Sandbox;
let redis: Redis;
const ns = uniqueNamespace();
const owner = publicKey();
const reader = publicKey();
const stranger = publicKey();

function job(source: string, signatories: string[], contextId: string, envVars = {}): ScriptJob {
  return { source, jobId: randomUUID(), callerId: "tester", contextId, signatories, envVars };
}

async function failure(p: Promise<unknown>): Promise<Error & { errorKind?: string }> {
  try {
    throw new Error(`expected a failure, got ${JSON.stringify(await p)}`);
  } catch (e) {
    return e as Error & { errorKind?: string };
  }
}

beforeAll(async () => {
  redis = connect();
  sandbox = await createSandbox({
    size: 4,
    workerUrl: WORKER_URL,
    modules: [{ url: MODULE_URL, options: { dataUrl: REDIS_URL, namespace: ns } }],
  });
});
afterAll(async () => {
  await sandbox?.close();
  await removeNamespace(redis, ns);
  await redis.quit();
});

const SAVE = `
  const ctx = H.get_context();
  let n = H.note("notes");
  n = H.id(n, "n1");
  n = H.title(n, "Groceries");
  n = H.content(n, "milk, eggs and bread");
  n = H.tag(n, "topic", "home");
  return H.save(ctx, n);
`;

describe("Osiris through the sandbox", () => {
  test("one job saves a note, another finds it by id, title, tag and words", async () => {
    const ctx = `c-${randomUUID()}`;
    expect(await sandbox.run(job(SAVE, [owner], ctx))).toBe("n1");
    const find = `
      const ctx = H.get_context();
      const n = H.get(ctx, "notes", "n1");
      const ids = (xs) => xs.map((x) => x.get("id")).join(",");
      return [n.get("title"), ids(H.query(ctx, "notes", "title", "Groceries")),
        ids(H.query(ctx, "notes", "tags:topic", "home")), ids(H.search(ctx, "notes", "EGGS bread")),
        typeName(H.get(ctx, "notes", "nope"))].join("|");
    `;
    expect(await sandbox.run(job(find, [owner], ctx))).toBe("Groceries|n1|n1|n1|()");
  });

  test("a reader cannot write and a stranger cannot read: unauthorized through the bridge", async () => {
    const ctx = `c-${randomUUID()}`;
    await sandbox.run(job(SAVE, [owner], ctx));
    await sandbox.run(
      job(`H.grant(H.get_context(), "reader", ENV.get("KEY")); return "ok";`, [owner], ctx, {
        KEY: reader,
      }),
    );
    expect(
      await sandbox.run(
        job(`return H.get(H.get_context(), "notes", "n1").get("title");`, [reader], ctx),
      ),
    ).toBe("Groceries");
    const write = await failure(sandbox.run(job(SAVE, [reader], ctx)));
    expect(write.errorKind).toBe("unauthorized");
    expect(write.message).toContain(`key ${reader} lacks the write right on context '${ctx}'`);
    const read = await failure(
      sandbox.run(job(`return H.count(H.get_context(), "notes");`, [stranger], ctx)),
    );
    expect(read.errorKind).toBe("unauthorized");
    expect(read.message).toContain(`key ${stranger} lacks the read right`);
  });

  test("exact numbers survive the bridge and the store", async () => {
    const ctx = `c-${randomUUID()}`;
    const script = `
      const ctx = H.get_context();
      let o = H.object("things");
      o = H.set(o, "big", 1152921504606846977n);
      o = H.set(o, "price", new Float(2));
      o = H.set(o, "count", 12);
      o = H.index(o, "count");
      const id = H.save(ctx, o);
      const back = H.query(ctx, "things", "count", 12)[0];
      return [back.get("id") === id, back.get("big"), typeName(back.get("price")), typeName(back.get("count"))].join("|");
    `;
    expect(await sandbox.run(job(script, [owner], ctx))).toBe("true|1152921504606846977|f64|i64");
  });

  test("1,000 notes saved by 4 concurrent jobs: count, list and query agree", async () => {
    const ctx = `c-${randomUUID()}`;
    const bulk = `
      const ctx = H.get_context();
      for (let i = 0; i < 250; i++) {
        let n = H.note("bulk");
        n = H.title(n, "batch " + ENV.get("BATCH") + " note " + i);
        n = H.tag(n, "run", "bulk");
        H.save(ctx, n);
      }
      return "250";
    `;
    const outputs = await Promise.all(
      [0, 1, 2, 3].map((b) => sandbox.run(job(bulk, [owner], ctx, { BATCH: String(b) }))),
    );
    expect(outputs).toEqual(["250", "250", "250", "250"]);
    const count = `
      const ctx = H.get_context();
      return [H.count(ctx, "bulk"), H.query(ctx, "bulk", "tags:run", "bulk").length, H.list(ctx, "bulk").length].join(" ");
    `;
    expect(await sandbox.run(job(count, [owner], ctx))).toBe("1000 1000 1000");
  });
});

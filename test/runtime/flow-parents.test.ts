// What a flow node's runner takes from Redis as its parents' results (parentResults): only
// finished parents' outputs, a signed result only if it verifies, and with --result-keys
// only results signed by those keys. Each case changes one thing of an accepted parent.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  type Flow,
  generateKeyPair,
  nodeJobId,
  type ResultStatement,
  signFlow,
  signResult,
} from "../../src/job/index.js";
import { RedisKeys } from "../../src/protocol/index.js";
import { parentResults } from "../../src/runtime/flow-parents.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";

const ns = uniqueNamespace("parents");
const keys = new RedisKeys(ns);
const runnerKey = generateKeyPair();
const forger = generateKeyPair();
let redis: Redis;

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await dropNamespace(redis, ns);
  await redis.quit();
});

let n = 0;
function flow(): Flow {
  n += 1;
  return signFlow(
    {
      id: `p${n}`,
      caller_id: "",
      context_id: "",
      failure_policy: "fail_fast",
      created_at: new Date().toISOString(),
      nodes: [
        { id: "a", runner: "r", payload: "1", depends_on: [] },
        { id: "b", runner: "r", payload: "2", depends_on: ["a"] },
      ],
      signatures: [],
    },
    generateKeyPair().private_key,
  );
}

/** Writes parent a's end as a runner would, signed by `signer` unless null. */
async function endParent(
  f: Flow,
  output: string,
  signer: string | null = runnerKey.private_key,
  status: "finished" | "started" = "finished",
): Promise<string> {
  const id = nodeJobId(f.id, "a");
  const finished_at = new Date().toISOString();
  const statement: ResultStatement = {
    job_id: id,
    status: "finished",
    result: { success: output },
    finished_at,
    runner_instance: "i1",
  };
  await redis.hset(keys.job(id), {
    status,
    finished_at,
    runner_instance: "i1",
    ...(signer === null
      ? {}
      : {
          result_signature: signResult(statement, signer),
          result_signer:
            signer === runnerKey.private_key ? runnerKey.public_key : forger.public_key,
        }),
  });
  await redis.set(keys.result(id), JSON.stringify({ success: output }));
  return id;
}

const nodeB = (f: Flow) => f.nodes[1] as Flow["nodes"][number];

test("a finished parent's output is taken; signed, its signature must verify", async () => {
  const f = flow();
  await endParent(f, "42");
  expect(await parentResults(redis, keys, f, nodeB(f))).toEqual({ ok: true, results: { a: "42" } });
  // The output edited after signing.
  await redis.set(keys.result(nodeJobId(f.id, "a")), JSON.stringify({ success: "666" }));
  expect(await parentResults(redis, keys, f, nodeB(f))).toMatchObject({
    ok: false,
    kind: "unauthorized",
    message: expect.stringContaining("altered or forged"),
  });
});

test("a parent not finished is refused", async () => {
  const f = flow();
  await endParent(f, "42", runnerKey.private_key, "started");
  expect(await parentResults(redis, keys, f, nodeB(f))).toMatchObject({
    ok: false,
    message: expect.stringContaining("has not finished"),
  });
});

test("with --result-keys, an unsigned result or one signed by another key is refused", async () => {
  const trusted = new Set([runnerKey.public_key]);
  const f = flow();
  await endParent(f, "42");
  expect(await parentResults(redis, keys, f, nodeB(f), trusted)).toMatchObject({ ok: true });
  const unsigned = flow();
  await endParent(unsigned, "42", null);
  expect(await parentResults(redis, keys, unsigned, nodeB(unsigned))).toMatchObject({ ok: true });
  expect(await parentResults(redis, keys, unsigned, nodeB(unsigned), trusted)).toMatchObject({
    ok: false,
    message: expect.stringContaining("no runner signature"),
  });
  const forged = flow();
  await endParent(forged, "666", forger.private_key);
  expect(await parentResults(redis, keys, forged, nodeB(forged))).toMatchObject({ ok: true });
  expect(await parentResults(redis, keys, forged, nodeB(forged), trusted)).toMatchObject({
    ok: false,
    message: expect.stringContaining("not among the trusted runner keys"),
  });
});

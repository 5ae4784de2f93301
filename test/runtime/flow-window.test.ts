// Flows against a real runner process and Redis (issue #26), for what came after the core:
// the window a flow's nodes run in (--max-job-age from created_at, or the signed expires_at
// within --max-flow-age), the claim a node's attempt keeps to the window's end, a flow node
// among the dead letters (not signed again), and `horus flow` refusing nodes for runner ids
// nobody serves before it signs anything.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { type Flow, type FlowNode, generateKeyPair, signFlow } from "../../src/job/index.js";
import { RedisKeys, SupervisorStore } from "../../src/protocol/index.js";
import { distBin, type Proc, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const key = generateKeyPair();
const ns = uniqueNamespace("flowwin");
const keys = new RedisKeys(ns);
const MAX_JOB_AGE_S = 5;
const MAX_FLOW_AGE_S = 600;
let redis: Redis;
let client: HorusClient;
let runner: Proc;
let counter = 0;

beforeAll(async () => {
  redis = testRedis();
  client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  runner = await startRunner({
    script: distBin("runner_sal"),
    runnerId: "sal",
    namespace: ns,
    trustedKeys: [key.public_key],
    redisUrl: REDIS_URL,
    args: [
      "--max-job-age",
      String(MAX_JOB_AGE_S),
      "--max-flow-age",
      String(MAX_FLOW_AGE_S),
      "--concurrency",
      "2",
    ],
  });
}, 60_000);

afterAll(async () => {
  await runner?.stop("SIGKILL");
  await client.close();
  await dropNamespace(redis, ns);
  await redis.quit();
});

const node = (id: string, payload: string, deps: string[] = []): FlowNode => ({
  id,
  runner: "sal",
  payload,
  depends_on: deps,
  timeout: 20,
});

/** A flow signed as if `ageS` seconds ago, with expires_at `spanS` after that if given. */
function flowOf(nodes: FlowNode[], ageS: number, spanS?: number): Flow {
  counter += 1;
  const created = Date.now() - ageS * 1000;
  return signFlow(
    {
      id: `w${counter}-${Date.now()}`,
      caller_id: "",
      context_id: "",
      failure_policy: "fail_fast",
      created_at: new Date(created).toISOString(),
      ...(spanS === undefined
        ? {}
        : { expires_at: new Date(created + spanS * 1000).toISOString() }),
      nodes,
      signatures: [],
    },
    key.private_key,
  );
}

const global = ["--redis-url", REDIS_URL, "--namespace", ns];
const horus = (args: string[]) =>
  runToEnd(process.execPath, [distBin("horus"), ...global, ...args], {
    env: { HORUS_SIGNING_KEY: key.private_key },
  });

describe("the window of a flow's nodes", () => {
  test("signed longer ago than --max-job-age and no expires_at: refused, saying expires_at", async () => {
    const flow = flowOf([node("a", '"a"'), node("b", '"b"', ["a"])], 2 * MAX_JOB_AGE_S);
    await client.submitFlow(flow);
    const record = await client.waitFlow(flow.id, 30);
    expect(record.status).toBe("error");
    const a = record.nodes[0]?.job;
    expect(a?.error_kind).toBe("invalid_job");
    expect(a?.error).toMatch(/too old.*--max-job-age.*expires_at/);
  });

  test("with expires_at, nodes run past --max-job-age; each attempt's claim lasts to the window's end", async () => {
    const span = MAX_FLOW_AGE_S - 100;
    const flow = flowOf(
      [node("a", '"a"'), node("b", 'PARENTS["a"] + "b"', ["a"])],
      2 * MAX_JOB_AGE_S,
      span,
    );
    await client.submitFlow(flow);
    const record = await client.waitFlow(flow.id, 30);
    expect(record.status, JSON.stringify(record)).toBe("finished");
    expect(record.expires_at).toBe(flow.expires_at);
    expect(record.nodes[1]?.job?.result).toEqual({ success: "ab" });
    // The runner's own claim lifetime is --max-job-age + skew + 60 s + timeout (145 s here):
    // the flow's window outlasts it, so the claim was kept to the window's end.
    const claim = keys.claim(`flow:${flow.id}:b`);
    const left = await redis.pttl(claim);
    expect(left).toBeGreaterThan(Date.parse(flow.expires_at as string) - Date.now());
    expect(left).toBeGreaterThan(300_000);

    // A Redis writer re-queuing the finished node: its attempt was claimed, refused.
    const id = `flow:${flow.id}:b`;
    await redis.hset(keys.job(id), { status: "dispatched", attempts: "0" });
    await redis.lpush(keys.queue("sal"), id);
    const ended = await until(async () => {
      const h = await redis.hgetall(keys.job(id));
      return h.status === "error" ? h : undefined;
    });
    expect(ended.error_kind).toBe("unauthorized");
  });

  test("an expires_at beyond --max-flow-age is refused whole; past expires_at, refused", async () => {
    const over = flowOf([node("a", '"a"')], 0, MAX_FLOW_AGE_S + 1);
    await client.submitFlow(over);
    const refused = await client.waitFlow(over.id, 30);
    expect(refused.nodes[0]?.job?.error).toContain(
      `more than the limit of ${MAX_FLOW_AGE_S} s (--max-flow-age)`,
    );
    const expired = flowOf([node("a", '"a"')], 20, 10);
    await client.submitFlow(expired);
    const late = await client.waitFlow(expired.id, 30);
    expect(late.nodes[0]?.job?.error).toMatch(/^flow has expired/);
  });
});

test("a node's retry must fall due inside its flow's window, or the node ends at once", async () => {
  // The window ends 20 s after created_at (plus the 60 s skew); a 100 s backoff falls after.
  const late: FlowNode = {
    ...node("flaky", 'throw "down"'),
    max_attempts: 2,
    backoff: { type: "fixed", delay_ms: 100_000 },
  };
  const flow = flowOf([late], 0, 20);
  await client.submitFlow(flow);
  const record = await client.waitFlow(flow.id, 30);
  const job = record.nodes[0]?.job;
  expect(job?.status).toBe("error");
  expect(job?.attempts).toBe(1);
  expect(job?.error).toContain(
    "(attempt 1 of 2; no more: the next would fall due after the job's window (its flow's, docs/flows.md))",
  );
});

test("a failed node among the dead letters: horus dead retry refuses, pointing to the flow", async () => {
  const flow = flowOf([node("bad", 'throw "boom"'), node("after", '"x"', ["bad"])], 0);
  await client.submitFlow(flow);
  const record = await client.waitFlow(flow.id, 30);
  expect(record.status).toBe("error");
  const id = `flow:${flow.id}:bad`;
  expect(await redis.zscore(keys.dead("sal"), id)).not.toBeNull();
  const retried = await horus(["dead", "retry", id]);
  expect(retried.code).toBe(1);
  expect(retried.stderr).toContain(`is node "bad" of flow "${flow.id}"`);
  expect(retried.stderr).toContain("horus flow run FILE");
  // Still a dead letter, and nothing new was queued.
  expect(await redis.zscore(keys.dead("sal"), id)).not.toBeNull();
  expect(await redis.llen(keys.queue("sal"))).toBe(0);
});

describe("horus flow and runner ids nobody serves", () => {
  const dir = mkdtempSync(join(tmpdir(), "horus-flow-check-"));
  const file = (id: string, runner: string) => {
    const path = join(dir, `${id}.yaml`);
    writeFileSync(
      path,
      [
        `id: ${id}`,
        "nodes:",
        "  - {id: one, runner: sal, payload: '1'}",
        `  - {id: two, runner: ${runner}, payload: '2', depends_on: [one]}`,
        `  - {id: three, runner: ${runner}, payload: '3', depends_on: [one]}`,
        "",
      ].join("\n"),
    );
    return path;
  };

  test("refused before signing, naming the nodes and the runner id; --no-runner-check goes on", async () => {
    const refused = await horus(["flow", "submit", file("chk1", "ghost")]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'flow chk1: nodes "two", "three" for runner "ghost": no live instance serves that runner id and none is registered; start the runners first, or pass --no-runner-check',
    );
    expect(await redis.exists(keys.flow("chk1"))).toBe(0);

    const forced = await horus(["flow", "submit", "--no-runner-check", file("chk2", "ghost")]);
    expect(forced.stderr).toBe("");
    expect(forced.stdout).toBe("chk2\n");
    // Waits for its runner: "one" finished, then "two" and "three" wait in ghost's queue.
    await until(async () => (await redis.llen(keys.queue("ghost"))) === 2);
    await client.cancelFlow("chk2");
  });

  test("a runner id registered with a supervisor counts as known", async () => {
    await new SupervisorStore(client.store).registerRunner({
      name: "later",
      queue: "later",
      registered_at: new Date().toISOString(),
    });
    const ok = await horus(["flow", "submit", file("chk3", "later")]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    await client.cancelFlow("chk3");
  });

  test("--expires-in signs an expires_at that long after created_at", async () => {
    const ok = await horus(["flow", "submit", "--expires-in", "10m", file("chk4", "sal")]);
    expect(ok.code, ok.stderr).toBe(0);
    const stored = JSON.parse((await redis.hget(keys.flow("chk4"), "flow")) ?? "{}") as Flow;
    expect(Date.parse(stored.expires_at ?? "") - Date.parse(stored.created_at)).toBe(600_000);
    expect((await client.waitFlow("chk4", 30)).status).toBe("finished");
    const bad = await horus(["flow", "submit", "--expires-in", "soon", file("chk5", "sal")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--expires-in: expected a duration");
  });
});

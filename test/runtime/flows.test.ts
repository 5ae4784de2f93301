// Flows against real runner processes and the real Redis (issue #26): a diamond across
// runner_sal, runner_osiris and herorunner, the two failure policies, and a Redis writer's
// attempts to make a runner run what the flow's signer did not authorise.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import {
  type Flow,
  type FlowNode,
  generateKeyPair,
  jobToHash,
  nodeFields,
  nodeJob,
  signFlow,
} from "../../src/job/index.js";
import { type FlowRecord, FlowStore, RedisKeys } from "../../src/protocol/index.js";
import { distBin, type Proc, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

const key = generateKeyPair();
const ns = uniqueNamespace("flows");
const keys = new RedisKeys(ns);
let redis: Redis;
let client: HorusClient;
const runners: Proc[] = [];
let counter = 0;

beforeAll(async () => {
  redis = testRedis();
  client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  const spec = (bin: string, runnerId: string) =>
    startRunner({
      script: distBin(bin),
      runnerId,
      namespace: ns,
      trustedKeys: [key.public_key],
      redisUrl: REDIS_URL,
      args: ["--concurrency", "2"],
    });
  runners.push(
    ...(await Promise.all([
      spec("runner_sal", "sal"),
      spec("runner_osiris", "osiris"),
      spec("herorunner", "hero"),
    ])),
  );
}, 60_000);

afterAll(async () => {
  for (const r of runners) await r.stop("SIGKILL");
  await client.close();
  await dropNamespace(redis, ns);
  await redis.quit();
});

function flowOf(nodes: FlowNode[], policy: Flow["failure_policy"] = "fail_fast"): Flow {
  counter += 1;
  return signFlow(
    {
      id: `f${counter}-${Date.now()}`,
      caller_id: "tests",
      context_id: "flows",
      failure_policy: policy,
      created_at: new Date().toISOString(),
      nodes,
      signatures: [],
    },
    key.private_key,
  );
}

const node = (id: string, runner: string, payload: string, deps: string[] = []): FlowNode => ({
  id,
  runner,
  payload,
  depends_on: deps,
  timeout: 20,
  ...(runner === "hero" ? { executor: "hero" } : {}),
});

function nodeOf(record: FlowRecord, id: string) {
  const n = record.nodes.find((x) => x.id === id);
  if (n === undefined) throw new Error(`no node ${id}`);
  return n;
}

const ms = (t: string | undefined) => Date.parse(t ?? "");

test("a diamond across runner_sal, runner_osiris and herorunner: B and C in parallel, D sees both", async () => {
  const flow = flowOf([
    node("a", "sal", '"a"'),
    node("b", "osiris", 'sleep(1.0); PARENTS["a"] + "+b"', ["a"]),
    node("c", "hero", "!!process.run cmd:'sleep 1'\n!!play.echo content:'{parents.a}+c'", ["a"]),
    node("d", "sal", 'let c = PARENTS["c"]; c.trim(); PARENTS["b"] + "|" + c', ["b", "c"]),
  ]);
  await client.submitFlow(flow);
  const record = await client.waitFlow(flow.id, 60);
  expect(record.status, JSON.stringify(record, null, 1)).toBe("finished");
  const [b, c, d] = ["b", "c", "d"].map((id) => nodeOf(record, id).job);
  expect(d?.result).toEqual({ success: "a+b|a+c" });
  // B and C overlapped: each started before the other finished.
  expect(ms(b?.started_at)).toBeLessThan(ms(c?.finished_at));
  expect(ms(c?.started_at)).toBeLessThan(ms(b?.finished_at));
  expect(record.nodes.map((n) => n.state)).toEqual([
    "finished",
    "finished",
    "finished",
    "finished",
  ]);
});

describe("failure policies", () => {
  const nodes = () => [
    node("bad", "sal", 'throw "boom"'),
    node("child", "sal", '"child"', ["bad"]),
    node("slow", "sal", 'sleep(1.0); "slow"'),
    node("after", "sal", '"after"', ["slow"]),
  ];

  test("fail_fast: a failing node cancels the nodes not yet queued", async () => {
    const flow = flowOf(nodes(), "fail_fast");
    await client.submitFlow(flow);
    const record = await client.waitFlow(flow.id, 60);
    expect(record.status).toBe("error");
    const states = Object.fromEntries(record.nodes.map((n) => [n.id, n.state]));
    expect(states).toEqual({
      bad: "error",
      child: "cancelled",
      slow: "finished",
      after: "cancelled",
    });
    expect(await redis.exists(keys.job(`flow:${flow.id}:after`))).toBe(0);
  });

  test("continue: the independent branch finishes, the failed one's children are cancelled", async () => {
    const flow = flowOf(nodes(), "continue");
    await client.submitFlow(flow);
    const record = await client.waitFlow(flow.id, 60);
    expect(record.status).toBe("error");
    const states = Object.fromEntries(record.nodes.map((n) => [n.id, n.state]));
    expect(states).toEqual({
      bad: "error",
      child: "cancelled",
      slow: "finished",
      after: "finished",
    });
    expect(nodeOf(record, "after").job?.result).toEqual({ success: "after" });
  });
});

describe("what a Redis writer can do with a flow", () => {
  test("a payload edited in the stored flow is refused: unauthorized, the flow ends in error", async () => {
    const flow = flowOf([node("a", "sal", '"fine"'), node("b", "sal", '"b"', ["a"])]);
    const flows = new FlowStore(redis, client.store);
    await flows.create(flow);
    const edited = { ...flow, nodes: flow.nodes.map((n) => ({ ...n, payload: '"evil"' })) };
    await redis.hset(keys.flow(flow.id), "flow", JSON.stringify(edited));
    await flows.start(flow.id);
    const record = await client.waitFlow(flow.id, 30);
    expect(record.status).toBe("error");
    const a = nodeOf(record, "a").job;
    expect(a?.error_kind).toBe("unauthorized");
    expect(nodeOf(record, "b").state).toBe("cancelled");
  });

  test("an extra node added to the flow, or a node job's payload edited, is refused", async () => {
    const flow = flowOf([node("a", "sal", '"fine"')]);
    const extra = node("x", "sal", '"evil"');
    const added = { ...flow, nodes: [...flow.nodes, extra] };
    const forged = { ...jobToHash(nodeJob(added, "x")), ...nodeFields(JSON.stringify(added), "x") };
    const id = forged.id as string;
    await redis.hset(keys.job(id), { ...forged, status: "dispatched", attempts: "0" });
    await redis.lpush(keys.queue("sal"), id);
    const ended = await until(async () => {
      const h = await redis.hgetall(keys.job(id));
      return h.status === "error" ? h : undefined;
    });
    expect(ended.error_kind).toBe("unauthorized");

    // The job fields of a genuine node's hash are never read: the flow's payload runs.
    const genuine = { ...jobToHash(nodeJob(flow, "a")), ...nodeFields(JSON.stringify(flow), "a") };
    const aId = genuine.id as string;
    await redis.hset(keys.job(aId), {
      ...genuine,
      payload: '"evil"',
      status: "dispatched",
      attempts: "0",
    });
    await redis.lpush(keys.queue("sal"), aId);
    const record = await client.wait(aId, 20);
    expect(record.result).toEqual({ success: "fine" });
  });
});

test("horus flow run FILE (YAML) signs, submits, waits and prints each node; flow status reads it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "horus-flow-"));
  const file = join(dir, "hello.yaml");
  writeFileSync(
    file,
    [
      "failure_policy: fail_fast",
      "nodes:",
      "  - id: hello",
      "    runner: sal",
      "    payload: '\"hello\"'",
      "  - id: shout",
      "    runner: sal",
      "    depends_on: [hello]",
      '    payload: \'PARENTS["hello"] + "!"\'',
      "",
    ].join("\n"),
  );
  const global = ["--redis-url", REDIS_URL, "--namespace", ns];
  const env = { HORUS_SIGNING_KEY: key.private_key };
  const ran = await runToEnd(process.execPath, [distBin("horus"), ...global, "flow", "run", file], {
    env,
  });
  expect(ran.stderr).toBe("");
  expect(ran.code).toBe(0);
  expect(ran.stdout).toMatch(/^flow hello-\d+: finished$/m);
  expect(ran.stdout).toContain('shout @sal (after hello): finished -> "hello!"');
  const id = /^flow (\S+):/.exec(ran.stdout)?.[1] as string;
  const status = await runToEnd(process.execPath, [
    distBin("horus"),
    ...global,
    "flow",
    "status",
    id,
    "--json",
  ]);
  expect(JSON.parse(status.stdout).status).toBe("finished");

  writeFileSync(file, "nodes:\n  - {id: a, runner: sal, payload: '1', depends_on: [a]}\n");
  const bad = await runToEnd(
    process.execPath,
    [distBin("horus"), ...global, "flow", "submit", file],
    {
      env,
    },
  );
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('node "a" depends on itself');
});

test("docs/flows.md's example runs as the doc says", async () => {
  const doc = readFileSync(new URL("../../docs/flows.md", import.meta.url), "utf8");
  const yaml = /<<'YAML'\n([\s\S]*?)\nYAML/.exec(doc)?.[1] as string;
  const dir = mkdtempSync(join(tmpdir(), "horus-flow-doc-"));
  const file = join(dir, "diamond.yaml");
  writeFileSync(file, yaml);
  const ran = await runToEnd(
    process.execPath,
    [distBin("horus"), "--redis-url", REDIS_URL, "--namespace", ns, "flow", "run", file],
    { env: { HORUS_SIGNING_KEY: key.private_key } },
  );
  expect(ran.code, ran.stderr).toBe(0);
  const shown = ran.stdout
    .replace(/ \[[^\]]*\]$/gm, " [...]")
    .replace(/diamond-\d+/, "diamond-1767225600000");
  const expected = /prints, once the flow ends[^\n]*\n\n```text\n([\s\S]*?)\n```/.exec(doc)?.[1];
  expect(shown.trim()).toBe(expected);
});

test("flow cancel stops the running node and cancels the rest; flow list shows it", async () => {
  const flow = flowOf([
    node("long", "sal", 'sleep(30.0); "late"'),
    node("next", "sal", '"n"', ["long"]),
  ]);
  await client.submitFlow(flow);
  const longId = `flow:${flow.id}:long`;
  await until(
    async () => (await redis.hget(keys.job(longId), "status")) === "started" || undefined,
  );
  const global = ["--redis-url", REDIS_URL, "--namespace", ns];
  const cancelled = await runToEnd(process.execPath, [
    distBin("horus"),
    ...global,
    "flow",
    "cancel",
    flow.id,
  ]);
  expect(cancelled.stdout).toBe(`cancelled ${flow.id}\n`);
  const record = await client.waitFlow(flow.id, 30);
  expect(record.status).toBe("error");
  expect(nodeOf(record, "long").job?.error_kind).toBe("cancelled");
  expect(nodeOf(record, "next").state).toBe("cancelled");
  expect(await client.cancelFlow(flow.id)).toBe(false);
  const listed = await runToEnd(process.execPath, [distBin("horus"), ...global, "flow", "list"]);
  expect(listed.stdout.split("\n")[0]).toBe(
    `${flow.id}  error  0/2 nodes finished  ${record.created_at}`,
  );
});

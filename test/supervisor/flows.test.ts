// The supervisor's flow.* methods against a real supervisor process, a real runner_sal and
// the real Redis (issue #26): a flow signed by the client is verified (never signed) by the
// supervisor, started, followed over WebSocket node by node, and read; a user key reaches
// only its own flows and their node jobs; unknown runner ids are refused naming the nodes;
// a failed node's dead letter is not signed again; `horus --supervisor flow run` works.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Flow, type FlowNode, generateKeyPair, signFlow } from "../../src/job/index.js";
import { type FlowRecord, RedisKeys } from "../../src/protocol/index.js";
import { distBin, type Proc, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";
import { httpCall, type RunningSupervisor, startSupervisor, WsClient } from "./helpers.js";

const ns = uniqueNamespace("supflow");
const signer = generateKeyPair();
let redis: Redis;
let sup: RunningSupervisor;
let runner: Proc;
const keys = { alice: "", aliceId: "", bob: "" };
let counter = 0;

const http = <T = unknown>(method: string, params?: unknown, key?: string) =>
  httpCall<T>(sup.url, method, params, key);

beforeAll(async () => {
  redis = testRedis();
  sup = await startSupervisor(ns);
  runner = await startRunner({
    script: distBin("runner_sal"),
    runnerId: "sal",
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
    args: ["--concurrency", "2"],
  });
  for (const who of ["alice", "bob"] as const) {
    const made = await http<{ key: string; id: string }>(
      "auth.create_key",
      { name: who, scope: "user" },
      sup.adminKey,
    );
    keys[who] = made.result?.key as string;
    if (who === "alice") keys.aliceId = made.result?.id as string;
  }
}, 60_000);

afterAll(async () => {
  await runner?.stop("SIGKILL");
  await sup?.proc.stop();
  await dropNamespace(redis, ns);
  await redis.quit();
});

const node = (id: string, payload: string, deps: string[] = [], runnerId = "sal"): FlowNode => ({
  id,
  runner: runnerId,
  payload,
  depends_on: deps,
  timeout: 20,
});

function flowOf(nodes: FlowNode[], extra: Partial<Flow> = {}): Flow {
  counter += 1;
  return signFlow(
    {
      id: `sf${counter}-${Date.now()}`,
      caller_id: "",
      context_id: "",
      failure_policy: "fail_fast",
      created_at: new Date().toISOString(),
      nodes,
      signatures: [],
      ...extra,
    },
    signer.private_key,
  );
}

async function ended(id: string, key: string): Promise<FlowRecord> {
  return until(async () => {
    const r = (await http<FlowRecord>("flow.status", { flow_id: id }, key)).result;
    return r?.status === "finished" || r?.status === "error" ? r : undefined;
  });
}

describe("a flow through the supervisor", () => {
  test("created, started and followed over WebSocket: each node's state, then the end", async () => {
    const flow = flowOf([
      node("a", '"a"'),
      node("b", 'PARENTS["a"] + "b"', ["a"]),
      node("c", 'PARENTS["a"] + "c"', ["a"]),
      node("d", 'PARENTS["b"] + PARENTS["c"]', ["b", "c"]),
    ]);
    const created = await http("flow.create", { flow }, keys.alice);
    expect(created.result).toEqual({ flow_id: flow.id, nodes: 4 });
    const ws = await WsClient.open(sup.wsUrl, keys.alice);
    try {
      const sub = await ws.call("flow.subscribe", { flow_id: flow.id });
      expect(sub.result).toEqual({ subscribed: true, flow_id: flow.id });
      // The state as it is first: created, every node pending.
      await until(() => ws.flowEvents.filter((e) => e.type === "node").length >= 4);
      expect(ws.flowEvents[0]).toEqual({ flow_id: flow.id, type: "status", status: "created" });
      const started = await http("flow.start", { flow_id: flow.id }, keys.alice);
      expect(started.result).toEqual({ flow_id: flow.id, status: "started" });
      await until(() => ws.flowEvents.some((e) => e.type === "end"), { what: "the end event" });
      const end = ws.flowEvents.at(-1) as { status: string; record: FlowRecord };
      expect(end.status).toBe("finished");
      expect(end.record.nodes.find((n) => n.id === "d")?.job?.result).toEqual({
        success: "abac",
      });
      // Every node was seen finishing, after it was seen pending.
      for (const id of ["a", "b", "c", "d"]) {
        const states = ws.flowEvents.filter((e) => e.node === id).map((e) => e.state);
        expect(states[0]).toBe("pending");
        expect(states.at(-1)).toBe("finished");
      }
      // Changes are read when the stream names them: a quick one may fold into the next.
      const statuses = ws.flowEvents.filter((e) => e.type === "status").map((e) => e.status);
      expect(statuses[0]).toBe("created");
      expect(statuses.at(-1)).toBe("finished");
      expect(["created", "started", "finished"]).toEqual(expect.arrayContaining(statuses));
    } finally {
      ws.close();
    }
    const again = await http("flow.start", { flow_id: flow.id }, keys.alice);
    expect(again.error?.code).toBe(-32092);
    const status = (await http<FlowRecord>("flow.status", { flow_id: flow.id }, keys.alice)).result;
    expect(status?.submitted_by).toBe(keys.aliceId);
    expect(status?.nodes.map((n) => n.job?.status)).toEqual([
      "finished",
      "finished",
      "finished",
      "finished",
    ]);
    // The node jobs are alice's too: job.status reaches them, bob's key does not.
    const job = await http<{ status: string }>(
      "job.status",
      { job_id: `flow:${flow.id}:d` },
      keys.alice,
    );
    expect(job.result?.status).toBe("finished");
    const bobs = await http("job.status", { job_id: `flow:${flow.id}:d` }, keys.bob);
    expect(bobs.error?.code).toBe(-32013);
  });

  test("a user key reaches only its own flows; admin all", async () => {
    const flow = flowOf([node("only", '"x"')]);
    expect((await http("flow.create", { flow }, keys.alice)).error).toBeUndefined();
    for (const method of ["flow.status", "flow.start", "flow.cancel"]) {
      const answer = await http(method, { flow_id: flow.id }, keys.bob);
      expect(answer.error?.code, method).toBe(-32091);
      expect(answer.error?.message).toBe(`no flow with id ${flow.id}`);
    }
    const ws = await WsClient.open(sup.wsUrl, keys.bob);
    try {
      expect((await ws.call("flow.subscribe", { flow_id: flow.id })).error?.code).toBe(-32091);
    } finally {
      ws.close();
    }
    const ids = async (key: string) =>
      (await http<{ flows: FlowRecord[] }>("flow.list", {}, key)).result?.flows.map((f) => f.id);
    expect(await ids(keys.alice)).toContain(flow.id);
    expect(await ids(keys.bob)).not.toContain(flow.id);
    expect(await ids(sup.adminKey)).toContain(flow.id);
    const page = await http<{ flows: FlowRecord[]; has_more: boolean }>(
      "flow.list",
      { limit: 1 },
      keys.alice,
    );
    expect(page.result?.flows.map((f) => f.id)).toEqual([flow.id]);
    expect(page.result?.has_more).toBe(true);
    expect(page.result?.flows[0]?.nodes[0]).toEqual({
      id: "only",
      job_id: `flow:${flow.id}:only`,
      runner: "sal",
      depends_on: [],
      state: "pending",
    });
    // Cancelled by admin (not started: it ends at once); a second cancel has nothing to do.
    expect((await http("flow.cancel", { flow_id: flow.id }, sup.adminKey)).result).toEqual({
      cancelled: true,
    });
    expect((await http("flow.cancel", { flow_id: flow.id }, keys.alice)).error?.code).toBe(-32092);
  });
});

describe("what flow.create refuses", () => {
  test("nodes for runner ids nobody serves, naming them; check_runners: false takes them", async () => {
    const flow = flowOf([
      node("one", '"1"'),
      node("two", '"2"', ["one"], "ghost"),
      node("three", '"3"', ["one"], "ghost"),
    ]);
    const refused = await http("flow.create", { flow }, keys.alice);
    expect(refused.error?.code).toBe(-32020);
    expect(refused.error?.message).toBe(
      `flow ${flow.id}: nodes "two", "three" for runner "ghost": no live instance serves that runner id and none is registered; start the runners first, or give check_runners: false`,
    );
    expect(refused.error?.data).toEqual({ runners: ["ghost"], nodes: ["two", "three"] });
    expect(await redis.exists(`${ns}:flow:${flow.id}`)).toBe(0);
    // A runner registered with the supervisor counts as known.
    await http("register_runner", { name: "ghost" }, sup.adminKey);
    expect((await http<{ nodes: number }>("flow.create", { flow }, keys.alice)).result?.nodes).toBe(
      3,
    );
    const other = flowOf([node("x", '"x"', [], "phantom")]);
    const taken = await http("flow.create", { flow: other, check_runners: false }, keys.alice);
    expect(taken.result).toEqual({ flow_id: other.id, nodes: 1 });
  });

  test("a flow changed after signing, an invalid graph, a reused id, an old flow", async () => {
    const flow = flowOf([node("a", '"a"')]);
    const edited = { ...flow, nodes: [{ ...node("a", '"evil"') }] };
    const forged = await http("flow.create", { flow: edited }, keys.alice);
    expect(forged.error?.code).toBe(-32011);
    expect(forged.error?.message).toMatch(/^flow \S+ refused: invalid signature/);
    const cyclic = { ...flow, nodes: [node("a", "1", ["b"]), node("b", "2", ["a"])] };
    const graph = await http("flow.create", { flow: cyclic }, keys.alice);
    expect(graph.error?.code).toBe(-32010);
    expect(graph.error?.message).toContain("nodes form a cycle");
    expect((await http("flow.create", { flow }, keys.alice)).error).toBeUndefined();
    expect((await http("flow.create", { flow }, keys.alice)).error?.code).toBe(-32090);
    const old = flowOf([node("a", '"a"')], {
      created_at: new Date(Date.now() - 2 * 3600_000).toISOString(),
    });
    const late = await http("flow.create", { flow: old }, keys.alice);
    expect(late.error?.code).toBe(-32011);
    expect(late.error?.message).toContain("flow is too old");
    // The same with a signed expires_at inside a day: accepted.
    const long = flowOf([node("a", '"a"')], {
      created_at: old.created_at,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect((await http("flow.create", { flow: long }, keys.alice)).error).toBeUndefined();
  });
});

test("a failed node's dead letter: dead.show and dead.retry refuse it, naming the flow", async () => {
  const flow = flowOf([node("bad", 'throw "boom"')]);
  await http("flow.create", { flow }, keys.alice);
  await http("flow.start", { flow_id: flow.id }, keys.alice);
  expect((await ended(flow.id, keys.alice)).status).toBe("error");
  const id = `flow:${flow.id}:bad`;
  const shown = await http<{ dead: boolean; retry_refused?: string; retry_job?: unknown }>(
    "dead.show",
    { job_id: id },
    keys.alice,
  );
  expect(shown.result?.dead).toBe(true);
  expect(shown.result?.retry_job).toBeUndefined();
  expect(shown.result?.retry_refused).toContain(`is node "bad" of flow "${flow.id}"`);
  const listed = await http<{ letters: { id: string }[] }>(
    "dead.list",
    { runner: "sal" },
    keys.alice,
  );
  expect(listed.result?.letters.map((l) => l.id)).toContain(id);
  const retried = await runToEnd(process.execPath, [
    distBin("horus"),
    "--supervisor",
    sup.url,
    "--api-key",
    keys.alice,
    "dead",
    "retry",
    id,
    "--key",
    signer.private_key,
  ]);
  expect(retried.code).toBe(1);
  expect(retried.stderr).toContain("Run the flow again");
});

test("horus --supervisor flow run and flow list go through the flow.* methods", async () => {
  const dir = mkdtempSync(join(tmpdir(), "horus-supflow-"));
  const file = join(dir, "two.yaml");
  writeFileSync(
    file,
    'nodes:\n  - {id: a, runner: sal, payload: \'"hi"\'}\n  - {id: b, runner: sal, payload: \'PARENTS["a"] + "!"\', depends_on: [a]}\n',
  );
  const via = ["--supervisor", sup.url, "--api-key", keys.bob];
  const ran = await runToEnd(
    process.execPath,
    [distBin("horus"), ...via, "flow", "run", file, "--key", signer.private_key],
    {},
  );
  expect(ran.stderr).toBe("");
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain('b @sal (after a): finished -> "hi!"');
  const id = /^flow (\S+):/.exec(ran.stdout)?.[1] as string;
  const listed = await runToEnd(process.execPath, [distBin("horus"), ...via, "flow", "list"]);
  expect(listed.stdout.split("\n")[0]).toMatch(new RegExp(`^${id}  finished  2/2 nodes`));
  const owner = await http<FlowRecord>("flow.status", { flow_id: id }, keys.alice);
  expect(owner.error?.code).toBe(-32091);
});

test("rpc.discover describes the flow methods and the flow.event notification", async () => {
  const doc = (
    await http<{ methods: { name: string }[]; components: { schemas: object } }>("rpc.discover")
  ).result;
  const names = doc?.methods.map((m) => m.name) ?? [];
  for (const m of [
    "flow.create",
    "flow.start",
    "flow.status",
    "flow.cancel",
    "flow.list",
    "flow.subscribe",
    "flow.unsubscribe",
  ])
    expect(names).toContain(m);
  expect(Object.keys(doc?.components.schemas ?? {})).toContain("FlowEvent");
});

test("flow.list walks the newest 10,000 flows for a user key's own, and no further", async () => {
  // Its own namespace and supervisor: the edge is a count of the namespace's flows.
  const edgeNs = uniqueNamespace("supflow-edge");
  const edgeSup = await startSupervisor(edgeNs);
  try {
    const made = await httpCall<{ key: string; id: string }>(
      edgeSup.url,
      "auth.create_key",
      { name: "carol", scope: "user" },
      edgeSup.adminKey,
    );
    const carol = made.result as { key: string; id: string };
    const keysOf = new RedisKeys(edgeNs);
    const stored = (id: string, owner: string, score: number) => [
      ["zadd", keysOf.flowIndex(), String(score), id],
      [
        "hset",
        keysOf.flow(id),
        "status",
        "created",
        "plan",
        "[]",
        "policy",
        "fail_fast",
        "submitted_by",
        owner,
      ],
    ];
    // 9,999 flows of another key, newer than carol's two: "in" is the 10,000th newest,
    // "out" the 10,001st.
    const commands: string[][] = [];
    for (let i = 0; i < 9_999; i++) commands.push(...stored(`pad-${i}`, "someone", 100_000 + i));
    commands.push(...stored("in", carol.id, 50_000), ...stored("out", carol.id, 40_000));
    await redis.pipeline(commands).exec();
    const listed = await httpCall<{ flows: FlowRecord[]; has_more: boolean }>(
      edgeSup.url,
      "flow.list",
      { limit: 10 },
      carol.key,
    );
    expect(listed.result?.flows.map((f) => f.id)).toEqual(["in"]);
    expect(listed.result?.has_more).toBe(false);
    // Admin pages the index itself, whoever stored the flows.
    const admin = await httpCall<{ flows: FlowRecord[]; has_more: boolean }>(
      edgeSup.url,
      "flow.list",
      { offset: 9_999, limit: 5 },
      edgeSup.adminKey,
    );
    expect(admin.result?.flows.map((f) => f.id)).toEqual(["in", "out"]);
  } finally {
    await edgeSup.proc.stop();
    await dropNamespace(redis, edgeNs);
  }
}, 120_000);

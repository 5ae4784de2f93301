// Flows under faults (npm run test:faults): a Redis of the suite's own, real runner
// processes. The instance that just ended a node's job (the one that advances the flow) is
// killed with SIGKILL, twice; and a node's end left behind with no advance at all, as a
// runner killed between the two leaves it. The flow must finish either way, and no node
// that finished may run again.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { type Flow, type FlowNode, generateKeyPair, signFlow } from "../../src/job/index.js";
import { RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { testRedis } from "../helpers/redis.js";
import { OwnRedis } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

const key = generateKeyPair();
let server: OwnRedis;
let redis: Redis;

beforeAll(async () => {
  server = await OwnRedis.start();
  redis = testRedis(server.url);
});

afterAll(async () => {
  await redis.quit();
  await server.destroy();
});

function runner(ns: string): Promise<Proc> {
  return startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "r1",
    namespace: ns,
    trustedKeys: [key.public_key],
    redisUrl: server.url,
    args: ["--record-key", `${ns}:executed`, "--heartbeat", "1"],
  });
}

/**
 * n1 -> (n2a, n2b) -> n3 -> n4 -> n5, each a short sleep, three attempts (crash retries).
 * The id is new each run: the runners' run ledgers outlive the suite's Redis, and refuse a
 * node id they ran before as a replay.
 */
function chain(label: string): Flow {
  const id = `${label}-${Date.now()}`;
  const n = (nid: string, deps: string[]): FlowNode => ({
    id: nid,
    runner: "r1",
    payload: `sleep 200\necho ${nid}`,
    depends_on: deps,
    timeout: 20,
    max_attempts: 3,
  });
  return signFlow(
    {
      id,
      caller_id: "",
      context_id: "",
      failure_policy: "fail_fast",
      created_at: new Date().toISOString(),
      nodes: [
        n("n1", []),
        n("n2a", ["n1"]),
        n("n2b", ["n1"]),
        n("n3", ["n2a", "n2b"]),
        n("n4", ["n3"]),
        n("n5", ["n4"]),
      ],
      signatures: [],
    },
    key.private_key,
  );
}

function counts(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

test("the instance that ended a node is killed with SIGKILL right after, twice: the flow finishes, no finished node runs again", async () => {
  const ns = "flow-kill";
  const keys = new RedisKeys(ns);
  const procs = await Promise.all([runner(ns), runner(ns), runner(ns)]);
  const client = new HorusClient({ redisUrl: server.url, namespace: ns });
  try {
    const flow = chain("kill");
    await client.submitFlow(flow);
    // Jobs a killed instance held: recovery may run them again (their attempts allow it).
    const held = new Set<string>();
    const finishedBefore = new Set<string>();
    for (const node of ["n1", "n3"]) {
      const jobId = `flow:${flow.id}:${node}`;
      const hash = await until(
        async () => {
          const h = await redis.hgetall(keys.job(jobId));
          return h.status === "finished" ? h : undefined;
        },
        { every: 5, what: `${node} finished` },
      );
      const instances = await client.runners("r1");
      const info = instances.find((i) => i.instance === hash.runner_instance);
      const proc = procs.find((p) => p.child.pid === info?.pid);
      expect(proc, `the process of ${hash.runner_instance}`).toBeDefined();
      // Frozen first, so what it holds can be read before it dies.
      process.kill(info?.pid as number, "SIGSTOP");
      for (const id of await redis.lrange(keys.active("r1", info?.instance as string), 0, -1))
        held.add(id);
      for (const [nodeId, state] of Object.entries(await redis.hgetall(keys.flowNodes(flow.id))))
        if (state === "finished") finishedBefore.add(`flow:${flow.id}:${nodeId}`);
      await proc?.stop("SIGKILL");
    }
    const record = await client.waitFlow(flow.id, 120);
    expect(record.status, JSON.stringify(record.nodes.map((n) => [n.id, n.state]))).toBe(
      "finished",
    );
    const runs = counts(await executedIds(redis, `${ns}:executed`));
    for (const n of flow.nodes) {
      const id = `flow:${flow.id}:${n.id}`;
      if (finishedBefore.has(id) || !held.has(id)) expect(runs[id], id).toBe(1);
      else expect(runs[id], id).toBeLessThanOrEqual(2);
    }
  } finally {
    for (const p of procs) await p.stop("SIGKILL");
    await client.close();
  }
});

test("a node's end written with no advance after it (its runner killed in between): the sweep moves the flow on", async () => {
  const ns = "flow-sweep";
  const keys = new RedisKeys(ns);
  const client = new HorusClient({ redisUrl: server.url, namespace: ns });
  const procs: Proc[] = [];
  try {
    const flow = chain("sweep");
    await client.submitFlow(flow);
    // What a runner killed after FINISH and before FLOW_ADVANCE leaves: n1 ended, nothing
    // after it queued.
    const n1 = `flow:${flow.id}:n1`;
    expect(await redis.lrem(keys.queue("r1"), 0, n1)).toBe(1);
    await redis.hset(keys.job(n1), { status: "finished", finished_at: new Date().toISOString() });
    await redis.set(keys.result(n1), JSON.stringify({ success: "n1" }));
    procs.push(await runner(ns));
    const record = await client.waitFlow(flow.id, 60);
    expect(record.status, JSON.stringify(record.nodes, null, 1)).toBe("finished");
    const runs = counts(await executedIds(redis, `${ns}:executed`));
    expect(runs[n1]).toBeUndefined();
    for (const n of flow.nodes.filter((x) => x.id !== "n1"))
      expect(runs[`flow:${flow.id}:${n.id}`], n.id).toBe(1);
  } finally {
    for (const p of procs) await p.stop("SIGKILL");
    await client.close();
  }
});

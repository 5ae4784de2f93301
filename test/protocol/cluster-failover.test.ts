// A Redis Cluster with a replica per master: the master serving a namespace is killed, its
// replica takes over, and the runner and the client carry on through the promoted replica: a
// job running meanwhile ends there, and new jobs run.
// (Replication is asynchronous: writes acknowledged just before a master dies may be lost
// with it; what must hold is that service resumes on its own.)
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { type Proc, processAlive, ROOT, startRunner } from "../helpers/processes.js";
import { OwnRedisCluster } from "../helpers/redis-cluster.js";

const keys = generateKeyPair();
let cluster: OwnRedisCluster;
let runner: Proc | undefined;
let client: HorusClient | undefined;

beforeAll(async () => {
  cluster = await OwnRedisCluster.start({ replicas: 1, nodeTimeoutMs: 1000 });
}, 60_000);

afterAll(async () => {
  await runner?.stop("SIGKILL");
  await client?.close();
  await cluster?.destroy();
});

function job(payload: string): Job {
  return signJob(createJob({ payload, runner: "r1", timeout: 20 }), keys.private_key);
}

/** The port of the master serving a slot, as a node sees it (CLUSTER SLOTS). */
async function masterOf(node: Redis, slot: number): Promise<number | undefined> {
  const ranges = (await node.cluster("SLOTS")) as unknown as [number, number, [string, number]][];
  return ranges.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
}

describe("a cluster with replicas", () => {
  test("the master of a namespace dies: its replica takes over, and jobs run again", async () => {
    runner = await startRunner({
      script: `${ROOT}test/fixtures/test-runner.mjs`,
      runnerId: "r1",
      namespace: "fo",
      trustedKeys: [keys.public_key],
      redisUrl: "redis://localhost:6379",
      args: ["--redis-cluster", cluster.nodes, "--heartbeat", "1"],
    });
    client = new HorusClient({ redisUrl: cluster.url, namespace: "fo" });
    await client.ready();
    expect((await client.run(job("echo before"))).result).toEqual({ success: "before" });

    const first = cluster.node(cluster.ports[0] as number);
    const slot = Number(await first.cluster("KEYSLOT", "{fo}"));
    const home = (await masterOf(first, slot)) as number;
    first.disconnect();

    // A job running when the master dies. Replication is asynchronous: the test waits until
    // the replica holds the job, which is what makes its end recordable after the failover.
    const running = job("sleep 2000\necho through the failover");
    await client.submit(running);
    while ((await client.status(running.id))?.status !== "started")
      await new Promise((r) => setTimeout(r, 20));
    await cluster.untilReplicated(home);
    await cluster.kill(home);

    // A surviving node names another master for the slot once the replica is promoted.
    const survivor = cluster.node(cluster.ports.find((p) => p !== home) as number);
    try {
      const deadline = Date.now() + 30_000;
      let now = await masterOf(survivor, slot).catch(() => home);
      while (now === home && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        now = await masterOf(survivor, slot).catch(() => home);
      }
      expect(now).not.toBe(home);
    } finally {
      survivor.disconnect();
    }
    await cluster.untilServed();

    // Its end is recorded on the promoted replica, and its waiter hears of it.
    expect(await client.wait(running.id, 30)).toMatchObject({
      status: "finished",
      result: { success: "through the failover" },
    });
    // The same runner process and the same client, through the promoted replica.
    const after = await client.run(job("echo after the failover"), 30);
    expect(after).toMatchObject({ status: "finished", result: { success: "after the failover" } });
    expect(processAlive(runner.child.pid as number)).toBe(true);
    expect((await client.runners("r1")).length).toBe(1);
  }, 90_000);
});

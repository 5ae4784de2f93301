// Runners, the client, `horus` and `supervisor` on a real Redis Cluster of three masters
// (our own password-protected servers on spare ports): every key of a namespace in one hash
// slot, a second namespace on another master working on its own, a killed runner's job
// recovered through a SCAN of every master, and a master restart survived.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient, SupervisorClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import {
  closeRedis,
  clusterNamespace,
  clusterUrl,
  connectRedis,
  hashTagOf,
  JobStore,
  redactUrl,
  scanKeys,
} from "../../src/protocol/index.js";
import { distBin, type Proc, ROOT, runToEnd, start, startRunner } from "../helpers/processes.js";
import { OwnRedisCluster } from "../helpers/redis-cluster.js";
import { httpCall } from "../supervisor/helpers.js";

const keys = generateKeyPair();
/** Every node asks for it: the runners get it from --redis-url, the client from the URL. */
const PASSWORD = "cluster-s3cret";
let cluster: OwnRedisCluster;
/** A plain connection to the first node, for CLUSTER KEYSLOT and CLUSTER SLOTS. */
let admin: Redis;
const procs: Proc[] = [];
const clients: HorusClient[] = [];

beforeAll(async () => {
  cluster = await OwnRedisCluster.start({ password: PASSWORD });
  admin = cluster.node(cluster.ports[0] as number);
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
  await Promise.all(clients.map((c) => c.close()));
  admin?.disconnect();
  await cluster?.destroy();
});

async function runner(namespace: string, args: string[] = []): Promise<Proc> {
  const proc = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "r1",
    namespace,
    trustedKeys: [keys.public_key],
    // Only the password is taken from here: the address comes from --redis-cluster.
    redisUrl: `redis://:${PASSWORD}@localhost:6379`,
    // A 3 s lease: a killed runner is swept within seconds, and a busy machine does not
    // let a live one's lease lapse.
    args: ["--redis-cluster", cluster.nodes, "--heartbeat", "1", ...args],
  });
  procs.push(proc);
  return proc;
}

async function client(namespace: string): Promise<HorusClient> {
  const c = new HorusClient({ redisUrl: cluster.url, namespace });
  clients.push(c);
  await c.ready();
  return c;
}

/** What points `horus` or `supervisor` at the cluster (password from the URL), namespace alpha. */
function toolFlags(): string[] {
  const url = `redis://:${PASSWORD}@localhost`;
  return ["--redis-url", url, "--redis-cluster", cluster.nodes, "--namespace", "alpha"];
}

function job(payload: string, timeout = 20): Job {
  return signJob(createJob({ payload, runner: "r1", timeout }), keys.private_key);
}

async function slotOf(key: string): Promise<number> {
  return Number(await admin.cluster("KEYSLOT", key));
}

/** The port of the master serving a slot (from CLUSTER SLOTS). */
async function masterOf(slot: number): Promise<number> {
  const ranges = await admin.cluster("SLOTS");
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  const master = range?.[2];
  if (!master) throw new Error(`no master serves slot ${slot}`);
  return master[1];
}

/** Every key on every master, read node by node (not through the cluster client). */
async function keysByNode(): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const port of cluster.ports) {
    const node = cluster.node(port);
    out.set(port, await scanKeys(node, "*"));
    node.disconnect();
  }
  return out;
}

describe("the namespace rule and the URL", () => {
  test("a namespace becomes a hash tag unless it has one", () => {
    expect(clusterNamespace("")).toBe("{horus}");
    expect(clusterNamespace("prod")).toBe("{prod}");
    expect(clusterNamespace("app{prod}")).toBe("app{prod}");
    // "{}" is no hash tag for Redis: the whole key would be hashed, so it is wrapped.
    expect(clusterNamespace("a{}b")).toBe("{a{}b}");
    expect(hashTagOf(clusterNamespace("a{}b"))).toBe("a{");
  });

  test("a Cluster URL takes the user, password and TLS of the base URL, and is redacted", () => {
    const url = clusterUrl(["a:1", "b:2"], "rediss://app:s3cret@x:6379");
    expect(url).toBe("rediss-cluster://app:s3cret@a:1,b:2");
    expect(redactUrl(url)).toBe("rediss-cluster://app:***@a:1,b:2");
    expect(() => clusterUrl(["a:1"], "redis://x:6379/3")).toThrow(/only database 0/);
  });

  test("--redis-cluster and --redis-sentinels exclude each other", async () => {
    const r = await runToEnd(process.execPath, [
      `${ROOT}test/fixtures/test-runner.mjs`,
      "r1",
      "--trusted-keys",
      keys.public_key,
      "--redis-cluster",
      "127.0.0.1:1",
      "--redis-sentinels",
      "127.0.0.1:2",
      "--redis-master",
      "m",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--redis-cluster excludes --redis-sentinels and --redis-master");
  });
});

describe("on a three-master cluster", () => {
  test("jobs run, and every key of the namespace hashes to one slot", async () => {
    await runner("alpha", ["--concurrency", "4"]);
    const c = await client("alpha");
    expect(c.store.keys.namespace).toBe("{alpha}");
    const jobs = Array.from({ length: 8 }, (_, i) => job(`log line ${i}\necho job ${i}`));
    const records = await Promise.all(jobs.map((j) => c.run(j)));
    records.forEach((r, i) => {
      expect(r).toMatchObject({ status: "finished", result: { success: `job ${i}` } });
    });
    expect(await c.logs(jobs[0]?.id as string)).toEqual(["line 0"]);
    // A job signed by nobody is refused, and still ends.
    const unsigned = createJob({ payload: "echo never", runner: "r1", timeout: 5 });
    expect(await c.run(unsigned)).toMatchObject({ status: "error" });

    const slot = await slotOf("{alpha}");
    const home = await masterOf(slot);
    const byNode = await keysByNode();
    const ours = [...byNode.values()].flat().filter((k) => k.startsWith("{alpha}:"));
    expect(ours).toContain(`{alpha}:job:${jobs[0]?.id}`);
    expect(ours.some((k) => k.includes(":instance:"))).toBe(true);
    for (const key of ours) expect(await slotOf(key)).toBe(slot);
    // Nothing of ours anywhere but on the master serving that slot.
    expect(ours.length).toBe(
      (byNode.get(home) ?? []).filter((k) => k.startsWith("{alpha}:")).length,
    );
    expect([...byNode.values()].flat().every((k) => k.startsWith("{alpha}:"))).toBe(true);
  });

  test("a second namespace lives in another slot, on another master, and works on its own", async () => {
    // A namespace whose slot another master serves, so the two really are apart.
    const alphaHome = await masterOf(await slotOf("{alpha}"));
    let other = "";
    for (const name of ["beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]) {
      if ((await masterOf(await slotOf(`{${name}}`))) !== alphaHome) {
        other = name;
        break;
      }
    }
    expect(other).not.toBe("");
    const c = await client(other);
    // Queued with no runner of its own namespace: the alpha runner of the same id never sees it.
    const waiting = job("echo only for the second namespace");
    await c.submit(waiting);
    await new Promise((r) => setTimeout(r, 500));
    expect((await c.status(waiting.id))?.status).toBe("dispatched");
    await runner(other);
    expect(await c.wait(waiting.id, 15)).toMatchObject({
      status: "finished",
      result: { success: "only for the second namespace" },
    });
    const otherHome = await masterOf(await slotOf(`{${other}}`));
    const onOtherHome = (await keysByNode()).get(otherHome) ?? [];
    expect(onOtherHome).toContain(`{${other}}:job:${waiting.id}`);
    // Each namespace's instance list shows only its own runners.
    expect((await c.runners("r1")).length).toBe(1);
    expect((await (await client("alpha")).runners("r1")).length).toBe(1);
  });

  test("cancelling a running job reaches its runner through the cluster's pub/sub", async () => {
    const c = await client("alpha");
    const sleeper = job("sleep 60000", 60);
    await c.submit(sleeper);
    for (let i = 0; i < 200 && (await c.status(sleeper.id))?.status !== "started"; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await c.cancel(sleeper.id)).toBe("signalled");
    expect(await c.wait(sleeper.id, 10)).toMatchObject({
      status: "error",
      error_kind: "cancelled",
    });
  });

  test("a runner killed mid-job: another instance's sweep finds its active list and ends the job", async () => {
    const c = await client("alpha");
    await runner("alpha"); // a second instance beside the first test's
    const sleeper = job("sleep 60000", 60);
    await c.submit(sleeper);
    let holder = "";
    for (let i = 0; i < 200 && holder === ""; i++) {
      const record = await c.status(sleeper.id);
      if (record?.status === "started") holder = record.runner_instance ?? "";
      else await new Promise((r) => setTimeout(r, 25));
    }
    expect(holder).not.toBe("");
    // Its heartbeat names its process.
    const beat = await c.store.redis.get(c.store.keys.instance("r1", holder));
    const pid = (JSON.parse(beat ?? "{}") as { pid?: number }).pid;
    const victim = procs.find((p) => p.child.pid === pid);
    expect(victim).toBeDefined();
    await victim?.stop("SIGKILL");
    const record = await c.wait(sleeper.id, 20);
    expect(record).toMatchObject({ status: "error", error_kind: "crashed" });
    expect(record.error).toContain("stopped without finishing it");
    // The survivor still serves the queue.
    expect((await c.run(job("echo after the crash"))).result).toEqual({
      success: "after the crash",
    });
  });

  test("`horus --redis-cluster` submits, waits and reads", async () => {
    const base = toolFlags();
    const run = await runToEnd(
      process.execPath,
      [distBin("horus"), ...base, "run", "--runner", "r1", "--script", "-", "--json"],
      { input: "echo from the command line", env: { HORUS_SIGNING_KEY: keys.private_key } },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { id: string; result: { success: string } };
    expect(printed.result).toEqual({ success: "from the command line" });
    const result = await runToEnd(process.execPath, [
      distBin("horus"),
      ...base,
      "result",
      printed.id,
    ]);
    expect(JSON.parse(result.stdout)).toEqual({ success: "from the command line" });
    const runners = await runToEnd(process.execPath, [
      distBin("horus"),
      ...base,
      "runners",
      "r1",
      "--json",
    ]);
    expect(runners.code).toBe(0);
    expect((JSON.parse(runners.stdout) as unknown[]).length).toBeGreaterThanOrEqual(1);
  });

  test("`supervisor --redis-cluster` runs jobs through the cluster", async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), "horus-sup-")), "admin.key");
    const sup = start(process.execPath, [
      distBin("supervisor"),
      ...toolFlags(),
      "--port",
      "0",
      "--admin-key-file",
      keyFile,
    ]);
    procs.push(sup);
    const line = await sup.waitFor('"msg":"supervisor listening"');
    const url = (JSON.parse(line) as { url: string }).url;
    const adminKey = readFileSync(keyFile, "utf8").trim();
    expect(
      (await httpCall(url, "register_runner", { name: "r1" }, adminKey)).error,
    ).toBeUndefined();
    const via = new SupervisorClient({ url, apiKey: adminKey });
    const record = await via.run(job("echo through the supervisor"));
    expect(record).toMatchObject({
      status: "finished",
      result: { success: "through the supervisor" },
    });
    expect((await via.runners("r1")).length).toBeGreaterThanOrEqual(1);
    expect(sup.output()).not.toContain(PASSWORD);
  });

  test("a wrong password: `horus` fails, and says so without showing the password", async () => {
    const r = await runToEnd(process.execPath, [
      distBin("horus"),
      "--redis-url",
      "redis://:not-the-password@localhost",
      "--redis-cluster",
      cluster.nodes,
      "status",
      "some-id",
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("cannot reach Redis at redis-cluster://:***@");
    expect(r.stderr).toMatch(/WRONGPASS|invalid password|invalid username-password/i);
    expect(r.stderr).not.toContain("not-the-password");
  });

  test("a master killed and restarted: runners and clients reconnect and carry on", async () => {
    const c = await client("alpha");
    const home = await masterOf(await slotOf("{alpha}"));
    await cluster.kill(home);
    // Submitted while the master is away: the client keeps the command and retries it.
    const during = job("echo submitted while the master was away");
    const submitted = c.submit(during);
    await new Promise((r) => setTimeout(r, 500));
    await cluster.restart(home);
    await submitted;
    expect(await c.wait(during.id, 20)).toMatchObject({
      status: "finished",
      result: { success: "submitted while the master was away" },
    });
    expect((await c.run(job("echo after the restart"))).result).toEqual({
      success: "after the restart",
    });
  });

  test("with no cluster reachable, a tool's command fails; a runner's keeps waiting", async () => {
    const tool = connectRedis("redis-cluster://127.0.0.1:1", { name: "horus:test" });
    const runnerLike = connectRedis("redis-cluster://127.0.0.1:1", { persistent: true });
    let settled = false;
    const waiting = runnerLike.get("x").finally(() => {
      settled = true;
    });
    waiting.catch(() => {});
    try {
      await expect(tool.get("x")).rejects.toThrow(/Cluster unreachable/);
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
    } finally {
      tool.disconnect();
      runnerLike.disconnect();
    }
  });

  test("scanKeys on a cluster connection sees the keys of every master", async () => {
    // One namespace per master, so that no single node holds them all.
    const byMaster = new Map<number, string>();
    for (let i = 0; byMaster.size < cluster.ports.length && i < 200; i++) {
      const ns = `scan${i}`;
      const home = await masterOf(await slotOf(`{${ns}}`));
      if (!byMaster.has(home)) byMaster.set(home, ns);
    }
    expect(byMaster.size).toBe(cluster.ports.length);
    const conn = connectRedis(cluster.url, { name: "horus:test" });
    try {
      const written = [...byMaster.values()].map((ns) => `{${ns}}:runner:r9:active:x`);
      for (const key of written) await conn.rpush(key, "id");
      const found = await scanKeys(conn, "{scan*}:runner:r9:active:*");
      expect(found.sort()).toEqual(written.sort());
      await Promise.all(written.map((key) => conn.del(key)));
    } finally {
      await closeRedis(conn);
    }
  });

  test("a JobStore on a cluster connection resolves the namespace itself", async () => {
    const conn = connectRedis(cluster.url, { name: "horus:test" });
    try {
      expect(new JobStore(conn, "").keys.job("x")).toBe("{horus}:job:x");
      expect(new JobStore(conn, "app{prod}").keys.job("x")).toBe("app{prod}:job:x");
      // Ending a job with no active list to clean ("" would hash to slot 0: CROSSSLOT).
      const store = new JobStore(conn, "gamma");
      const queued = job("echo never run");
      await store.submit(queued);
      const opts = { instance: "test", mode: "open", retentionS: 60 } as const;
      expect(await store.fail(queued.id, "script", "ended by the test", opts)).toBe("written");
      expect(await store.record(queued.id)).toMatchObject({
        status: "error",
        error_kind: "script",
      });
    } finally {
      await closeRedis(conn);
    }
  });
});

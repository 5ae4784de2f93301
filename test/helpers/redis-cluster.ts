// A Redis Cluster of a test's own: three masters (and, if asked, a replica each) on spare
// loopback ports, each a plain redis-server with cluster mode on, joined by
// `redis-cli --cluster create`.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { sparePort } from "./redis-server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OwnRedisCluster {
  private readonly children = new Map<number, ChildProcess>();
  readonly dir = mkdtempSync(join(tmpdir(), "horus-cluster-"));
  readonly ports: number[] = [];

  /** With a password, every node requires it (`requirepass`, and `masterauth` between nodes). */
  private constructor(
    readonly password: string | undefined,
    private readonly nodeTimeoutMs: number,
  ) {}

  /**
   * `replicas` per master (0 or more); `nodeTimeoutMs` is how long a silent master takes to
   * be failed over to its replica (Redis's default is 15 s; tests want it short).
   */
  static async start(
    options: {
      masters?: number;
      replicas?: number;
      password?: string;
      nodeTimeoutMs?: number;
    } = {},
  ): Promise<OwnRedisCluster> {
    const cluster = new OwnRedisCluster(options.password, options.nodeTimeoutMs ?? 15_000);
    const masters = options.masters ?? 3;
    try {
      await cluster.boot(masters, options.replicas ?? 0);
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
    return cluster;
  }

  /** `host:port,host:port,...`: what --redis-cluster takes. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(",");
  }

  get url(): string {
    const auth = this.password === undefined ? "" : `:${encodeURIComponent(this.password)}@`;
    return `redis-cluster://${auth}${this.nodes}`;
  }

  /** A plain connection to one node (for CLUSTER commands and looking at its keys). */
  node(port: number): Redis {
    const redis = new Redis(port, "127.0.0.1", {
      maxRetriesPerRequest: 1,
      password: this.password,
    });
    redis.on("error", () => {});
    return redis;
  }

  private async boot(masters: number, replicas: number): Promise<void> {
    for (let i = 0; i < masters * (1 + replicas); i++) this.ports.push(await sparePort());
    for (const port of this.ports) this.spawnNode(port);
    for (const port of this.ports) await this.untilAnswers(port);
    const create = spawnSync(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...this.ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
        ...(this.password === undefined ? [] : ["-a", this.password, "--no-auth-warning"]),
      ],
      { encoding: "utf8", timeout: 20_000 },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);
    for (const port of this.ports) await this.untilClusterOk(port);
    // A replica that never synced is never promoted (its data would be of unknown age).
    if (replicas > 0) for (const port of this.ports) await this.untilSynced(port);
  }

  /** A replica's link to its master is up (a master passes at once). */
  private async untilSynced(port: number): Promise<void> {
    const redis = this.node(port);
    try {
      for (let i = 0; i < 400; i++) {
        const info = String(await redis.info("replication").catch(() => ""));
        if (info.includes("role:master") || info.includes("master_link_status:up")) return;
        await sleep(25);
      }
      throw new Error(`cluster replica on port ${port} never synced with its master`);
    } finally {
      redis.disconnect();
    }
  }

  private spawnNode(port: number): void {
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        this.dir,
        "--cluster-enabled",
        "yes",
        // Kept across a restart: the node comes back knowing its cluster and its slots.
        "--cluster-config-file",
        join(this.dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        String(this.nodeTimeoutMs),
        // One directory for all nodes: a replica's full sync must not write another's file.
        "--dbfilename",
        `dump-${port}.rdb`,
        "--appendonly",
        "no",
        "--save",
        "",
        ...(this.password === undefined
          ? []
          : ["--requirepass", this.password, "--masterauth", this.password]),
      ],
      { stdio: "ignore" },
    );
    this.children.set(port, child);
  }

  /** Kills one node with SIGKILL (its data is lost: there is no persistence). */
  async kill(port: number): Promise<void> {
    const child = this.children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** Waits until the replicas of the master on `port` hold everything it has written so far. */
  async untilReplicated(port: number): Promise<void> {
    const redis = this.node(port);
    try {
      const offsetOf = (info: string) => Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? 0);
      const target = offsetOf(String(await redis.info("replication")));
      for (let i = 0; i < 400; i++) {
        const info = String(await redis.info("replication"));
        const replicas = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => Number(m[1]));
        if (replicas.length > 0 && replicas.every((o) => o >= target)) return;
        await sleep(25);
      }
      throw new Error(`the replicas of the master on port ${port} never caught up`);
    } finally {
      redis.disconnect();
    }
  }

  /** Waits until every node still running says all slots are served (after a failover). */
  async untilServed(): Promise<void> {
    for (const [port, child] of this.children)
      if (child.exitCode === null && child.signalCode === null) await this.untilClusterOk(port);
  }

  /** Starts a killed node again on its port and waits until the cluster is whole. */
  async restart(port: number): Promise<void> {
    this.spawnNode(port);
    await this.untilAnswers(port);
    for (const p of this.ports) await this.untilClusterOk(p);
  }

  private async untilAnswers(port: number): Promise<void> {
    const redis = this.node(port);
    try {
      for (let i = 0; i < 200; i++) {
        if ((await redis.ping().catch(() => "")) === "PONG") return;
        await sleep(25);
      }
      throw new Error(`redis-server on port ${port} did not start`);
    } finally {
      redis.disconnect();
    }
  }

  /** Every node must agree that all slots are served before clients connect. */
  private async untilClusterOk(port: number): Promise<void> {
    const redis = this.node(port);
    try {
      for (let i = 0; i < 400; i++) {
        const info = await redis.cluster("INFO").catch(() => "");
        if (String(info).includes("cluster_state:ok")) return;
        await sleep(25);
      }
      throw new Error(`cluster node on port ${port} never reported cluster_state:ok`);
    } finally {
      redis.disconnect();
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.ports.map((port) => this.kill(port)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

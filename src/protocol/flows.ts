// Flows in Redis (docs/flows.md): create, start, advance and read them. The scripts are in
// flow-lua.ts; every node's job is stored and queued by SUBMIT's own Lua, so a node job is a
// job like any other, plus the signed flow and its node id in its hash.
import type { Redis } from "ioredis";
import { type Flow, nodeJob, nodeJobId } from "../job/index.js";
import { FLOW_ADVANCE, FLOW_CANCEL, FLOW_CREATE, FLOW_START } from "./flow-lua.js";
import { listInstances } from "./instances.js";
import { runScript } from "./scripts-runner.js";
import type { JobRecord, JobStore } from "./store.js";
import { OWNER_FIELD, OWNER_NAME_FIELD, SupervisorKeys } from "./supervisor-store.js";

export type FlowStatus = "created" | "started" | "finished" | "error";
export type NodeState = "pending" | "queued" | "finished" | "error" | "cancelled";

export interface FlowNodeStatus {
  id: string;
  job_id: string;
  runner: string;
  depends_on: string[];
  state: NodeState;
  /** The node job's record, once it was queued (and until it expires). */
  job?: JobRecord;
}

export interface FlowRecord {
  id: string;
  status: FlowStatus;
  failure_policy: string;
  created_at?: string;
  started_at?: string;
  finished_at?: string;
  /** Until when its nodes may run, when its signer set it (flowWindow). */
  expires_at?: string;
  /** Public id and name of the supervisor API key that stored it, if one did. */
  submitted_by?: string;
  submitted_by_name?: string;
  nodes: FlowNodeStatus[];
}

/** Who stored a flow through a supervisor: kept on the flow and on every node's job. */
export interface FlowOwner {
  id: string;
  name: string;
}

export class FlowExistsError extends Error {
  override readonly name = "FlowExistsError";
}

/** The nodes in topological order (the flow was validated: it has no cycle). */
export function topological(flow: Flow): Flow["nodes"] {
  const byId = new Map(flow.nodes.map((n) => [n.id, n]));
  const out: Flow["nodes"] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    const node = byId.get(id);
    if (node === undefined) return;
    for (const dep of node.depends_on) visit(dep);
    out.push(node);
  };
  for (const n of flow.nodes) visit(n.id);
  return out;
}

/** How long an ended flow's keys are kept, like a finished job's (DEFAULT_RETENTION_S). */
const FLOW_RETENTION_S = 24 * 3600;

export class FlowStore {
  constructor(
    private readonly redis: Redis,
    private readonly jobs: JobStore,
    private readonly retentionS = FLOW_RETENTION_S,
  ) {}

  private get keys() {
    return this.jobs.keys;
  }

  /**
   * Stores a signed flow as `created`; throws FlowExistsError if the id is taken. With
   * `owner`, the API key that stored it is recorded on the flow and on each node's job (the
   * fields a supervisor reads a job's owner from), so both reach only that key and admin.
   */
  async create(flow: Flow, owner?: FlowOwner): Promise<void> {
    const plan = topological(flow).map((n) => ({
      id: n.id,
      job: nodeJobId(flow.id, n.id),
      runner: n.runner,
      deps: n.depends_on,
    }));
    const extra = owner === undefined ? [] : [OWNER_FIELD, owner.id, OWNER_NAME_FIELD, owner.name];
    const args: string[] = [
      flow.id,
      JSON.stringify(flow),
      JSON.stringify(plan),
      flow.failure_policy,
      String(this.retentionS),
      JSON.stringify(extra),
    ];
    for (const node of flow.nodes) {
      // SUBMIT's arguments as a submit would send them; the flow script adds the flow and the
      // node id when it queues the node, so the flow is stored once until then.
      const [, submitArgs] = this.jobs.submitCall(nodeJob(flow, node.id));
      args.push(node.id, JSON.stringify([...submitArgs, ...extra]));
    }
    const code = await runScript(
      this.redis,
      FLOW_CREATE,
      [this.keys.flow(flow.id), this.keys.flowNodes(flow.id), this.keys.flowIndex()],
      args,
    );
    if (code === -1) throw new FlowExistsError(`a flow with id "${flow.id}" exists already`);
  }

  private threeKeys(id: string): string[] {
    return [this.keys.flow(id), this.keys.flowNodes(id), this.keys.flows()];
  }

  /** Starts a created flow (its root nodes are queued); answers its status after. */
  async start(id: string): Promise<FlowStatus | "missing"> {
    return (await runScript(this.redis, FLOW_START, this.threeKeys(id), [id, this.retentionS])) as
      | FlowStatus
      | "missing";
  }

  /** Moves a started flow on from its node jobs' statuses (idempotent). */
  async advance(id: string): Promise<FlowStatus | "missing"> {
    return (await runScript(this.redis, FLOW_ADVANCE, this.threeKeys(id), [id, this.retentionS])) as
      | FlowStatus
      | "missing";
  }

  /**
   * Cancels a flow: nodes not yet queued at once, queued ones as jobs (a running one is
   * stopped by its runner); the flow ends in error once they have ended. False when there
   * is no such flow or it ended already.
   */
  async cancel(id: string): Promise<boolean> {
    const reply = await runScript(
      this.redis,
      FLOW_CANCEL,
      [this.keys.flow(id), this.keys.flowNodes(id)],
      [id, this.retentionS],
    );
    if (!Array.isArray(reply)) return false;
    for (const jobId of reply as string[]) await this.jobs.cancel(jobId, this.retentionS);
    await this.advance(id);
    return true;
  }

  /** The newest flows' ids, newest first (from the `skip`th on). */
  async list(max = 100, skip = 0): Promise<string[]> {
    return this.redis.zrevrange(this.keys.flowIndex(), String(skip), String(skip + max - 1));
  }

  /** Started flows not yet ended, oldest first. */
  async active(max = 100): Promise<string[]> {
    return this.redis.zrange(this.keys.flows(), "0", String(max - 1));
  }

  /**
   * A flow's status and its nodes', with each queued node's job record (unless `jobs` is
   * false: the node states alone, for listings).
   */
  async status(id: string, jobs = true): Promise<FlowRecord | undefined> {
    const [hash, states] = await Promise.all([
      this.redis.hmget(
        this.keys.flow(id),
        "status",
        "policy",
        "plan",
        "created_at",
        "started_at",
        "finished_at",
        "flow",
        OWNER_FIELD,
        OWNER_NAME_FIELD,
      ),
      this.redis.hgetall(this.keys.flowNodes(id)),
    ]);
    const [status, policy, plan, created, started, finished, flowJson, owner, ownerName] = hash;
    if (status === null || plan === null) return undefined;
    const steps = JSON.parse(plan) as { id: string; job: string; runner: string; deps: string[] }[];
    const nodes = await Promise.all(
      steps.map(async (s): Promise<FlowNodeStatus> => {
        const state = (states[s.id] ?? "pending") as NodeState;
        const job =
          !jobs || state === "pending" || state === "cancelled"
            ? undefined
            : await this.jobs.record(s.job);
        return {
          id: s.id,
          job_id: s.job,
          runner: s.runner,
          depends_on: Array.isArray(s.deps) ? s.deps : [],
          state,
          ...(job === undefined ? {} : { job }),
        };
      }),
    );
    const record: FlowRecord = {
      id,
      status: status as FlowStatus,
      failure_policy: policy ?? "",
      nodes,
    };
    if (created !== null) record.created_at = created;
    if (started !== null) record.started_at = started;
    if (finished !== null) record.finished_at = finished;
    const expires = flowJson ? (JSON.parse(flowJson) as Flow).expires_at : undefined;
    if (expires !== undefined) record.expires_at = expires;
    if (owner) record.submitted_by = owner;
    if (ownerName) record.submitted_by_name = ownerName;
    return record;
  }

  /** Who stored each flow through a supervisor (public key id), in the order given. */
  async owners(ids: readonly string[]): Promise<(string | undefined)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.flow(id), OWNER_FIELD);
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((_, i) => (replies[i]?.[1] as string | null | undefined) || undefined);
  }

  /**
   * The runner ids among `runnerIds` nobody serves or announced: no live instance (a
   * heartbeat) and no registration with a supervisor (register_runner). A node for such a
   * runner would wait in a queue no one reads, until its flow's window closes.
   */
  async unknownRunners(runnerIds: Iterable<string>): Promise<string[]> {
    const ids = [...new Set(runnerIds)].sort();
    if (ids.length === 0) return [];
    const [live, registered] = await Promise.all([
      listInstances(this.redis, this.keys),
      this.redis.hmget(new SupervisorKeys(this.keys.namespace).runners(), ...ids),
    ]);
    const served = new Set(live.map((i) => i.runner_id));
    return ids.filter((id, i) => !served.has(id) && registered[i] === null);
  }
}

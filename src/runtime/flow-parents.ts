// A flow node's parents' results, as its runner reads and checks them before the node runs
// (docs/flows.md, "Parents' results"). They come from Redis, which the flow's signature does
// not cover, so each is judged: the parent must have finished (a node queued before its
// parents ended was not queued by the flow), and a result the ending runner signed must
// still verify over what is stored.
import type { Redis } from "ioredis";
import { type Flow, type FlowNode, nodeJobId, verifyResult } from "../job/index.js";
import {
  FlowStore,
  type JobResult,
  type JobStore,
  type RedisKeys,
  recordOf,
  statementOf,
} from "../protocol/index.js";
import type { Logger } from "./logger.js";

export type ParentsVerdict =
  | { ok: true; results: Record<string, string> }
  | { ok: false; kind: "unauthorized"; message: string };

/** The env vars a node's script gets its parents' results in: PARENTS and parents.<id>. */
export function parentVars(results: Record<string, string>): Record<string, string> {
  const vars: Record<string, string> = { PARENTS: JSON.stringify(results) };
  for (const [id, result] of Object.entries(results)) vars[`parents.${id}`] = result;
  return vars;
}

/**
 * Reads each parent's hash and result. With `resultKeys` (the runner's --result-keys) each
 * result must be signed by one of them. Without, a signed result must still verify (its
 * signer need only be the key that signed it) and an unsigned one is taken: a Redis writer
 * could then put a result of its own there, which is why --result-keys exists.
 */
export async function parentResults(
  redis: Redis,
  keys: RedisKeys,
  flow: Flow,
  node: FlowNode,
  resultKeys?: ReadonlySet<string>,
): Promise<ParentsVerdict> {
  if (node.depends_on.length === 0) return { ok: true, results: {} };
  const pipe = redis.pipeline();
  for (const parent of node.depends_on) {
    const id = nodeJobId(flow.id, parent);
    pipe.hgetall(keys.job(id));
    pipe.get(keys.result(id));
  }
  const replies = (await pipe.exec()) ?? [];
  const results: Record<string, string> = {};
  for (const [i, parent] of node.depends_on.entries()) {
    const [hashError, hash] = replies[2 * i] ?? [];
    const [resultError, text] = replies[2 * i + 1] ?? [];
    if (hashError) throw hashError;
    if (resultError) throw resultError;
    const refuse = (why: string): ParentsVerdict => ({
      ok: false,
      kind: "unauthorized",
      message: `node "${node.id}" of flow "${flow.id}" may not run: its parent "${parent}" ${why}`,
    });
    let result: JobResult | undefined;
    try {
      result = typeof text === "string" ? (JSON.parse(text) as JobResult) : undefined;
    } catch {
      return refuse("has a result that is not JSON");
    }
    const record = recordOf(nodeJobId(flow.id, parent), hash as Record<string, string>, result);
    if (record.status !== "finished" || result === undefined || !("success" in result))
      return refuse(`has not finished (its job is ${record.status})`);
    const signed = record.result_signature !== undefined || record.result_signer !== undefined;
    if (signed || resultKeys !== undefined) {
      const statement = statementOf(record);
      const signer = record.result_signer ?? "";
      const verdict =
        statement === undefined
          ? { ok: false as const, message: "the result is incomplete" }
          : verifyResult(
              statement,
              record.result_signature,
              signer,
              resultKeys ?? new Set([signer]),
              record.result_proof,
            );
      if (!verdict.ok) return refuse(`has a result that fails its check: ${verdict.message}`);
    }
    results[parent] = result.success;
  }
  return { ok: true, results };
}

/**
 * Advances the flow a node job id (`flow:<flow>:<node>`) belongs to. A failure is logged and
 * left to the sweep: advancing is idempotent, so late is as good as now.
 */
export async function advanceFlowOf(
  host: { commands: Redis; store: JobStore; log: Logger },
  jobId: string,
): Promise<void> {
  const parts = jobId.split(":");
  if (parts.length !== 3 || parts[0] !== "flow") return;
  const flowId = parts[1] as string;
  try {
    const status = await new FlowStore(host.commands, host.store).advance(flowId);
    if (status === "finished" || status === "error")
      host.log.info({ flow_id: flowId, status }, "flow ended");
  } catch (e) {
    host.log.warn({ flow_id: flowId, error: String(e) }, "flow not advanced; the sweep will");
  }
}

/** The sweep's part for flows: advances every started flow (what a crash left behind). */
export async function advanceStartedFlows(
  host: { commands: Redis; store: JobStore; log: Logger },
  max = 100,
): Promise<void> {
  const flows = new FlowStore(host.commands, host.store);
  for (const id of await flows.active(max)) await flows.advance(id);
}

// Flows (docs/flows.md): a signed graph of jobs, each node a job for some runner that starts
// once the nodes it depends on have finished. Like a schedule, a flow is one signed envelope
// that authorises a bounded set of runs: one job per node, under an id made from the flow's
// and the node's ids. A runner verifies the flow's signature, finds the node, and rebuilds
// the job from the flow, so nothing a Redis writer puts in a node job's fields ever runs,
// and a node the signer did not write has no job id a runner accepts.
import { z } from "zod";
import { DEFAULT_TIMEOUT_S } from "./create.js";
import { withSignature } from "./crypto.js";
import {
  checkWindow,
  dropUndefined,
  type EnvelopeVerdict,
  envelopeBytes,
  verifyEnvelope,
} from "./envelope.js";
import { JOB_LIMITS } from "./limits.js";
import { describeIssues, jobSchema } from "./schema.js";
import type { ErrorKind, Job, JobSignature } from "./types.js";

/** The first line of every flow's signed bytes: never the start of a job's (`{`). */
export const FLOW_SIGNATURE_DOMAIN = "horus-flow-v1";

/** Caps on a flow: each node's job is capped as any job is (JOB_LIMITS). */
export const FLOW_LIMITS = {
  nodes: 100,
  /** Every payload together: the flow is stored whole in each node job's hash (100 nodes: 100 MiB). */
  totalPayloadBytes: 1024 * 1024,
  /** Parents a node may name. */
  dependencies: 100,
} as const;

export type FailurePolicy = "fail_fast" | "continue";

export interface FlowNode {
  /** 1-48 of `A-Z a-z 0-9 . _ -`: part of the node's job id. */
  id: string;
  runner: string;
  executor?: string;
  payload: string;
  /** Seconds; 60 when absent. */
  timeout?: number;
  env_vars?: Record<string, string>;
  /** The ids of the nodes that must finish before this one starts. */
  depends_on: string[];
  max_attempts?: number;
  backoff?: Job["backoff"];
  priority?: number;
}

export interface Flow {
  /** 1-64 of `A-Z a-z 0-9 . _ -`: part of every node's job id. */
  id: string;
  caller_id: string;
  context_id: string;
  nodes: FlowNode[];
  failure_policy: FailurePolicy;
  /** RFC 3339: when it was signed; every node's job carries it as its created_at. */
  created_at: string;
  /**
   * RFC 3339, optional: until when its nodes may run. Without it a node must start within
   * the runner's --max-job-age of created_at; with it, until this time, if it lies within
   * the runner's --max-flow-age of created_at (flowWindow).
   */
  expires_at?: string;
  signatures: JobSignature[];
}

/**
 * A day: the longest a runner lets a flow's signed window (created_at to expires_at) be by
 * default (`--max-flow-age`), so also how long its replay guards must remember a node.
 */
export const DEFAULT_MAX_FLOW_AGE_S = 86_400;

export const FLOW_ID = /^[A-Za-z0-9._-]{1,64}$/;
export const NODE_ID = /^[A-Za-z0-9._-]{1,48}$/;

const s = jobSchema.shape;

const envVars = z
  .record(
    z.string(),
    z.string().refine((v) => Buffer.byteLength(v, "utf8") <= JOB_LIMITS.envValueBytes, {
      message: `is larger than ${JOB_LIMITS.envValueBytes} bytes`,
    }),
  )
  .refine((r) => Object.keys(r).length <= JOB_LIMITS.envVars, {
    message: `has more than ${JOB_LIMITS.envVars} variables`,
  })
  .refine((r) => !Object.hasOwn(r, "PARENTS"), {
    message: "may not set PARENTS: the runner sets it to the parents' results",
  });

// No field gets a default but depends_on: the signed bytes are the fields as given.
const nodeSchema = z.strictObject({
  id: z.string().regex(NODE_ID, "must be 1 to 48 characters of letters, digits and . _ -"),
  runner: s.runner,
  executor: z.string().optional(),
  payload: s.payload,
  timeout: s.timeout.optional(),
  env_vars: envVars.optional(),
  depends_on: z
    .array(z.string())
    .max(FLOW_LIMITS.dependencies, `has more than ${FLOW_LIMITS.dependencies} nodes`)
    .default([]),
  max_attempts: s.max_attempts,
  backoff: s.backoff,
  priority: s.priority,
});

/** The wire schema of a flow; errors name the field, and graph errors the nodes. */
export const flowSchema = z
  .strictObject({
    id: z.string().regex(FLOW_ID, "must be 1 to 64 characters of letters, digits and . _ -"),
    caller_id: z.string().default(""),
    context_id: z.string().default(""),
    nodes: z
      .array(nodeSchema)
      .min(1, "must hold at least one node")
      .max(FLOW_LIMITS.nodes, `has more than ${FLOW_LIMITS.nodes} nodes`),
    failure_policy: z.enum(["fail_fast", "continue"]).default("fail_fast"),
    created_at: s.created_at,
    expires_at: s.created_at.optional(),
    signatures: s.signatures,
  })
  .superRefine((flow, ctx) => {
    if (
      flow.expires_at !== undefined &&
      !(Date.parse(flow.expires_at) > Date.parse(flow.created_at))
    )
      ctx.addIssue({
        code: "custom",
        path: ["expires_at"],
        message: "must lie after created_at",
      });
    for (const problem of graphProblems(flow.nodes))
      ctx.addIssue({ code: "custom", path: ["nodes"], message: problem });
    const total = flow.nodes.reduce((n, node) => n + Buffer.byteLength(node.payload, "utf8"), 0);
    if (total > FLOW_LIMITS.totalPayloadBytes)
      ctx.addIssue({
        code: "custom",
        path: ["nodes"],
        message: `payloads total ${total} bytes, more than ${FLOW_LIMITS.totalPayloadBytes}`,
      });
  });

/**
 * What is wrong with the graph, each naming the nodes: duplicate ids, dependencies on nodes
 * the flow does not hold (or on the node itself), and cycles.
 */
export function graphProblems(nodes: readonly Pick<FlowNode, "id" | "depends_on">[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const dupes = new Set<string>();
  for (const n of nodes) (ids.has(n.id) ? dupes : ids).add(n.id);
  for (const d of dupes) problems.push(`node id "${d}" is used more than once`);
  for (const n of nodes) {
    for (const dep of n.depends_on) {
      if (dep === n.id) problems.push(`node "${n.id}" depends on itself`);
      else if (!ids.has(dep)) problems.push(`node "${n.id}" depends on unknown node "${dep}"`);
    }
    if (new Set(n.depends_on).size !== n.depends_on.length)
      problems.push(`node "${n.id}" names a dependency more than once`);
  }
  if (problems.length > 0) return problems;
  const cycle = findCycle(nodes);
  if (cycle !== undefined) problems.push(`nodes form a cycle: ${cycle.join(" -> ")}`);
  return problems;
}

/** One cycle of the graph (first node repeated at the end), or undefined. */
function findCycle(nodes: readonly Pick<FlowNode, "id" | "depends_on">[]): string[] | undefined {
  const deps = new Map(nodes.map((n) => [n.id, n.depends_on]));
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "open") return [...path.slice(path.indexOf(id)), id];
    state.set(id, "open");
    path.push(id);
    for (const dep of deps.get(id) ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const n of nodes) {
    const found = visit(n.id);
    if (found) return found;
  }
  return undefined;
}

export class InvalidFlowError extends Error {
  override readonly name = "InvalidFlowError";
  readonly errorKind = "invalid_job" as const;
}

/** Validates a flow object; throws InvalidFlowError naming the field or the nodes. */
export function parseFlow(input: unknown): Flow {
  if (input === null || typeof input !== "object" || Array.isArray(input))
    throw new InvalidFlowError("invalid flow: expected an object");
  const nodes = (input as { nodes?: unknown }).nodes;
  // JSON.parse makes "__proto__" an ordinary key; zod's copy would make it a prototype.
  if (Array.isArray(nodes))
    for (const n of nodes) {
      const env = (n as { env_vars?: unknown } | null)?.env_vars;
      if (env !== null && typeof env === "object" && Object.hasOwn(env, "__proto__"))
        throw new InvalidFlowError("invalid flow: env_vars: the name __proto__ is not allowed");
    }
  const result = flowSchema.safeParse(input);
  if (!result.success)
    throw new InvalidFlowError(`invalid flow: ${describeIssues(result.error, "flow")}`);
  return dropUndefined(result.data) as Flow;
}

/** Validates a flow given as JSON text. */
export function parseFlowJson(text: string): Flow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidFlowError(`invalid flow: not JSON (${(e as Error).message})`);
  }
  return parseFlow(value);
}

/**
 * The bytes a flow's signatures cover: `horus-flow-v1`, a newline, then the canonical JSON
 * (sorted keys, no whitespace) of the flow without `signatures`.
 */
export function flowBytes(flow: Flow): Uint8Array {
  return envelopeBytes(FLOW_SIGNATURE_DOMAIN, flow);
}

/**
 * Validates the flow (throws InvalidFlowError naming the nodes) and adds this key's
 * signature (replacing an earlier one by the same key): nothing invalid is ever signed.
 */
export function signFlow(flow: Flow, privateKeyHex: string): Flow {
  const valid = parseFlow(flow);
  return withSignature(valid, flowBytes(valid), privateKeyHex);
}

/** The job id of a node: `flow:<flow id>:<node id>` (at most 118 characters). */
export function nodeJobId(flowId: string, nodeId: string): string {
  return `flow:${flowId}:${nodeId}`;
}

/**
 * The job a node runs, built from the flow alone: the same flow and node always give the
 * same job. It carries no signatures of its own (the flow's authorise it) and the flow's
 * created_at; its window is the flow's (flowWindow), judged by checkNode.
 */
export function nodeJob(flow: Flow, nodeId: string): Job {
  const node = flow.nodes.find((n) => n.id === nodeId);
  if (node === undefined) throw new InvalidFlowError(`flow "${flow.id}" has no node "${nodeId}"`);
  const job: Job = {
    id: nodeJobId(flow.id, node.id),
    caller_id: flow.caller_id,
    context_id: flow.context_id,
    payload: node.payload,
    runner: node.runner,
    executor: node.executor ?? "",
    timeout: node.timeout ?? DEFAULT_TIMEOUT_S,
    env_vars: { ...(node.env_vars ?? {}) },
    created_at: flow.created_at,
    updated_at: flow.created_at,
    signatures: [],
  };
  if (node.max_attempts !== undefined) job.max_attempts = node.max_attempts;
  if (node.backoff !== undefined) job.backoff = { ...node.backoff };
  if (node.priority !== undefined) job.priority = node.priority;
  return job;
}

/**
 * What to tell whoever submits `flow` when `unknown` runner ids (no live instance, no
 * registration) have nodes in it: the nodes by runner id, and `skip` (how to go on anyway:
 * a runner started later). Undefined when there is none.
 */
export function unknownRunnersMessage(
  flow: Pick<Flow, "id" | "nodes">,
  unknown: readonly string[],
  skip: string,
): string | undefined {
  if (unknown.length === 0) return undefined;
  const parts = [...unknown].sort().map((runner) => {
    const ids = flow.nodes.filter((n) => n.runner === runner).map((n) => `"${n.id}"`);
    return `node${ids.length === 1 ? "" : "s"} ${ids.join(", ")} for runner "${runner}"`;
  });
  return `flow ${flow.id}: ${parts.join("; ")}: no live instance serves ${unknown.length === 1 ? "that runner id" : "those runner ids"} and none is registered; start the runners first, or ${skip}`;
}

/** The flow and node ids a node's job id is made of (nodeJobId), or undefined. */
export function nodeOfJobId(jobId: string): { flow: string; node: string } | undefined {
  const m = /^flow:([A-Za-z0-9._-]{1,64}):([A-Za-z0-9._-]{1,48})$/.exec(jobId);
  return m === null ? undefined : { flow: m[1] as string, node: m[2] as string };
}

/** The fields a node job's hash holds besides the job's: the signed flow and the node id. */
export function nodeFields(flowJson: string, nodeId: string): Record<string, string> {
  return { flow: flowJson, node: nodeId };
}

/** What a runner judges a node by (the runner's acceptance policy has this shape). */
export interface NodePolicy {
  runnerId: string;
  trustedKeys: ReadonlySet<string>;
  maxJobAgeS: number;
  clockSkewS: number;
  /** The longest expires_at - created_at accepted; DEFAULT_MAX_FLOW_AGE_S when absent. */
  maxFlowAgeS?: number;
}

export type FlowWindow =
  | { ok: true /** When the flow's nodes stop being accepted (ms). */; endMs: number }
  | { ok: false; kind: ErrorKind; message: string };

/**
 * The window in which a flow's nodes are accepted, from its signed times alone: from its
 * created_at (less the clock skew) until its expires_at, or without one until --max-job-age
 * after created_at. An expires_at further than --max-flow-age after created_at is refused
 * whole: the runner's replay guards (claims, run ledger) remember a node that long at most.
 * Nothing in Redis (when a node was queued, when its parents ended) moves the window.
 */
export function flowWindow(
  flow: Pick<Flow, "created_at" | "expires_at">,
  policy: Pick<NodePolicy, "maxJobAgeS" | "clockSkewS" | "maxFlowAgeS">,
  nowMs: number,
): FlowWindow {
  const created = Date.parse(flow.created_at);
  const future = checkWindow(
    created,
    nowMs,
    { maxAgeS: Number.POSITIVE_INFINITY, clockSkewS: policy.clockSkewS },
    "flow",
    "created_at",
  );
  if (!future.ok) return future;
  if (flow.expires_at === undefined) {
    const ageS = (nowMs - created) / 1000;
    if (ageS > policy.maxJobAgeS)
      return refuse(
        "invalid_job",
        `flow is too old: created ${Math.round(ageS)} s ago, the limit is ${policy.maxJobAgeS} s (--max-job-age; a flow that runs longer signs an expires_at)`,
      );
    return { ok: true, endMs: created + policy.maxJobAgeS * 1000 };
  }
  const expires = Date.parse(flow.expires_at);
  const maxFlowAgeS = policy.maxFlowAgeS ?? DEFAULT_MAX_FLOW_AGE_S;
  const spanS = (expires - created) / 1000;
  if (spanS > maxFlowAgeS)
    return refuse(
      "invalid_job",
      `flow's expires_at is ${Math.round(spanS)} s after its created_at, more than the limit of ${maxFlowAgeS} s (--max-flow-age)`,
    );
  if (nowMs > expires)
    return refuse(
      "invalid_job",
      `flow has expired: its expires_at was ${Math.round((nowMs - expires) / 1000)} s ago`,
    );
  return { ok: true, endMs: expires };
}

/**
 * A flow's signatures and window, as a runner judges them before any node (and the
 * supervisor before it stores a flow, trusting every valid signatory): every signature
 * valid, one by a trusted key, inside flowWindow.
 */
export function checkFlow(
  flow: Flow,
  policy: Omit<NodePolicy, "runnerId">,
  now: Date = new Date(),
): (EnvelopeVerdict & { ok: false }) | (EnvelopeVerdict & { ok: true; endMs: number }) {
  const verdict = verifyEnvelope(flowBytes(flow), flow.signatures, policy.trustedKeys, "flow");
  if (!verdict.ok) return verdict;
  const window = flowWindow(flow, policy, now.getTime());
  if (!window.ok) return window;
  return { ...verdict, endMs: window.endMs };
}

export type NodeVerdict =
  | {
      ok: true;
      job: Job;
      flow: Flow;
      node: FlowNode;
      signatories: string[];
      untrusted: string[];
      /** When the flow's window ends (ms): no attempt after, and replay guards to then. */
      endMs: number;
    }
  | { ok: false; kind: ErrorKind; message: string };

function refuse(kind: ErrorKind, message: string): { ok: false; kind: ErrorKind; message: string } {
  return { ok: false, kind, message };
}

/**
 * Judges a node job's hash (as TAKE returns it): its flow must be valid and signed by a
 * trusted key (every signature valid), inside its window (flowWindow), hold the node the
 * hash names, for this runner, under the id the hash is queued as. The job is
 * then rebuilt from the flow (the hash's own job fields are never read). The signature is
 * checked before anything it covers, so an edited payload or an added node is `unauthorized`.
 */
export function checkNode(
  hash: Readonly<Record<string, string>>,
  policy: NodePolicy,
  now: Date = new Date(),
): NodeVerdict {
  const flowJson = hash.flow;
  if (flowJson === undefined) return refuse("invalid_job", "node job carries no flow");
  let flow: Flow;
  try {
    flow = parseFlowJson(flowJson);
  } catch (e) {
    return refuse("invalid_job", (e as Error).message);
  }
  const verdict = checkFlow(flow, policy, now);
  if (!verdict.ok) return verdict;
  const nodeId = hash.node ?? "";
  const node = flow.nodes.find((n) => n.id === nodeId);
  if (node === undefined)
    return refuse(
      "unauthorized",
      `flow "${flow.id}" has no node "${nodeId.slice(0, 48)}": its signer authorised ${flow.nodes.map((n) => n.id).join(", ")}`,
    );
  const expected = nodeJobId(flow.id, node.id);
  if (hash.id !== expected)
    return refuse(
      "unauthorized",
      `node job id "${hash.id}" is not "${expected}", the id of node "${node.id}" of flow "${flow.id}"`,
    );
  if (node.runner !== policy.runnerId)
    return refuse(
      "invalid_job",
      `node "${node.id}" of flow "${flow.id}" is for runner "${node.runner}", not "${policy.runnerId}"`,
    );
  return {
    ok: true,
    job: nodeJob(flow, node.id),
    flow,
    node,
    signatories: verdict.signatories,
    untrusted: verdict.untrusted,
    endMs: verdict.endMs,
  };
}

// Flows, without Redis: the schema and its graph checks, the signed bytes, the node jobs, and
// checkNode, the one judgement a runner passes on a node job. Each refusal test changes one
// thing of an otherwise acceptable node job, so it fails without its check.
import { describe, expect, test } from "vitest";
import {
  canonicalJson,
  checkNode,
  type Flow,
  flowBytes,
  generateKeyPair,
  InvalidFlowError,
  jobToHash,
  nodeFields,
  nodeJob,
  nodeJobId,
  parseFlow,
  parseJob,
  signFlow,
} from "../../src/job/index.js";

const keys = generateKeyPair();
const stranger = generateKeyPair();
const NOW = Date.parse("2026-03-02T10:00:00.000Z");
const policy = {
  runnerId: "sal",
  trustedKeys: new Set([keys.public_key]),
  maxJobAgeS: 3600,
  clockSkewS: 60,
};

function unsigned(extra: Partial<Flow> = {}): Flow {
  return {
    id: "diamond",
    caller_id: "alice",
    context_id: "ctx",
    failure_policy: "fail_fast",
    created_at: new Date(NOW - 60_000).toISOString(),
    nodes: [
      { id: "a", runner: "sal", payload: "1", depends_on: [] },
      { id: "b", runner: "osiris", payload: "2", depends_on: ["a"], max_attempts: 2 },
      { id: "c", runner: "hero", payload: "!!x", depends_on: ["a"] },
      { id: "d", runner: "sal", payload: "4", depends_on: ["b", "c"], timeout: 5 },
    ],
    signatures: [],
    ...extra,
  };
}

/** The hash a node job is stored as (what TAKE hands the runner). */
function hashOf(flow: Flow, nodeId: string): Record<string, string> {
  return { ...jobToHash(nodeJob(flow, nodeId)), ...nodeFields(JSON.stringify(flow), nodeId) };
}

const at = new Date(NOW);

describe("a flow's schema and graph", () => {
  test("a valid flow parses, with defaults for the policy and dependencies", () => {
    const { failure_policy: _f, ...raw } = unsigned();
    const flow = parseFlow({ ...raw, nodes: [{ id: "x", runner: "sal", payload: "1" }] });
    expect(flow.failure_policy).toBe("fail_fast");
    expect(flow.nodes[0]?.depends_on).toEqual([]);
  });

  test.each([
    [
      "duplicate ids",
      [
        { id: "a", runner: "r", payload: "", depends_on: [] },
        { id: "a", runner: "r", payload: "", depends_on: [] },
      ],
      'node id "a" is used more than once',
    ],
    [
      "unknown dependency",
      [{ id: "a", runner: "r", payload: "", depends_on: ["ghost"] }],
      'node "a" depends on unknown node "ghost"',
    ],
    [
      "a cycle",
      [
        { id: "a", runner: "r", payload: "", depends_on: ["c"] },
        { id: "b", runner: "r", payload: "", depends_on: ["a"] },
        { id: "c", runner: "r", payload: "", depends_on: ["b"] },
      ],
      "nodes form a cycle: a -> c -> b -> a",
    ],
    [
      "a self-loop",
      [{ id: "a", runner: "r", payload: "", depends_on: ["a"] }],
      'node "a" depends on itself',
    ],
  ])("%s is refused, naming the nodes", (_what, nodes, message) => {
    expect(() => parseFlow(unsigned({ nodes }))).toThrow(message);
    expect(() => signFlow(unsigned({ nodes }), keys.private_key)).toThrow(InvalidFlowError);
  });

  test("limits: 100 nodes at most, PARENTS is the runner's to set", () => {
    const many = Array.from({ length: 101 }, (_, i) => ({
      id: `n${i}`,
      runner: "r",
      payload: "",
      depends_on: [],
    }));
    expect(() => parseFlow(unsigned({ nodes: many }))).toThrow("has more than 100 nodes");
    const env = [{ id: "a", runner: "r", payload: "", depends_on: [], env_vars: { PARENTS: "" } }];
    expect(() => parseFlow(unsigned({ nodes: env }))).toThrow("may not set PARENTS");
  });
});

describe("signed bytes and node jobs", () => {
  test("the domain-separated bytes cover everything but the signatures", () => {
    const flow = signFlow(unsigned(), keys.private_key);
    const { signatures: _s, ...body } = flow;
    expect(Buffer.from(flowBytes(flow)).toString()).toBe(`horus-flow-v1\n${canonicalJson(body)}`);
  });

  test("a node's job is deterministic, valid, and fits the job id pattern", () => {
    const flow = signFlow(unsigned(), keys.private_key);
    const job = nodeJob(flow, "b");
    expect(job).toEqual(nodeJob(flow, "b"));
    expect(job.id).toBe(nodeJobId("diamond", "b"));
    expect(job.max_attempts).toBe(2);
    expect(job.created_at).toBe(flow.created_at);
    expect(parseJob(job).id).toBe("flow:diamond:b");
    expect(nodeJobId("x".repeat(64), "y".repeat(48)).length).toBeLessThanOrEqual(128);
  });
});

describe("checkNode", () => {
  const flow = signFlow(unsigned(), keys.private_key);

  test("an authorised node is rebuilt from the flow, the hash's job fields ignored", () => {
    const hash = { ...hashOf(flow, "a"), payload: "evil()", env_vars: '{"X":"1"}' };
    const verdict = checkNode(hash, policy, at);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.job.payload).toBe("1");
    expect(verdict.job.env_vars).toEqual({});
    expect(verdict.signatories).toEqual([keys.public_key]);
  });

  test("a payload edited in the stored flow is unauthorized", () => {
    const edited = { ...flow, nodes: flow.nodes.map((n) => ({ ...n, payload: "evil()" })) };
    const verdict = checkNode(hashOf(edited, "a"), policy, at);
    expect(verdict).toMatchObject({ ok: false, kind: "unauthorized" });
  });

  test("a node added to the flow is unauthorized", () => {
    const extra = { id: "e", runner: "sal", payload: "evil()", depends_on: [] };
    const added = { ...flow, nodes: [...flow.nodes, extra] };
    expect(checkNode(hashOf(added, "e"), policy, at)).toMatchObject({
      ok: false,
      kind: "unauthorized",
    });
  });

  test("a node the flow lacks, or an id not the node's, is unauthorized", () => {
    const ghost = { ...hashOf(flow, "a"), node: "ghost" };
    expect(checkNode(ghost, policy, at)).toMatchObject({ ok: false, kind: "unauthorized" });
    const renamed = { ...hashOf(flow, "a"), id: "flow:diamond:a2" };
    expect(checkNode(renamed, policy, at)).toMatchObject({ ok: false, kind: "unauthorized" });
  });

  test("an untrusted signer, another runner, or an old flow is refused", () => {
    const foreign = signFlow(unsigned(), stranger.private_key);
    expect(checkNode(hashOf(foreign, "a"), policy, at)).toMatchObject({
      ok: false,
      kind: "unauthorized",
    });
    expect(checkNode(hashOf(flow, "b"), policy, at)).toMatchObject({
      ok: false,
      kind: "invalid_job",
    });
    const late = new Date(NOW + 2 * 3600_000);
    expect(checkNode(hashOf(flow, "a"), policy, late)).toMatchObject({
      ok: false,
      message: expect.stringContaining("flow is too old"),
    });
  });
});

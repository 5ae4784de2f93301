// A flow's window (flowWindow, through checkNode and checkFlow), at its edges: without an
// expires_at a node must start within --max-job-age of the flow's created_at; with one, until
// expires_at, which may lie at most --max-flow-age after created_at. Also: a flow node's dead
// letter is not signed again (retryRefusal), and the message that names a flow's nodes for
// runner ids nobody serves.
import { describe, expect, test } from "vitest";
import {
  checkFlow,
  checkNode,
  DEFAULT_MAX_FLOW_AGE_S,
  type Flow,
  flowWindow,
  generateKeyPair,
  jobToHash,
  nodeFields,
  nodeJob,
  nodeOfJobId,
  parseFlow,
  retryRefusal,
  signFlow,
  signJob,
  unknownRunnersMessage,
} from "../../src/job/index.js";

const keys = generateKeyPair();
const CREATED = Date.parse("2026-03-02T10:00:00.000Z");
const policy = {
  runnerId: "sal",
  trustedKeys: new Set([keys.public_key]),
  maxJobAgeS: 3600,
  maxFlowAgeS: 7200,
  clockSkewS: 60,
};

function flowWith(extra: Partial<Flow> = {}): Flow {
  return signFlow(
    {
      id: "long",
      caller_id: "",
      context_id: "",
      failure_policy: "fail_fast",
      created_at: new Date(CREATED).toISOString(),
      nodes: [
        { id: "a", runner: "sal", payload: "1", depends_on: [] },
        { id: "b", runner: "sal", payload: "2", depends_on: ["a"] },
        { id: "c", runner: "hero", payload: "3", depends_on: ["a"] },
      ],
      signatures: [],
      ...extra,
    },
    keys.private_key,
  );
}

const hashOf = (flow: Flow, node: string) => ({
  ...jobToHash(nodeJob(flow, node)),
  ...nodeFields(JSON.stringify(flow), node),
});
const iso = (ms: number) => new Date(ms).toISOString();
const at = (ms: number) => new Date(CREATED + ms);

describe("without expires_at: --max-job-age from created_at", () => {
  const flow = flowWith();

  test("accepted at exactly --max-job-age, refused a millisecond after, naming expires_at", () => {
    expect(checkNode(hashOf(flow, "b"), policy, at(3600_000))).toMatchObject({
      ok: true,
      endMs: CREATED + 3600_000,
    });
    const late = checkNode(hashOf(flow, "b"), policy, at(3600_001));
    expect(late).toMatchObject({ ok: false, kind: "invalid_job" });
    expect(late.ok ? "" : late.message).toMatch(/too old.*--max-job-age.*expires_at/);
  });

  test("a created_at further ahead than the clock skew is refused", () => {
    expect(checkNode(hashOf(flow, "a"), policy, at(-60_000)).ok).toBe(true);
    expect(checkNode(hashOf(flow, "a"), policy, at(-61_000))).toMatchObject({
      ok: false,
      message: expect.stringContaining("from the future"),
    });
  });
});

describe("with expires_at: until then, within --max-flow-age", () => {
  test("a node runs past --max-job-age until expires_at, and not a millisecond after", () => {
    const flow = flowWith({ expires_at: iso(CREATED + 5400_000) });
    expect(checkNode(hashOf(flow, "b"), policy, at(5400_000))).toMatchObject({
      ok: true,
      endMs: CREATED + 5400_000,
    });
    expect(checkNode(hashOf(flow, "b"), policy, at(5400_001))).toMatchObject({
      ok: false,
      kind: "invalid_job",
      message: expect.stringContaining("flow has expired"),
    });
  });

  test("expires_at exactly --max-flow-age after created_at is accepted, a second more is not", () => {
    const edge = flowWith({ expires_at: iso(CREATED + 7200_000) });
    expect(checkNode(hashOf(edge, "a"), policy, at(0)).ok).toBe(true);
    const over = flowWith({ expires_at: iso(CREATED + 7201_000) });
    // Refused at once, even while it would still be young: the window is too long to guard.
    expect(checkNode(hashOf(over, "a"), policy, at(0))).toMatchObject({
      ok: false,
      kind: "invalid_job",
      message: expect.stringContaining("more than the limit of 7200 s (--max-flow-age)"),
    });
  });

  test("without --max-flow-age set, a day is the limit", () => {
    const { maxFlowAgeS: _m, ...defaults } = policy;
    expect(DEFAULT_MAX_FLOW_AGE_S).toBe(86_400);
    const day = flowWith({ expires_at: iso(CREATED + 86_400_000) });
    expect(flowWindow(day, defaults, CREATED).ok).toBe(true);
    const more = flowWith({ expires_at: iso(CREATED + 86_401_000) });
    expect(flowWindow(more, defaults, CREATED).ok).toBe(false);
  });

  test("expires_at is signed: moved later in Redis, the flow is unauthorized", () => {
    const flow = flowWith({ expires_at: iso(CREATED + 1800_000) });
    const moved = { ...flow, expires_at: iso(CREATED + 7200_000) };
    expect(checkNode(hashOf(moved, "a"), policy, at(3000_000))).toMatchObject({
      ok: false,
      kind: "unauthorized",
    });
    expect(checkFlow(moved, policy, at(0))).toMatchObject({ ok: false, kind: "unauthorized" });
  });

  test("expires_at must lie after created_at", () => {
    const base = flowWith();
    expect(() => parseFlow({ ...base, expires_at: base.created_at })).toThrow(
      /expires_at: must lie after created_at/,
    );
    expect(() => parseFlow({ ...base, expires_at: "tomorrow" })).toThrow(/expires_at/);
  });
});

describe("a flow node among the dead letters", () => {
  test("its job is not signed again: the refusal names the flow and the node", () => {
    const flow = flowWith();
    const job = nodeJob(flow, "b");
    expect(nodeOfJobId(job.id)).toEqual({ flow: "long", node: "b" });
    expect(retryRefusal(job)).toMatch(
      /^job flow:long:b is node "b" of flow "long": its flow's signature authorises it.*horus flow run/,
    );
    // A job of its own under such an id, signed, is retried as any job.
    expect(retryRefusal(signJob({ ...job }, keys.private_key))).toBeUndefined();
    expect(nodeOfJobId("flow:a:b:c")).toBeUndefined();
  });
});

describe("nodes for runner ids nobody serves", () => {
  test("the message names each node by its runner id, and how to go on", () => {
    const flow = flowWith();
    expect(unknownRunnersMessage(flow, [], "x")).toBeUndefined();
    expect(unknownRunnersMessage(flow, ["sal", "hero"], "pass --no-runner-check")).toBe(
      'flow long: node "c" for runner "hero"; nodes "a", "b" for runner "sal": no live instance serves those runner ids and none is registered; start the runners first, or pass --no-runner-check',
    );
  });
});

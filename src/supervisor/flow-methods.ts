// The flow.* methods (docs/flows.md): a flow arrives signed by the client and is verified
// here by the code runners judge its nodes by (checkFlow); the supervisor never signs. A
// user key reaches only the flows it stored, and their node jobs (the key is recorded on
// both); admin reaches all. A flow another key stored reads as missing.
import { unknownRunnersMessage } from "../job/index.js";
import { FlowExistsError, type FlowRecord, FlowStore } from "../protocol/index.js";
import type { Caller } from "./auth.js";
import {
  type CallContext,
  type ConnectionState,
  callerOf,
  JOBS,
  type MethodSpec,
  type Services,
} from "./context.js";
import { RPC_ERRORS, RpcError } from "./errors.js";
import { mayAccess } from "./job-access.js";
import type { FlowMethodName } from "./schemas.js";
import { verifyFlowOrThrow } from "./verify.js";

/** How many flow ids flow.list looks at for a user key at most (the index's newest). */
const LIST_WALK_MAX = 10_000;
/** The index is walked for a user key's flows this many ids at a time. */
const LIST_WALK_STEP = 500;

function flowsOf(s: Services): FlowStore {
  return new FlowStore(s.jobs.redis, s.jobs);
}

function notFound(id: string): RpcError {
  return new RpcError(RPC_ERRORS.flowNotFound, `no flow with id ${id}`);
}

/** The flow's record (with its nodes' job records unless `jobs` is false), if `caller` may see it. */
async function flowFor(
  s: Services,
  caller: Caller | undefined,
  id: string,
  jobs = true,
): Promise<FlowRecord | undefined> {
  const record = await flowsOf(s).status(id, jobs);
  if (record === undefined || !mayAccess(caller, record.submitted_by)) return undefined;
  return record;
}

async function requireFlow(ctx: CallContext, id: string, jobs = true): Promise<FlowRecord> {
  const record = await flowFor(ctx.services, ctx.caller, id, jobs);
  if (record === undefined) throw notFound(id);
  return record;
}

export const FLOW_METHODS: { [M in FlowMethodName]: MethodSpec<M> } = {
  "flow.create": {
    summary:
      "Verifies and stores a flow signed by the client, not yet started (see flow.start); refuses nodes for runner ids nobody serves unless check_runners is false",
    access: JOBS,
    async handle(p, ctx) {
      const flow = verifyFlowOrThrow(p.flow);
      const flows = flowsOf(ctx.services);
      if (p.check_runners) {
        const unknown = await flows.unknownRunners(flow.nodes.map((n) => n.runner));
        const message = unknownRunnersMessage(flow, unknown, "give check_runners: false");
        if (message !== undefined)
          throw new RpcError(RPC_ERRORS.runnerNotRegistered, message, {
            runners: unknown,
            nodes: flow.nodes.filter((n) => unknown.includes(n.runner)).map((n) => n.id),
          });
      }
      const caller = callerOf(ctx);
      try {
        await flows.create(flow, { id: caller.keyId, name: caller.name });
      } catch (e) {
        if (e instanceof FlowExistsError) throw new RpcError(RPC_ERRORS.flowExists, e.message);
        throw e;
      }
      return { flow_id: flow.id, nodes: flow.nodes.length };
    },
  },

  "flow.start": {
    summary: "Starts a flow stored with flow.create: its root nodes are queued",
    access: JOBS,
    async handle(p, ctx) {
      const record = await requireFlow(ctx, p.flow_id, false);
      if (record.status !== "created")
        throw new RpcError(RPC_ERRORS.flowState, `flow ${p.flow_id} was started already`);
      const status = await flowsOf(ctx.services).start(p.flow_id);
      if (status === "missing") throw notFound(p.flow_id);
      return { flow_id: p.flow_id, status };
    },
  },

  "flow.status": {
    summary:
      "A flow's status, its nodes' states and each queued node's job record (status, times, result)",
    access: JOBS,
    handle: (p, ctx) => requireFlow(ctx, p.flow_id),
  },

  "flow.cancel": {
    summary:
      "Cancels a flow: nodes not yet queued at once, queued and running ones as jobs; it ends in error",
    access: JOBS,
    async handle(p, ctx) {
      await requireFlow(ctx, p.flow_id, false);
      if (!(await flowsOf(ctx.services).cancel(p.flow_id)))
        throw new RpcError(RPC_ERRORS.flowState, `flow ${p.flow_id} has ended already`);
      return { cancelled: true };
    },
  },

  "flow.list": {
    summary:
      "The namespace's flows, newest first, with their nodes' states (a user key: those it stored), paged",
    access: JOBS,
    async handle(p, ctx) {
      const flows = flowsOf(ctx.services);
      const want = p.offset + p.limit + 1;
      let mine: string[];
      if (ctx.caller?.scope === "admin") {
        // Admin reaches every flow: one page of the index.
        mine = await flows.list(want);
      } else {
        // A user key walks the index, newest first, for its own, until the page is full.
        mine = [];
        for (let at = 0; at < LIST_WALK_MAX && mine.length < want; at += LIST_WALK_STEP) {
          const ids = await flows.list(Math.min(LIST_WALK_STEP, LIST_WALK_MAX - at), at);
          const owners = await flows.owners(ids);
          mine.push(...ids.filter((_, i) => mayAccess(ctx.caller, owners[i])));
          if (ids.length < LIST_WALK_STEP) break;
        }
      }
      const page = mine.slice(p.offset, p.offset + p.limit);
      const records = await Promise.all(page.map((id) => flows.status(id, false)));
      return {
        flows: records.filter((r): r is FlowRecord => r !== undefined),
        offset: p.offset,
        limit: p.limit,
        has_more: mine.length > p.offset + p.limit,
      };
    },
  },

  "flow.subscribe": {
    summary:
      "WebSocket only: sends flow.event notifications (the flow's status, each node's state, then end) for the flow",
    access: JOBS,
    websocketOnly: true,
    async handle(p, ctx) {
      await requireFlow(ctx, p.flow_id, false);
      // websocketOnly guarantees a connection.
      ctx.services.flowEvents.subscribe(p.flow_id, (ctx.connection as ConnectionState).flowSink);
      return { subscribed: true, flow_id: p.flow_id };
    },
  },

  "flow.unsubscribe": {
    summary: "WebSocket only: stops the flow.event notifications of a flow",
    access: JOBS,
    websocketOnly: true,
    async handle(p, ctx) {
      const sink = (ctx.connection as ConnectionState).flowSink;
      return { unsubscribed: ctx.services.flowEvents.unsubscribe(p.flow_id, sink) };
    },
  },
};

// Flow events for WebSocket subscribers (flow.subscribe): the flow's status and each node's
// state as they change, then one `end` event with the final record. The scripts append a
// flow's transitions (flow_created, flow_started, flow_finished...) and its node jobs' (ids
// `flow:<flow>:<node>`) to the namespace's event stream; a subscribed flow is read again the
// moment the stream names it or one of its nodes, and every couple of seconds besides (what
// a reconnect made the stream reader miss).
import { nodeOfJobId } from "../job/index.js";
import type { FlowRecord, FlowStatus, JobStore } from "../protocol/index.js";
import { StreamFollower } from "./events.js";
import { type CheckState, checkOneAtATime } from "./one-check.js";
import type { FlowEvent } from "./schemas.js";

/** Reads a flow's record as a subscriber may see it (undefined: none, or not theirs). */
export type FlowReader = (id: string) => Promise<FlowRecord | undefined>;

export type FlowEventSink = (event: FlowEvent) => void;

interface Subscription extends CheckState {
  flowId: string;
  sink: FlowEventSink;
  status?: FlowStatus;
  /** Each node's last state sent, with its job's status (`queued/started`). */
  nodes: Map<string, string>;
}

/** How often subscribed flows are read besides when the stream names them. */
export const FLOW_POLL_MS = 2000;

const ENDED: ReadonlySet<string> = new Set(["finished", "error"]);

export class FlowEvents {
  private readonly subs = new Set<Subscription>();
  private timer: NodeJS.Timeout | undefined;
  private readonly stream: StreamFollower;

  constructor(
    store: JobStore,
    private readonly readRecord: FlowReader,
    private readonly pollMs = FLOW_POLL_MS,
  ) {
    this.stream = new StreamFollower(store, (events) => {
      const named = new Set<string>();
      for (const e of events) named.add(e.flow ?? nodeOfJobId(e.job)?.flow ?? "");
      for (const sub of this.subs) if (named.has(sub.flowId)) void this.check(sub);
    });
  }

  /** Sends the flow's state now (status, then every node), then each change to `sink`. */
  subscribe(flowId: string, sink: FlowEventSink): void {
    for (const s of this.subs) if (s.flowId === flowId && s.sink === sink) return;
    const sub: Subscription = { flowId, sink, nodes: new Map() };
    this.subs.add(sub);
    this.timer ??= setInterval(() => {
      for (const s of this.subs) void this.check(s);
    }, this.pollMs);
    this.stream.start();
    void this.check(sub);
  }

  unsubscribe(flowId: string, sink: FlowEventSink): boolean {
    for (const s of this.subs) {
      if (s.flowId === flowId && s.sink === sink) {
        this.subs.delete(s);
        this.stopWhenIdle();
        return true;
      }
    }
    return false;
  }

  /** Forgets every subscription of a sink (its connection closed). */
  dropSink(sink: FlowEventSink): void {
    for (const s of this.subs) if (s.sink === sink) this.subs.delete(s);
    this.stopWhenIdle();
  }

  close(): void {
    this.subs.clear();
    this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    if (this.subs.size > 0) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stream.stop();
  }

  /** One check of a subscription at a time: the stream and the timer may both ask. */
  private check(sub: Subscription): Promise<void> {
    return checkOneAtATime(
      sub,
      () => this.subs.has(sub),
      () => this.checkOnce(sub),
    );
  }

  private async checkOnce(sub: Subscription): Promise<void> {
    let record: FlowRecord | undefined;
    try {
      record = await this.readRecord(sub.flowId);
    } catch {
      return; // Redis away for a moment: the timer tries again.
    }
    if (!this.subs.has(sub)) return;
    const send = (e: FlowEvent) => {
      try {
        sub.sink(e);
      } catch {
        this.subs.delete(sub);
      }
    };
    if (record === undefined) {
      send({ flow_id: sub.flowId, type: "end", status: "missing" });
      this.subs.delete(sub);
      this.stopWhenIdle();
      return;
    }
    if (record.status !== sub.status) {
      sub.status = record.status;
      send({ flow_id: sub.flowId, type: "status", status: record.status });
    }
    for (const n of record.nodes) {
      const seen = `${n.state}/${n.job?.status ?? ""}`;
      if (sub.nodes.get(n.id) === seen) continue;
      sub.nodes.set(n.id, seen);
      send({
        flow_id: sub.flowId,
        type: "node",
        node: n.id,
        state: n.state,
        ...(n.job === undefined ? {} : { job_status: n.job.status }),
      });
    }
    if (ENDED.has(record.status)) {
      send({ flow_id: sub.flowId, type: "end", status: record.status, record });
      this.subs.delete(sub);
      this.stopWhenIdle();
    }
  }
}

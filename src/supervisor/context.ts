// What every method handler gets: the services the supervisor is made of, who calls, and
// the WebSocket connection the call came on. Apart from the method tables (methods.ts,
// flow-methods.ts) so both can use it.
import type { JobStore, SupervisorStore } from "../protocol/index.js";
import type { Authenticator, Caller, Scope } from "./auth.js";
import type { EventSink, JobEvents } from "./events.js";
import type { ActivityFeed, ActivitySink } from "./feed.js";
import type { FlowEventSink, FlowEvents } from "./flow-events.js";
import type { OverviewCache } from "./overview.js";
import type { MethodName, ParamsOf, ResultOf } from "./schemas.js";
import type { JobWaiter } from "./waiter.js";

export interface Services {
  jobs: JobStore;
  sup: SupervisorStore;
  auth: Authenticator;
  waiter: JobWaiter;
  events: JobEvents;
  flowEvents: FlowEvents;
  /** The namespace's activity, pushed (events.subscribe). */
  activity: ActivityFeed;
  /** stats.overview's reads, shared for a second. */
  overview: OverviewCache;
  /** The OpenRPC document (built once, from the schemas). */
  discover(): Record<string, unknown>;
}

/** A WebSocket connection's state: who authenticated on it, where its events go. */
export interface ConnectionState {
  caller?: Caller;
  sink: EventSink;
  flowSink: FlowEventSink;
  /** Where events.subscribe's notices go. */
  activity: ActivitySink;
}

export interface CallContext {
  services: Services;
  caller?: Caller;
  /** Whether the request carried a key (so "unknown key" and "no key" read differently). */
  keyGiven: boolean;
  connection?: ConnectionState;
}

/**
 * Who may call: "public" needs no key; "any" any valid key; a list of scopes; "self" the
 * method checks the key it is given itself (auth.verify).
 */
export type Access = "public" | "any" | "self" | readonly Scope[];

export interface MethodSpec<M extends MethodName> {
  summary: string;
  access: Access;
  /** Only over WebSocket (it sends notifications later). */
  websocketOnly?: boolean;
  handle(params: ParamsOf<M>, ctx: CallContext): Promise<ResultOf<M>>;
}

/** The scopes that reach jobs, flows and dead letters (a user key: its own). */
export const JOBS: readonly Scope[] = ["admin", "user"];

/** The caller of a method with JOBS access: rpc.ts has checked there is one. */
export function callerOf(ctx: CallContext): Caller {
  return ctx.caller as Caller;
}

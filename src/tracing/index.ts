// Tracing with OpenTelemetry, off unless configured by the standard variables
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED and
// OTEL_TRACES_EXPORTER=none turn it off again). Off, nothing but the tiny API is loaded and
// callers skip their spans (see `tracingOn`). A job carries its trace as the W3C
// `TRACEPARENT` env var, which is signed with the job: a trace joins client and runner, and a
// Redis writer cannot graft a job onto someone else's trace.
import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

/**
 * One call a job's script makes to its host: a main-side host function (SAL, Osiris) or a
 * heroscript action. Every field is a name from the code (a declared function, a registered
 * action): a bounded set, never an argument.
 */
export interface HostCall {
  readonly kind: "function" | "action";
  /** The host module (`os`, `redis`, `osiris`) or the action's namespace (`file`, `redis`). */
  readonly module: string;
  /** The function's Rhai name (`file_write`) or the action's (`write`). */
  readonly function: string;
  /** What a dispatcher behind handle methods was asked to do (`servers_list`), when known. */
  readonly operation?: string;
}

/**
 * Runs one host call of a job in a span of its own. Made per job by `hostCallTracer`, and
 * only when tracing is on: without it, callers run the call as it is.
 */
export type HostCallTracer = <T>(call: HostCall, run: () => T | Promise<T>) => Promise<T>;

let enabled = false;
let shutdown: (() => Promise<void>) | undefined;

/** Whether the environment asks for traces to be exported. */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** True once startTracing has set up an exporter: spans are worth making. */
export function tracingOn(): boolean {
  return enabled;
}

/**
 * Sets up the SDK (OTLP over HTTP, batched) when the environment asks for it; a no-op
 * otherwise. The SDK is imported only then: it costs tens of milliseconds to load.
 */
export async function startTracing(serviceName: string): Promise<void> {
  if (enabled || !tracingConfigured()) return;
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, sdk, otlp, res] =
    await Promise.all([
      import("@opentelemetry/context-async-hooks"),
      import("@opentelemetry/core"),
      import("@opentelemetry/sdk-trace"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
  const provider = new sdk.TracerProvider({
    resource: res.resourceFromAttributes({
      "service.name": process.env.OTEL_SERVICE_NAME ?? serviceName,
    }),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter: new otlp.OTLPTraceExporter(),
        // The standard variable, read here in case the SDK does not.
        ...(Number(process.env.OTEL_BSP_SCHEDULE_DELAY) > 0
          ? { scheduledDelayMillis: Number(process.env.OTEL_BSP_SCHEDULE_DELAY) }
          : {}),
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  enabled = true;
  shutdown = () => provider.shutdown();
}

/** Sends what is left and stops (before the process exits). */
export async function stopTracing(): Promise<void> {
  const stop = shutdown;
  shutdown = undefined;
  enabled = false;
  await stop?.().catch(() => {});
}

/** The active span's W3C traceparent, to carry in a job. */
export function currentTraceparent(): string | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a traceparent names (the active one when there is none). */
export function contextFrom(traceparent: string | undefined): Context {
  if (traceparent === undefined) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

/**
 * Runs `fn` in a span named `name` (a child of `parent`, else of the active span), ending it
 * when `fn` settles and marking it failed when `fn` throws. Without tracing, just runs `fn`.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span | undefined) => Promise<T>,
  parent?: Context,
): Promise<T> {
  if (!enabled) return fn(undefined);
  const tracer = trace.getTracer("horus");
  return tracer.startActiveSpan(name, { attributes }, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      span.end();
    }
  });
}

/**
 * A tracer of the host calls of the job whose span is active now (the runner's
 * `job.execute`), or undefined when tracing is off: the host-call path then stays as it is.
 *
 * The job's context is captured here, because where host calls are served it is lost: a
 * sandbox worker's bridged calls arrive as the worker's messages, in the context the worker
 * was started in (any job's, or none). A call nests under another host call of the same
 * job that is active (a heroscript action's SAL call), and under the job's span otherwise.
 *
 * A span's attributes are the call's names only; a failure sets its status to error and
 * `error.type` (the error's kind or class), not the message, which may quote arguments.
 */
export function hostCallTracer(): HostCallTracer | undefined {
  if (!enabled) return undefined;
  const jobContext = context.active();
  const tracer = trace.getTracer("horus");
  const open = new Set<Span>();
  return async (call, run) => {
    const active = trace.getSpan(context.active());
    const parent = active !== undefined && open.has(active) ? context.active() : jobContext;
    const attributes: Attributes = {
      "horus.host.kind": call.kind,
      "horus.host.module": call.module,
      "horus.host.function": call.function,
    };
    if (call.operation !== undefined) attributes["horus.host.operation"] = call.operation;
    const prefix = call.kind === "action" ? "heroscript" : "host";
    const span = tracer.startSpan(
      `${prefix} ${call.module}.${call.function}`,
      { attributes },
      parent,
    );
    open.add(span);
    try {
      return await context.with(trace.setSpan(parent, span), run);
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute("error.type", errorType(e));
      throw e;
    } finally {
      open.delete(span);
      span.end();
    }
  };
}

/** A failure's low-cardinality type: its error kind (`unauthorized`) or its class's name. */
function errorType(e: unknown): string {
  const kind = (e as { errorKind?: unknown } | null)?.errorKind;
  if (typeof kind === "string") return kind;
  return e instanceof Error ? e.name : typeof e;
}

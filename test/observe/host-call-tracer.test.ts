// hostCallTracer in one process: what parents a host call's span. A tracer is made in a
// job's execute span and keeps it: calls served where that context is lost (a sandbox
// worker's messages arrive in whatever context the worker was started in) or where another
// job's span is active still land under their own job; a call inside another host call of
// the same job (a heroscript action's SAL call) nests in it. Spans go to an OTLP receiver.
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  type HostCallTracer,
  hostCallTracer,
  inSpan,
  startTracing,
  stopTracing,
} from "../../src/tracing/index.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../helpers/otlp.js";
import { until } from "../helpers/until.js";

let otlp: OtlpReceiver;
const saved = { ...process.env };

beforeAll(async () => {
  otlp = await startOtlpReceiver();
});
afterAll(async () => {
  await stopTracing();
  process.env = saved;
  await otlp.close();
});

test("host-call spans: under their job's span, nested in a call of the same job, errors typed", async () => {
  expect(hostCallTracer(), "tracing off: no tracer, nothing to do").toBeUndefined();
  Object.assign(process.env, otlp.env, { OTEL_SERVICE_NAME: "unit" });
  await startTracing("unit");

  let tracer: HostCallTracer | undefined;
  await inSpan("job.execute", {}, async () => {
    tracer = hostCallTracer();
  });
  const traced = tracer as HostCallTracer;
  // Outside any span, as a worker's message is served.
  await traced({ kind: "function", module: "os", function: "file_read" }, () => "x");
  // While another job's span is active.
  await inSpan("another job", {}, () =>
    traced({ kind: "function", module: "os", function: "file_write" }, async () => undefined),
  );
  // An action whose SAL call nests in it.
  await traced({ kind: "action", module: "redis", function: "get" }, () =>
    traced({ kind: "function", module: "redis", function: "redis_get" }, async () => "v"),
  );
  // A failure with an error kind, and one without.
  const unauthorized = Object.assign(new Error("key abc lacks the read right"), {
    errorKind: "unauthorized",
  });
  await expect(
    traced({ kind: "function", module: "osiris", function: "osiris_get" }, async () => {
      throw unauthorized;
    }),
  ).rejects.toBe(unauthorized);
  await expect(
    traced({ kind: "function", module: "net", function: "http_get", operation: "x" }, () => {
      throw new TypeError("bad");
    }),
  ).rejects.toThrow("bad");
  await stopTracing();

  const byName = (name: string) =>
    until(() => otlp.spans.find((s) => s.name === name), { what: name });
  const execute = await byName("job.execute");
  const parentOf = async (name: string): Promise<ReceivedSpan | undefined> => {
    const span = await byName(name);
    return otlp.spans.find((s) => s.spanId === span.parentSpanId);
  };
  for (const name of [
    "host os.file_read",
    "host os.file_write",
    "heroscript redis.get",
    "host osiris.osiris_get",
    "host net.http_get",
  ])
    expect((await parentOf(name))?.spanId, name).toBe(execute.spanId);
  expect((await parentOf("host redis.redis_get"))?.name).toBe("heroscript redis.get");

  const denied = await byName("host osiris.osiris_get");
  expect(denied.statusCode).toBe(2);
  expect(denied.statusMessage).toBeUndefined();
  expect(denied.attributes["error.type"]).toBe("unauthorized");
  const thrown = await byName("host net.http_get");
  expect(thrown.attributes).toEqual({
    "horus.host.kind": "function",
    "horus.host.module": "net",
    "horus.host.function": "http_get",
    "horus.host.operation": "x",
    "error.type": "TypeError",
  });
  const ok = await byName("host os.file_read");
  expect(ok.statusCode).toBe(0);
  expect(ok.attributes["error.type"]).toBeUndefined();
});

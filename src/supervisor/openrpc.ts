// The OpenRPC document rpc.discover returns, generated from the same zod schemas the server
// validates params with (schemas.ts) and from the method table (methods.ts).
import { z } from "zod";
import { RPC_ERRORS } from "./errors.js";
import { METHODS } from "./methods.js";
import { activityNotice, flowEvent, jobEvent, type MethodName, SCHEMAS } from "./schemas.js";

export const OPENRPC_VERSION = "1.3.2";

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(schema, {
    target: "draft-7",
    io,
    unrepresentable: "any",
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

function accessWords(name: MethodName): string[] {
  const access = METHODS[name].access;
  if (access === "public") return [];
  if (access === "any" || access === "self") return ["admin", "registrar", "user"];
  return [...access];
}

function describeMethod(name: MethodName): Record<string, unknown> {
  const spec = METHODS[name];
  const params = toSchema(SCHEMAS[name].params, "input");
  const properties = (params.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((params.required ?? []) as string[]);
  return {
    name,
    summary: spec.summary,
    paramStructure: "by-name",
    params: Object.entries(properties).map(([param, schema]) => ({
      name: param,
      required: required.has(param),
      schema,
    })),
    result: { name: "result", schema: toSchema(SCHEMAS[name].result, "output") },
    // Extensions: which key scopes may call it, and whether it needs a WebSocket.
    "x-scopes": accessWords(name),
    "x-authentication": spec.access === "public" ? "none" : "bearer",
    ...(spec.websocketOnly ? { "x-transport": "websocket" } : {}),
  };
}

export function openRpcDocument(version: string, serverUrl?: string): Record<string, unknown> {
  const names = Object.keys(SCHEMAS) as MethodName[];
  return {
    openrpc: OPENRPC_VERSION,
    info: {
      title: "Horus supervisor",
      version,
      description:
        'JSON-RPC 2.0 over HTTP POST and WebSocket. Every method but rpc.discover needs "Authorization: Bearer <key>". Errors: ' +
        Object.entries(RPC_ERRORS)
          .map(([word, code]) => `${code} ${word}`)
          .join(", "),
    },
    ...(serverUrl ? { servers: [{ name: "this supervisor", url: serverUrl }] } : {}),
    methods: names.map(describeMethod),
    components: {
      schemas: {
        JobEvent: toSchema(jobEvent, "output"),
        ActivityNotice: toSchema(activityNotice, "output"),
        FlowEvent: toSchema(flowEvent, "output"),
      },
    },
  };
}

// JSON-RPC 2.0 dispatch, the same for HTTP and WebSocket: checks the request's shape, the
// caller's key and scope, validates params against the method's schema, runs the method
// and turns every failure into an error object with a code and a readable message.
import type { z } from "zod";
import { InvalidJobError } from "../job/index.js";
import { RedisOutOfMemoryError } from "../protocol/index.js";
import { coerceError } from "../util/index.js";
import type { Caller } from "./auth.js";
import type { CallContext, ConnectionState, Services } from "./context.js";
import { RPC_ERRORS, RpcError } from "./errors.js";
import { METHODS } from "./methods.js";
import { type MethodName, SCHEMAS } from "./schemas.js";

type Id = string | number | null;

/**
 * Most calls one batch may hold. Each call costs the event loop work and memory whatever it
 * asks; one request of 30,000 calls once held the supervisor for 9 s. A client with more
 * to ask sends more batches.
 */
export const MAX_BATCH_CALLS = 50;

/**
 * Most bytes of answers one batch gets back. Answers that would pass it are replaced by an
 * error asking for that call on its own, so fifty large answers cannot pile up in one reply.
 */
export const MAX_BATCH_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface RpcResponse {
  jsonrpc: "2.0";
  id: Id;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** How a request arrived: the key it carried (HTTP header) or its connection (WebSocket). */
export interface Transport {
  /** Resolves the caller of a bearer key given with the request, if any. */
  caller(): Promise<Caller | undefined>;
  /** Whether a key was presented at all (to tell "no key" from "unknown key"). */
  hasKey: boolean;
  connection?: ConnectionState;
}

/** Receives unexpected failures (bugs, Redis away) for the log. */
export type InternalErrorSink = (method: string, error: unknown) => void;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "params"}: ${issue.message}`)
    .join("; ");
}

function errorResponse(id: Id, e: RpcError): RpcResponse {
  return {
    jsonrpc: "2.0",
    id,
    error: { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) },
  };
}

/** The method a call names, for messages (it may not be a valid call at all). */
function methodOf(call: unknown): string {
  const method = (call as { method?: unknown } | null)?.method;
  return typeof method === "string" ? `"${method.slice(0, 100)}"` : "it";
}

function isMethod(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}

/** Told of every answered call (metrics): a known method name or "unknown", the outcome. */
export type CallObserver = (method: string, outcome: string, seconds: number) => void;

/** The name of an RPC error code, for a metric's bounded label. */
function outcomeOf(e: unknown): string {
  const code = e instanceof RpcError ? e.code : undefined;
  const name = Object.entries(RPC_ERRORS).find(([, c]) => c === code)?.[0];
  return name ?? "internal";
}

export class RpcDispatcher {
  constructor(
    private readonly services: Services,
    private readonly onInternalError: InternalErrorSink = () => {},
    private readonly observe: CallObserver = () => {},
  ) {}

  /**
   * Answers a parsed request body (one request or a batch) as JSON text. Undefined when
   * nothing is to be sent back (only notifications).
   */
  async handle(body: unknown, transport: Transport): Promise<string | undefined> {
    if (!Array.isArray(body)) {
      const answer = await this.handleOne(body, transport);
      return answer === undefined ? undefined : JSON.stringify(answer);
    }
    const refusal = await this.refuseBatch(body, transport);
    if (refusal !== undefined) return JSON.stringify(errorResponse(null, refusal));
    let room = MAX_BATCH_RESPONSE_BYTES - 2; // the brackets
    const parts = await Promise.all(
      body.map(async (one) => {
        const answer = await this.handleOne(one, transport);
        if (answer === undefined) return undefined;
        let text = JSON.stringify(answer);
        // Counted as the answers come: what is over the limit is dropped at once, not held.
        if (Buffer.byteLength(text, "utf8") + 1 > room) {
          text = JSON.stringify(
            errorResponse(
              answer.id,
              new RpcError(
                RPC_ERRORS.responseTooLarge,
                `answer left out: this batch's answers passed ${MAX_BATCH_RESPONSE_BYTES / 1024 / 1024} MiB; call ${methodOf(one)} on its own`,
              ),
            ),
          );
        }
        room -= Buffer.byteLength(text, "utf8") + 1;
        return text;
      }),
    );
    const sent = parts.filter((t): t is string => t !== undefined);
    return sent.length > 0 ? `[${sent.join(",")}]` : undefined;
  }

  /**
   * Why a batch is not answered at all, or undefined: it is empty, holds more than
   * MAX_BATCH_CALLS calls, or comes without a valid key. Checked before any call runs, so
   * a refused batch costs one small answer.
   */
  private async refuseBatch(body: unknown[], transport: Transport): Promise<RpcError | undefined> {
    if (body.length === 0) return new RpcError(RPC_ERRORS.invalidRequest, "empty batch");
    if (body.length > MAX_BATCH_CALLS) {
      return new RpcError(
        RPC_ERRORS.invalidRequest,
        `a batch of ${body.length} calls; at most ${MAX_BATCH_CALLS} are answered: send fewer calls per batch`,
      );
    }
    let caller: Caller | undefined;
    try {
      caller = transport.connection?.caller ?? (await transport.caller());
    } catch (e) {
      return this.toRpcError("batch", e);
    }
    if (caller === undefined) {
      return new RpcError(
        RPC_ERRORS.unauthenticated,
        transport.hasKey
          ? "unknown API key: a batch is answered only with a valid API key"
          : 'a batch is answered only with an API key: send "Authorization: Bearer <key>" (or auth.verify {key} on a WebSocket), or send the calls one by one',
      );
    }
    return undefined;
  }

  /** Answers JSON text with JSON text; a parse failure is answered too. */
  async handleText(text: string, transport: Transport): Promise<string | undefined> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      return JSON.stringify(
        errorResponse(
          null,
          new RpcError(RPC_ERRORS.parseError, `request is not JSON: ${coerceError(e).message}`),
        ),
      );
    }
    return this.handle(body, transport);
  }

  private async handleOne(
    request: unknown,
    transport: Transport,
  ): Promise<RpcResponse | undefined> {
    if (request === null || typeof request !== "object" || Array.isArray(request)) {
      return errorResponse(
        null,
        new RpcError(RPC_ERRORS.invalidRequest, "a request must be a JSON object"),
      );
    }
    const req = request as Record<string, unknown>;
    const rawId = req.id;
    const idOk =
      rawId === undefined ||
      rawId === null ||
      typeof rawId === "string" ||
      typeof rawId === "number";
    const id: Id = idOk ? ((rawId as Id | undefined) ?? null) : null;
    const isNotification = !("id" in req);
    try {
      if (req.jsonrpc !== "2.0") {
        throw new RpcError(RPC_ERRORS.invalidRequest, 'jsonrpc must be "2.0"');
      }
      if (!idOk)
        throw new RpcError(RPC_ERRORS.invalidRequest, "id must be a string, a number or null");
      if (typeof req.method !== "string") {
        throw new RpcError(RPC_ERRORS.invalidRequest, "method must be a string");
      }
      const started = performance.now();
      const method = isMethod(req.method) ? req.method : "unknown";
      let result: unknown;
      try {
        result = await this.call(req.method, req.params, transport);
      } catch (e) {
        this.observe(method, outcomeOf(e), (performance.now() - started) / 1000);
        throw e;
      }
      this.observe(method, "ok", (performance.now() - started) / 1000);
      return isNotification ? undefined : { jsonrpc: "2.0", id, result };
    } catch (e) {
      if (isNotification) return undefined;
      return errorResponse(id, this.toRpcError(String(req.method), e));
    }
  }

  private async call(method: string, rawParams: unknown, transport: Transport): Promise<unknown> {
    if (!isMethod(method)) {
      throw new RpcError(RPC_ERRORS.methodNotFound, `no method "${method}" (see rpc.discover)`);
    }
    const spec = METHODS[method];
    if (
      rawParams !== undefined &&
      (rawParams === null || typeof rawParams !== "object" || Array.isArray(rawParams))
    ) {
      throw new RpcError(
        RPC_ERRORS.invalidParams,
        "params must be one object of named parameters (by-name)",
      );
    }
    const caller = await this.authorise(method, spec.access, transport);
    if (spec.websocketOnly && transport.connection === undefined) {
      throw new RpcError(
        RPC_ERRORS.needsWebSocket,
        `${method} sends events later, so it works only over WebSocket`,
      );
    }
    const parsed = SCHEMAS[method].params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      const jobOnly = parsed.error.issues.every((i) => i.path[0] === "job");
      if (jobOnly) {
        throw new RpcError(RPC_ERRORS.invalidJob, `invalid job: ${describeIssues(parsed.error)}`);
      }
      throw new RpcError(
        RPC_ERRORS.invalidParams,
        `invalid params: ${describeIssues(parsed.error)}`,
      );
    }
    const ctx: CallContext = {
      services: this.services,
      caller,
      keyGiven: transport.hasKey,
      connection: transport.connection,
    };
    // The table pairs each name with its own params type; TypeScript cannot follow the
    // correlation through the index, hence the widening here.
    const handle = spec.handle as (p: unknown, c: CallContext) => Promise<unknown>;
    return handle(parsed.data, ctx);
  }

  private async authorise(
    method: string,
    access: (typeof METHODS)[MethodName]["access"],
    transport: Transport,
  ): Promise<Caller | undefined> {
    if (access === "public") return undefined;
    const caller = transport.connection?.caller ?? (await transport.caller());
    if (access === "self") return caller;
    if (caller === undefined) {
      throw new RpcError(
        RPC_ERRORS.unauthenticated,
        transport.hasKey
          ? "unknown API key"
          : `${method} needs an API key: send "Authorization: Bearer <key>" (or auth.verify {key} on a WebSocket)`,
      );
    }
    if (access !== "any" && !access.includes(caller.scope)) {
      throw new RpcError(
        RPC_ERRORS.forbidden,
        `${method} needs scope ${access.join(" or ")}; this key has scope ${caller.scope}`,
      );
    }
    return caller;
  }

  private toRpcError(method: string, e: unknown): RpcError {
    if (e instanceof RpcError) return e;
    if (e instanceof InvalidJobError) return new RpcError(RPC_ERRORS.invalidJob, e.message);
    if (e instanceof RedisOutOfMemoryError)
      return new RpcError(RPC_ERRORS.redisOutOfMemory, e.message);
    this.onInternalError(method, e);
    return new RpcError(
      RPC_ERRORS.internal,
      `internal error in ${method}: ${coerceError(e).message}`,
    );
  }
}

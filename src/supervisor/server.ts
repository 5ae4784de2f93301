// One HTTP server on one port: JSON-RPC over POST, JSON-RPC over WebSocket (with job event
// notifications) and the console's static files.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Redis } from "ioredis";
import { type WebSocket, WebSocketServer } from "ws";
import {
  closeRedis,
  connectRedis,
  DEFAULT_REDIS_URL,
  FlowStore,
  JobStore,
  SupervisorStore,
  whenReady,
} from "../protocol/index.js";
import { Authenticator, type Caller } from "./auth.js";
import type { ConnectionState, Services } from "./context.js";
import { RPC_ERRORS } from "./errors.js";
import { JobEvents } from "./events.js";
import { ActivityFeed, type ActivityNotice } from "./feed.js";
import { FlowEvents } from "./flow-events.js";
import { readView } from "./job-access.js";
import { type SupervisorMetrics, supervisorMetrics } from "./metrics.js";
import { openRpcDocument } from "./openrpc.js";
import { OverviewCache, readOverview } from "./overview.js";
import { RpcDispatcher, type Transport } from "./rpc.js";
import type { FlowEvent, JobEvent } from "./schemas.js";
import { StaticFiles } from "./static-files.js";
import { JobWaiter } from "./waiter.js";

/** Largest request body: a job's payload may be 4 MiB, JSON escaping can double it. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface SupervisorOptions {
  redisUrl?: string;
  namespace?: string;
  /** 0 picks a free port. */
  port?: number;
  bind?: string;
  adminKey: string;
  version: string;
  /** Unexpected failures (bugs, Redis away), for the log. */
  onInternalError?: (method: string, error: unknown) => void;
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? (match[1] as string).trim() : header.trim();
}

class BodyTooLarge extends Error {}

/**
 * The request body, or BodyTooLarge past MAX_BODY_BYTES. Past the limit nothing more is
 * kept: the rest is read and thrown away, so the 413 reaches a client still sending
 * (destroying the socket at once left it with "connection reset" and no answer).
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        req.off("data", collect);
        req.resume();
        reject(new BodyTooLarge(`request body larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", collect);
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

export class Supervisor {
  private readonly redis: Redis;
  private readonly services: Services;
  private readonly dispatcher: RpcDispatcher;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly files = new StaticFiles();
  private readonly redisUrl: string;
  private readonly metrics: SupervisorMetrics;
  private closing = false;
  private url = "";

  private constructor(private readonly options: SupervisorOptions) {
    this.redisUrl = options.redisUrl ?? DEFAULT_REDIS_URL;
    // Not persistent: while Redis is away a request fails after a few retries with an
    // error the caller sees, instead of hanging until Redis returns.
    this.redis = connectRedis(this.redisUrl, { name: "horus:supervisor" });
    const jobs = new JobStore(this.redis, options.namespace ?? "");
    const sup = new SupervisorStore(jobs);
    let document: Record<string, unknown> | undefined;
    this.services = {
      jobs,
      sup,
      auth: new Authenticator(sup, options.adminKey),
      waiter: new JobWaiter(jobs, this.redisUrl),
      events: new JobEvents(jobs, async (id) => (await readView(jobs, sup, id))?.view),
      activity: new ActivityFeed(jobs),
      overview: new OverviewCache((q) => readOverview(this.redis, jobs, sup, q)),
      flowEvents: new FlowEvents(jobs, (id) => new FlowStore(this.redis, jobs).status(id)),
      discover: () => {
        document ??= openRpcDocument(options.version, this.url);
        return document;
      },
    };
    this.metrics = supervisorMetrics(this.redis, jobs, sup);
    this.dispatcher = new RpcDispatcher(this.services, options.onInternalError, (m, o, s) =>
      this.metrics.observeCall(m, o, s),
    );
    this.http = createServer((req, res) => void this.onRequest(req, res));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
    this.http.on("upgrade", (req, socket, head) => void this.onUpgrade(req, socket, head));
  }

  /** Connects to Redis, listens, and resolves once both are ready. */
  static async start(options: SupervisorOptions): Promise<Supervisor> {
    const sup = new Supervisor(options);
    try {
      await whenReady(sup.redis, sup.redisUrl);
      await new Promise<void>((resolve, reject) => {
        sup.http.once("error", reject);
        sup.http.listen(options.port ?? 3030, options.bind ?? "127.0.0.1", () => {
          sup.http.off("error", reject);
          resolve();
        });
      });
    } catch (e) {
      await sup.close();
      throw e;
    }
    const addr = sup.http.address() as AddressInfo;
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    sup.url = `http://${host}:${addr.port}`;
    return sup;
  }

  /** Base URL, e.g. http://127.0.0.1:3030 (JSON-RPC at `/`, WebSocket at `/ws`). */
  get baseUrl(): string {
    return this.url;
  }

  private httpTransport(req: IncomingMessage): Transport {
    const key = bearerOf(req);
    let resolved: Promise<Caller | undefined> | undefined;
    return {
      hasKey: key !== undefined,
      caller: () => {
        if (key === undefined) return Promise.resolve(undefined);
        resolved ??= this.services.auth.identify(key);
        return resolved;
      },
    };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    try {
      if (req.method === "POST" && (path === "/" || path === "/rpc")) {
        let text: string;
        try {
          text = await readBody(req);
        } catch (e) {
          if (!(e instanceof BodyTooLarge)) throw e;
          // The connection closes once the answer is out: the rest of the body is not waited for.
          res.writeHead(413, { "content-type": "text/plain", connection: "close" });
          res.end(`${e.message}\n`);
          return;
        }
        const answer = await this.dispatcher.handleText(text, this.httpTransport(req));
        if (answer === undefined) {
          res.writeHead(204).end();
          return;
        }
        send(res, 200, "application/json", answer);
        return;
      }
      if (req.method === "GET" || req.method === "HEAD") {
        if (await this.probe(path, req, res)) return;
        if (path === "/") {
          res.writeHead(302, { location: "/console/" }).end();
          return;
        }
        const file = await this.files.read(path);
        if (file) {
          send(res, 200, file.type, req.method === "HEAD" ? "" : file.body);
          return;
        }
        send(res, 404, "text/plain", `not found: ${path}\n`);
        return;
      }
      send(res, 405, "text/plain", "JSON-RPC takes POST; the console is at GET /console/\n");
    } catch (e) {
      this.options.onInternalError?.("http", e);
      if (!res.headersSent) send(res, 500, "text/plain", "internal error\n");
      else res.end();
    }
  }

  /**
   * /healthz (the process answers), /readyz (Redis reachable, not closing) and /metrics
   * (Prometheus text, key-free: it shows counts, never a job or a key). True if answered.
   */
  private async probe(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const body = (text: string) => (req.method === "HEAD" ? "" : text);
    if (path === "/healthz") {
      send(res, 200, "text/plain", body("ok\n"));
      return true;
    }
    if (path === "/readyz") {
      const reasons: string[] = [];
      if (this.redis.status !== "ready") reasons.push(`Redis ${this.redis.status}`);
      if (this.closing) reasons.push("closing");
      const ready = reasons.length === 0;
      send(
        res,
        ready ? 200 : 503,
        "application/json",
        body(`${JSON.stringify({ ready, reasons })}\n`),
      );
      return true;
    }
    if (path === "/metrics") {
      const text = await this.metrics.registry.metrics();
      send(res, 200, this.metrics.registry.contentType, body(text));
      return true;
    }
    return false;
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/ws" && path !== "/") {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    const key = bearerOf(req);
    let caller: Caller | undefined;
    if (key !== undefined) {
      caller = await this.services.auth.identify(key).catch(() => undefined);
      if (caller === undefined) {
        socket.end(
          "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\n\r\nunknown API key\n",
        );
        return;
      }
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, caller));
  }

  private onConnection(ws: WebSocket, caller: Caller | undefined): void {
    const notify = (method: string, params: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ jsonrpc: "2.0", method, params }));
    };
    const connection: ConnectionState = {
      caller,
      sink: (event: JobEvent) => notify("job.event", event),
      activity: (notice: ActivityNotice) => notify("events.activity", notice),
      flowSink: (event: FlowEvent) => notify("flow.event", event),
    };
    const transport: Transport = {
      hasKey: caller !== undefined,
      caller: async () => connection.caller,
      connection,
    };
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        ws.send(
          JSON.stringify({
            jsonrpc: "2.0",
            id: null,
            error: {
              code: RPC_ERRORS.parseError,
              message: "send JSON text frames, not binary ones",
            },
          }),
        );
        return;
      }
      void this.dispatcher.handleText(data.toString(), transport).then((answer) => {
        if (answer !== undefined && ws.readyState === ws.OPEN) ws.send(answer);
      });
    });
    ws.on("close", () => {
      this.services.events.dropSink(connection.sink);
      this.services.activity.unsubscribe(connection.activity);
      this.services.flowEvents.dropSink(connection.flowSink);
    });
    ws.on("error", () => ws.terminate());
  }

  async close(): Promise<void> {
    this.closing = true;
    this.services.events.close();
    this.services.activity.close();
    this.services.flowEvents.close();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => {
      if (!this.http.listening) return resolve();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    await this.services.waiter.close();
    await closeRedis(this.redis);
  }
}

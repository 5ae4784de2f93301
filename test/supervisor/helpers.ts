// A real supervisor process for tests, and small JSON-RPC clients over HTTP and WebSocket.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { distBin, type Proc, start } from "../helpers/processes.js";
import { REDIS_URL } from "../helpers/redis.js";

export interface RpcAnswer<T = unknown> {
  result?: T;
  error?: { code: number; message: string; data?: unknown };
}

export interface RunningSupervisor {
  proc: Proc;
  url: string;
  wsUrl: string;
  adminKey: string;
  adminKeyFile: string;
}

/** Starts `supervisor` on a free port under `namespace`; resolves once it listens. */
export async function startSupervisor(
  namespace: string,
  adminKeyFile = join(mkdtempSync(join(tmpdir(), "horus-sup-")), "admin.key"),
  redisUrl = REDIS_URL,
): Promise<RunningSupervisor> {
  const proc = start(process.execPath, [
    distBin("supervisor"),
    "--redis-url",
    redisUrl,
    "--namespace",
    namespace,
    "--port",
    "0",
    "--admin-key-file",
    adminKeyFile,
  ]);
  const line = await proc.waitFor('"msg":"supervisor listening"');
  const url = (JSON.parse(line) as { url: string }).url;
  return {
    proc,
    url,
    wsUrl: `${url.replace(/^http/, "ws")}/ws`,
    adminKey: readFileSync(adminKeyFile, "utf8").trim(),
    adminKeyFile,
  };
}

/** One JSON-RPC call over HTTP POST. */
export async function httpCall<T = unknown>(
  url: string,
  method: string,
  params?: unknown,
  key?: string,
): Promise<RpcAnswer<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method,
      ...(params === undefined ? {} : { params }),
    }),
  });
  return (await response.json()) as RpcAnswer<T>;
}

/** A WebSocket JSON-RPC client that also collects job.event and flow.event notifications. */
export class WsClient {
  readonly events: Record<string, unknown>[] = [];
  /** flow.event notifications, in order. */
  readonly flowEvents: Record<string, unknown>[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (answer: RpcAnswer) => void>();
  private eventWaiters: { test: (e: Record<string, unknown>) => boolean; resolve: () => void }[] =
    [];

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if (msg.method === "flow.event") {
        this.flowEvents.push(msg.params as Record<string, unknown>);
        return;
      }
      if (msg.method === "job.event") {
        const event = msg.params as Record<string, unknown>;
        this.events.push(event);
        const hit = this.eventWaiters.filter((w) => w.test(event));
        this.eventWaiters = this.eventWaiters.filter((w) => !hit.includes(w));
        for (const w of hit) w.resolve();
        return;
      }
      const done = this.pending.get(msg.id as number);
      this.pending.delete(msg.id as number);
      done?.(msg as RpcAnswer);
    });
  }

  static open(url: string, key?: string): Promise<WsClient> {
    const socket = new WebSocket(url, key ? { headers: { authorization: `Bearer ${key}` } } : {});
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new WsClient(socket)));
      socket.once("error", reject);
      socket.once("unexpected-response", (_req, res) =>
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)),
      );
    });
  }

  call<T = unknown>(method: string, params?: unknown): Promise<RpcAnswer<T>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (a: RpcAnswer) => void);
      this.socket.send(
        JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }),
      );
    });
  }

  /** Resolves once an event matching `test` has arrived (already or later). */
  waitForEvent(test: (e: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<void> {
    if (this.events.some(test)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching event; got ${JSON.stringify(this.events)}`)),
        timeoutMs,
      );
      this.eventWaiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}

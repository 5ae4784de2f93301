// The runner's HTTP side, off unless --metrics-port is given: /metrics (Prometheus text),
// /healthz (the process answers: its event loop runs) and /readyz (it can do its work:
// Redis reachable, the take loop running, not stopping), for systemd and Kubernetes probes.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface Readiness {
  ready: boolean;
  /** Why not, when not ready. */
  reasons: string[];
}

export interface ProbeServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startProbeServer(
  registry: Registry,
  readiness: () => Readiness,
  port: number,
  bind = "127.0.0.1",
): Promise<ProbeServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? "" : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD")
      return reply(405, "text/plain", "GET only\n");
    if (path === "/healthz") return reply(200, "text/plain", "ok\n");
    if (path === "/readyz") {
      const r = readiness();
      return reply(r.ready ? 200 : 503, "application/json", `${JSON.stringify(r)}\n`);
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => reply(200, registry.contentType, text),
        (e: unknown) => reply(500, "text/plain", `metrics failed: ${(e as Error).message}\n`),
      );
      return;
    }
    reply(404, "text/plain", "try /metrics, /healthz or /readyz\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, bind, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

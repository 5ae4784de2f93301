// A Hetzner Cloud API on loopback that answers as https://docs.hetzner.cloud documents it
// (servers, actions, SSH keys, images, server types, pagination, error objects, rate-limit
// headers) and records every request, so tests check what our client really sends.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

interface Action {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  progress: number;
  /** Polls left before it is done. */
  pending: number;
  fails: boolean;
}

export class FakeHetzner {
  readonly requests: Recorded[] = [];
  readonly servers = new Map<number, Record<string, unknown>>();
  readonly sshKeys: Record<string, unknown>[] = [];
  /** How many polls a new action stays "running". */
  actionPolls = 1;
  /** When set, the next action of this command ends in error. */
  failCommand: string | undefined;
  /** Answer every request with 429 (rate limit). */
  rateLimited = false;
  /** Never answer requests to this path. */
  hangPath: string | undefined;
  private nextId = 100;
  private readonly actions = new Map<number, Action>();
  private server: Server | undefined;
  url = "";

  constructor(readonly token: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.writeHead(500).end(String(e));
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private send(res: ServerResponse, status: number, body: unknown, headers = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body === undefined ? "" : JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    this.send(res, status, { error: { code, message, details: {} } });
  }

  private action(command: string, resourceId: number): Action {
    const fails = this.failCommand === command;
    if (fails) this.failCommand = undefined;
    const a: Action = {
      id: this.nextId++,
      command,
      status: "running",
      progress: 0,
      pending: this.actionPolls,
      fails,
    };
    this.actions.set(a.id, a);
    void resourceId;
    return a;
  }

  private actionJson(a: Action): Record<string, unknown> {
    return {
      id: a.id,
      command: a.command,
      status: a.status,
      progress: a.progress,
      started: "2026-01-01T00:00:00+00:00",
      finished: a.status === "running" ? null : "2026-01-01T00:00:10+00:00",
      resources: [],
      error: a.status === "error" ? { code: "action_failed", message: "Action failed" } : null,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const rec: Recorded = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body: text === "" ? undefined : JSON.parse(text),
    };
    this.requests.push(rec);
    if (this.hangPath === url.pathname) return; // never answers
    if (rec.authorization !== `Bearer ${this.token}`)
      return this.error(res, 401, "unauthorized", "unable to authenticate");
    if (this.rateLimited) {
      res.setHeader("RateLimit-Limit", "3600");
      res.setHeader("RateLimit-Remaining", "0");
      res.setHeader("RateLimit-Reset", "1798761600");
      return this.error(res, 429, "rate_limit_exceeded", "limit of 3600 requests per hour reached");
    }
    const path = url.pathname.replace(/^\/v1/, "");
    const one = path.match(/^\/servers\/(\d+)$/);
    const serverAction = path.match(/^\/servers\/(\d+)\/actions\/(\w+)$/);
    const actionPoll = path.match(/^\/actions\/(\d+)$/);

    if (rec.method === "GET" && path === "/servers") {
      const name = url.searchParams.get("name");
      const all = [...this.servers.values()].filter((s) => name === null || s.name === name);
      return this.send(res, 200, this.page(url, "servers", all));
    }
    if (rec.method === "POST" && path === "/servers") {
      const body = rec.body as Record<string, unknown>;
      for (const s of this.servers.values())
        if (s.name === body.name)
          return this.error(res, 409, "uniqueness_error", "server name is already used");
      if (body.server_type === "nope")
        return this.error(res, 422, "invalid_input", "invalid input in field 'server_type'");
      const id = this.nextId++;
      const server = {
        id,
        name: body.name,
        status: "initializing",
        created: "2026-01-01T00:00:00+00:00",
        server_type: { id: 1, name: body.server_type, cores: 2 },
        image: { id: 2, name: body.image },
        datacenter: {
          name: `${body.location ?? "fsn1"}-dc14`,
          location: { name: body.location ?? "fsn1" },
        },
        public_net: { ipv4: { ip: "192.0.2.10" }, ipv6: { ip: "2001:db8::/64" } },
        labels: {},
      };
      this.servers.set(id, server);
      const create = this.action("create_server", id);
      const start = this.action("start_server", id);
      return this.send(res, 201, {
        server,
        action: this.actionJson(create),
        next_actions: [this.actionJson(start)],
        root_password: "s3cret-root-password",
      });
    }
    if (one) {
      const id = Number(one[1]);
      const server = this.servers.get(id);
      if (!server) return this.error(res, 404, "not_found", `server with ID '${id}' not found`);
      if (rec.method === "GET") return this.send(res, 200, { server });
      if (rec.method === "DELETE") {
        this.servers.delete(id);
        return this.send(res, 200, { action: this.actionJson(this.action("delete_server", id)) });
      }
    }
    if (rec.method === "POST" && serverAction) {
      const id = Number(serverAction[1]);
      const server = this.servers.get(id);
      if (!server) return this.error(res, 404, "not_found", `server with ID '${id}' not found`);
      const command = serverAction[2] as string;
      if (command === "poweroff") server.status = "off";
      if (command === "poweron" || command === "reboot") server.status = "running";
      return this.send(res, 201, { action: this.actionJson(this.action(`${command}_server`, id)) });
    }
    if (rec.method === "GET" && actionPoll) {
      const a = this.actions.get(Number(actionPoll[1]));
      if (!a) return this.error(res, 404, "not_found", "action not found");
      if (a.pending > 0) {
        a.pending--;
        a.progress = 50;
      } else if (a.status === "running") {
        a.status = a.fails ? "error" : "success";
        a.progress = 100;
        if (!a.fails) {
          for (const s of this.servers.values())
            if (s.status === "initializing" && a.command === "start_server") s.status = "running";
        }
      }
      return this.send(res, 200, { action: this.actionJson(a) });
    }
    if (path === "/ssh_keys") {
      if (rec.method === "GET")
        return this.send(res, 200, this.page(url, "ssh_keys", this.sshKeys));
      if (rec.method === "POST") {
        const body = rec.body as Record<string, unknown>;
        if (typeof body.public_key !== "string" || !body.public_key.startsWith("ssh-"))
          return this.error(res, 422, "invalid_input", "invalid public key");
        const key = {
          id: this.nextId++,
          name: body.name,
          fingerprint: "aa:bb",
          public_key: body.public_key,
          labels: {},
        };
        this.sshKeys.push(key);
        return this.send(res, 201, { ssh_key: key });
      }
    }
    if (rec.method === "GET" && path === "/images") {
      const images = [
        {
          id: 1,
          name: "debian-12",
          description: "Debian 12",
          type: "system",
          os_flavor: "debian",
          os_version: "12",
          architecture: "x86",
        },
        {
          id: 2,
          name: "ubuntu-24.04",
          description: "Ubuntu 24.04",
          type: "system",
          os_flavor: "ubuntu",
          os_version: "24.04",
          architecture: "x86",
        },
        {
          id: 3,
          name: null,
          description: "my snapshot",
          type: "snapshot",
          os_flavor: "debian",
          os_version: null,
          architecture: "x86",
        },
      ];
      const type = url.searchParams.get("type");
      return this.send(
        res,
        200,
        this.page(
          url,
          "images",
          images.filter((i) => type === null || i.type === type),
        ),
      );
    }
    if (rec.method === "GET" && path === "/server_types") {
      // 120 types, so a full listing needs three pages of 50.
      const types = Array.from({ length: 120 }, (_, i) => ({
        id: i + 1,
        name: `cx${i + 1}`,
        description: `CX${i + 1}`,
        cores: 2,
        memory: 4.0 + 0.5,
        disk: 40,
        architecture: "x86",
      }));
      return this.send(res, 200, this.page(url, "server_types", types));
    }
    return this.error(res, 404, "not_found", `no route ${rec.method} ${path}`);
  }

  /** A page of a list with Hetzner's `meta.pagination`. */
  private page(url: URL, key: string, all: unknown[]): Record<string, unknown> {
    const page = Number(url.searchParams.get("page") ?? 1);
    const perPage = Number(url.searchParams.get("per_page") ?? 25);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    return {
      [key]: all.slice((page - 1) * perPage, page * perPage),
      meta: {
        pagination: {
          page,
          per_page: perPage,
          previous_page: page > 1 ? page - 1 : null,
          next_page: page < last ? page + 1 : null,
          last_page: last,
          total_entries: all.length,
        },
      },
    };
  }
}

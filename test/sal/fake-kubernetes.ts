// A Kubernetes API server on loopback, answering as the documented REST API does: discovery
// (/api/v1, /apis/apps/v1), namespaced CRUD for pods, services, configmaps, secrets and
// deployments, namespaces, server-side apply (PATCH application/apply-patch+yaml), pod logs,
// `Status` error bodies, bearer-token auth. A deployment becomes ready after a few reads,
// unless its image says `never-ready`. Every request is recorded for the tests to check.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: the fake reads JSON bodies freely
type Obj = Record<string, any>;

const CORE: [string, string, boolean][] = [
  ["pods", "Pod", true],
  ["services", "Service", true],
  ["configmaps", "ConfigMap", true],
  ["secrets", "Secret", true],
  ["namespaces", "Namespace", false],
];
const APPS: [string, string, boolean][] = [["deployments", "Deployment", true]];

function resourceList(groupVersion: string, resources: [string, string, boolean][]): Obj {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: resources.map(([name, kind, namespaced]) => ({
      name,
      singularName: kind.toLowerCase(),
      namespaced,
      kind,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    })),
  };
}

export class FakeKubernetes {
  readonly requests: Recorded[] = [];
  /** plural -> "ns/name" (or "name" for namespaces) -> object */
  readonly store = new Map<string, Map<string, Obj>>();
  /** Answer server-side apply with 415, as servers without it do. */
  noServerSideApply = false;
  /** Never answer requests whose path starts with this. */
  hangPrefix: string | undefined;
  /** Reads of a deployment before it reports ready. */
  readyAfterReads = 2;
  readonly logs = new Map<string, string>();
  private readonly reads = new Map<string, number>();
  private version = 1;
  private server: Server | undefined;
  url = "";

  constructor(readonly token: string) {
    for (const ns of ["default", "kube-system"]) this.put("namespaces", "", this.namespace(ns));
  }

  /** Listens on loopback: plain HTTP, or HTTPS with this key and certificate. */
  async start(tls?: { key: string; cert: string; clientCa?: string }): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((e) => res.writeHead(500).end(String(e)));
    };
    // With `clientCa`, only clients presenting a certificate it signed get through (mTLS).
    const options = tls?.clientCa
      ? {
          key: tls.key,
          cert: tls.cert,
          ca: tls.clientCa,
          requestCert: true,
          rejectUnauthorized: true,
        }
      : tls;
    this.server = options ? createTlsServer(options, handler) : createServer(handler);
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    const scheme = tls ? "https" : "http";
    this.url = `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** A kubeconfig for this server; `cluster` lines go under the cluster (CA, TLS options). */
  kubeconfig(token = this.token, cluster: string[] = [], user?: string[]): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: fake",
      "  cluster:",
      `    server: ${this.url}`,
      ...cluster.map((l) => `    ${l}`),
      "users:",
      "- name: tester",
      "  user:",
      ...(user ?? [`token: ${token}`]).map((l) => `    ${l}`),
      "contexts:",
      "- name: fake",
      "  context:",
      "    cluster: fake",
      "    user: tester",
      "current-context: fake",
      "",
    ].join("\n");
  }

  namespace(name: string): Obj {
    return {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, uid: `uid-${name}`, creationTimestamp: "2026-01-01T00:00:00Z" },
      status: { phase: "Active" },
    };
  }

  put(plural: string, ns: string, obj: Obj): void {
    let bucket = this.store.get(plural);
    if (!bucket) {
      bucket = new Map();
      this.store.set(plural, bucket);
    }
    obj.metadata.resourceVersion = String(this.version++);
    obj.metadata.generation = (obj.metadata.generation ?? 0) + 1;
    obj.metadata.creationTimestamp ??= "2026-01-01T00:00:00Z";
    if (ns !== "") obj.metadata.namespace = ns;
    bucket.set(ns === "" ? obj.metadata.name : `${ns}/${obj.metadata.name}`, obj);
  }

  get(plural: string, ns: string, name: string): Obj | undefined {
    return this.store.get(plural)?.get(ns === "" ? name : `${ns}/${name}`);
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.send(res, code, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      code,
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const rec: Recorded = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body,
    };
    this.requests.push(rec);
    if (this.hangPrefix && url.pathname.startsWith(this.hangPrefix)) return;
    const certified = (req.socket as { authorized?: boolean }).authorized === true;
    if (!certified && rec.authorization !== `Bearer ${this.token}`)
      return this.status(res, 401, "Unauthorized", "Unauthorized");

    if (url.pathname === "/api/v1") return this.send(res, 200, resourceList("v1", CORE));
    if (url.pathname === "/apis/apps/v1") return this.send(res, 200, resourceList("apps/v1", APPS));

    // /api/v1/namespaces[/name]
    let m = url.pathname.match(/^\/api\/v1\/namespaces(?:\/([^/]+))?$/);
    if (m) return this.namespaces(rec, res, m[1]);
    // /api/v1/namespaces/ns/pods/name/log
    m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/);
    if (m && rec.method === "GET") {
      const [, ns, name] = m as unknown as [string, string, string];
      if (!this.get("pods", ns, name))
        return this.status(res, 404, "NotFound", `pods "${name}" not found`);
      let log = this.logs.get(name) ?? "";
      const tail = url.searchParams.get("tailLines");
      if (tail !== null) log = `${log.trimEnd().split("\n").slice(-Number(tail)).join("\n")}\n`;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(log);
      return;
    }
    m = url.pathname.match(
      /^\/(?:api\/v1|apis\/apps\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?$/,
    );
    if (m) return this.namespaced(rec, res, m[1] as string, m[2] as string, m[3]);
    return this.status(res, 404, "NotFound", `the server could not find the requested resource`);
  }

  private namespaces(rec: Recorded, res: ServerResponse, name: string | undefined) {
    if (rec.method === "GET" && name === undefined) {
      const items = [...(this.store.get("namespaces")?.values() ?? [])];
      return this.send(res, 200, { kind: "NamespaceList", apiVersion: "v1", metadata: {}, items });
    }
    if (rec.method === "GET" && name !== undefined) {
      const ns = this.get("namespaces", "", name);
      if (!ns) return this.status(res, 404, "NotFound", `namespaces "${name}" not found`);
      return this.send(res, 200, ns);
    }
    if (rec.method === "POST" && name === undefined) {
      const wanted = (rec.body as Obj)?.metadata?.name as string;
      if (this.get("namespaces", "", wanted))
        return this.status(res, 409, "AlreadyExists", `namespaces "${wanted}" already exists`);
      const ns = this.namespace(wanted);
      this.put("namespaces", "", ns);
      return this.send(res, 201, ns);
    }
    return this.status(res, 405, "MethodNotAllowed", "not supported by this fake");
  }

  private kindOf(plural: string): [string, string] {
    const apps = APPS.find(([p]) => p === plural);
    if (apps) return ["apps/v1", apps[1]];
    const core = CORE.find(([p]) => p === plural);
    return ["v1", core ? core[1] : "Unknown"];
  }

  private namespaced(
    rec: Recorded,
    res: ServerResponse,
    ns: string,
    plural: string,
    name?: string,
  ) {
    const [apiVersion, kind] = this.kindOf(plural);
    if (kind === "Unknown")
      return this.status(res, 404, "NotFound", "the server could not find the requested resource");
    if (!this.get("namespaces", "", ns) && rec.method !== "GET")
      return this.status(res, 404, "NotFound", `namespaces "${ns}" not found`);
    const existing = name === undefined ? undefined : this.get(plural, ns, name);
    switch (rec.method) {
      case "GET": {
        if (name === undefined) {
          const items = [...(this.store.get(plural)?.entries() ?? [])]
            .filter(([key]) => key.startsWith(`${ns}/`))
            .map(([, o]) => o);
          return this.send(res, 200, {
            kind: `${kind}List`,
            apiVersion,
            metadata: { resourceVersion: "1" },
            items,
          });
        }
        if (!existing) return this.status(res, 404, "NotFound", `${plural} "${name}" not found`);
        if (plural === "deployments") this.progress(existing);
        return this.send(res, 200, existing);
      }
      case "POST": {
        const obj = rec.body as Obj;
        if (this.get(plural, ns, obj.metadata.name))
          return this.status(
            res,
            409,
            "AlreadyExists",
            `${plural} "${obj.metadata.name}" already exists`,
          );
        this.put(plural, ns, obj);
        return this.send(res, 201, obj);
      }
      case "PATCH": {
        if (rec.contentType !== "application/apply-patch+yaml")
          return this.status(
            res,
            415,
            "UnsupportedMediaType",
            `the body of the request was in an unknown format`,
          );
        if (this.noServerSideApply)
          return this.status(
            res,
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json",
          );
        const obj = rec.body as Obj;
        if (obj.metadata?.name !== name)
          return this.status(
            res,
            400,
            "BadRequest",
            "the name of the object does not match the name on the URL",
          );
        if (plural === "services" && !Array.isArray(obj.spec?.ports))
          return this.status(
            res,
            422,
            "Invalid",
            `Service "${name}" is invalid: spec.ports: Required value`,
          );
        const merged = {
          ...obj,
          metadata: { ...obj.metadata, generation: existing?.metadata.generation ?? 0 },
        };
        this.put(plural, ns, merged);
        return this.send(res, existing ? 200 : 201, merged);
      }
      case "PUT": {
        if (!existing) return this.status(res, 404, "NotFound", `${plural} "${name}" not found`);
        const obj = rec.body as Obj;
        if (obj.metadata?.resourceVersion !== existing.metadata.resourceVersion)
          return this.status(
            res,
            409,
            "Conflict",
            `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified`,
          );
        this.put(plural, ns, {
          ...obj,
          metadata: { ...obj.metadata, generation: existing.metadata.generation },
        });
        return this.send(res, 200, this.get(plural, ns, name as string));
      }
      case "DELETE": {
        if (!existing) return this.status(res, 404, "NotFound", `${plural} "${name}" not found`);
        this.store.get(plural)?.delete(`${ns}/${name}`);
        return this.send(res, 200, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name, kind: plural },
        });
      }
    }
    return this.status(res, 405, "MethodNotAllowed", "not supported by this fake");
  }

  /** The fake controller: a deployment's replicas get ready after a few reads. */
  private progress(d: Obj): void {
    const key = `${d.metadata.namespace}/${d.metadata.name}/${d.metadata.generation}`;
    const n = (this.reads.get(key) ?? 0) + 1;
    this.reads.set(key, n);
    const want = d.spec?.replicas ?? 1;
    const image = d.spec?.template?.spec?.containers?.[0]?.image ?? "";
    const ready = image.includes("never-ready") ? 0 : n > this.readyAfterReads ? want : 0;
    d.status = {
      observedGeneration: d.metadata.generation,
      replicas: want,
      readyReplicas: ready,
      availableReplicas: ready,
      updatedReplicas: want,
    };
  }
}

// Which cluster a job talks to, and a small client for the Kubernetes REST API over
// node:http(s). (@kubernetes/client-node 2.x needs Node >= 22.19 through its undici, so it
// cannot load on the Node 20 the runners support; the few endpoints SAL uses are spoken
// here directly.) Every request has a deadline and stops when the job ends. Failures become
// one readable line; kubeconfig contents (tokens, keys) never appear in them.

import { existsSync, readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { field } from "../hetzner/plain.js";

export class K8sError extends Error {
  override readonly name = "K8sError";
}

/** A failure the API answered with: its HTTP status and `Status` object. */
export class K8sApiError extends Error {
  override readonly name = "K8sApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly apiMessage: string,
  ) {
    super(`HTTP ${status}${reason ? ` ${reason}` : ""}${apiMessage ? `: ${apiMessage}` : ""}`);
  }
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Everything needed to reach and authenticate to one cluster. */
export interface Cluster {
  readonly server: string;
  readonly ca?: Buffer;
  readonly insecure: boolean;
  readonly serverName?: string;
  readonly token?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly basic?: string;
  /** Where the configuration came from (a path, or "in-cluster"), for messages. */
  readonly from: string;
}

/** Where the cluster's configuration comes from, in order of precedence. */
export interface ClusterSource {
  /** A kubeconfig path the script gave (absolute already). */
  readonly scriptPath?: string;
  /** The job's KUBECONFIG: paths (already absolute) separated as in $PATH. */
  readonly jobKubeconfig?: string;
  /** The runner's option (`kubeconfig`). */
  readonly runnerPath?: string;
}

function firstExisting(list: string): string | undefined {
  const paths = list.split(delimiter).filter((p) => p !== "");
  return paths.find((p) => existsSync(p)) ?? paths[0];
}

/** The cluster to use: script path, job KUBECONFIG, runner option, runner KUBECONFIG, in-cluster, ~/.kube/config. */
export function loadCluster(source: ClusterSource): Cluster {
  const path =
    source.scriptPath ||
    (source.jobKubeconfig && firstExisting(source.jobKubeconfig)) ||
    source.runnerPath ||
    (process.env.KUBECONFIG && firstExisting(process.env.KUBECONFIG)) ||
    undefined;
  if (path) return fromKubeconfig(path);
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(join(SERVICE_ACCOUNT, "token")))
    return inCluster();
  const home = join(homedir(), ".kube", "config");
  if (existsSync(home)) return fromKubeconfig(home);
  throw new K8sError(
    "no cluster configured: give a kubeconfig path to k8s(namespace, path), set KUBECONFIG in the job's env vars, or run inside a cluster",
  );
}

function inCluster(): Cluster {
  const host = process.env.KUBERNETES_SERVICE_HOST as string;
  const port = process.env.KUBERNETES_SERVICE_PORT || "443";
  const bracketed = host.includes(":") ? `[${host}]` : host;
  return {
    server: `https://${bracketed}:${port}`,
    ca: readFileSync(join(SERVICE_ACCOUNT, "ca.crt")),
    insecure: false,
    token: readFileSync(join(SERVICE_ACCOUNT, "token"), "utf8").trim(),
    from: "in-cluster service account",
  };
}

type Named = { name?: unknown };

function named(list: unknown, name: unknown, key: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = (list as Named[]).find((e) => e && e.name === name);
  const inner = field(entry, key);
  return inner && typeof inner === "object" ? (inner as Record<string, unknown>) : undefined;
}

function fromKubeconfig(path: string): Cluster {
  if (!existsSync(path)) throw new K8sError(`kubeconfig not found: ${path}`);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, "utf8"));
  } catch (e) {
    // Parser messages may quote the file (a token, a key): keep only their first line,
    // which names the problem and its position.
    const first = String((e as Error).message ?? e).split("\n")[0];
    throw new K8sError(`cannot read kubeconfig ${path}: ${first}`);
  }
  const where = `kubeconfig ${path}`;
  const contextName = field(doc, "current-context");
  const context = named(field(doc, "contexts"), contextName, "context");
  if (!context) throw new K8sError(`${where} names no current context`);
  const cluster = named(field(doc, "clusters"), context.cluster, "cluster");
  if (!cluster || typeof cluster.server !== "string")
    throw new K8sError(`${where}: the current context's cluster has no server`);
  const user = named(field(doc, "users"), context.user, "user") ?? {};
  if (user.exec || user["auth-provider"])
    throw new K8sError(
      `${where}: exec and auth-provider credentials are not supported (use a token or a client certificate)`,
    );
  const base = dirname(path);
  const file = (v: unknown) =>
    readFileSync(isAbsolute(String(v)) ? String(v) : join(base, String(v)));
  const bytes = (
    dataKey: string,
    fileKey: string,
    from: Record<string, unknown>,
  ): Buffer | undefined => {
    if (typeof from[dataKey] === "string") return Buffer.from(from[dataKey] as string, "base64");
    if (typeof from[fileKey] === "string") {
      try {
        return file(from[fileKey]);
      } catch {
        throw new K8sError(`${where}: cannot read ${fileKey} ${String(from[fileKey])}`);
      }
    }
    return undefined;
  };
  let token = typeof user.token === "string" ? user.token : undefined;
  if (!token && typeof user.tokenFile === "string") {
    try {
      token = file(user.tokenFile).toString("utf8").trim();
    } catch {
      throw new K8sError(`${where}: cannot read tokenFile ${user.tokenFile}`);
    }
  }
  const basic =
    typeof user.username === "string"
      ? Buffer.from(`${user.username}:${String(user.password ?? "")}`).toString("base64")
      : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ""),
    ca: bytes("certificate-authority-data", "certificate-authority", cluster),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    serverName:
      typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
    token,
    cert: bytes("client-certificate-data", "client-certificate", user),
    key: bytes("client-key-data", "client-key", user),
    basic,
    from: path,
  };
}

export interface RequestSpec {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly contentType?: string;
}

/** The REST client for one call: every request stops on `signal` (timeout or job end). */
export class K8sClient {
  private readonly discovery = new Map<string, Promise<unknown>>();

  constructor(
    readonly cluster: Cluster,
    private readonly signal: AbortSignal,
  ) {}

  /** A request whose answer is text (pod logs); errors as for `json`. */
  async text(method: string, path: string, spec: RequestSpec = {}): Promise<string> {
    const { status, body } = await this.send(method, path, spec);
    if (status >= 200 && status < 300) return body;
    throw apiError(status, body);
  }

  async json(
    method: string,
    path: string,
    spec: RequestSpec = {},
  ): Promise<Record<string, unknown>> {
    const text = await this.text(method, path, spec);
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new K8sError(`the API answered ${method} ${path} with a body that is not JSON`);
    }
  }

  /** The plural name and scope of a kind, from the API's discovery document (cached). */
  async resource(
    apiVersion: string,
    kind: string,
  ): Promise<{ plural: string; namespaced: boolean }> {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let list = this.discovery.get(path);
    if (!list) {
      list = this.json("GET", path);
      this.discovery.set(path, list);
    }
    const resources = field(await list, "resources");
    const found = Array.isArray(resources)
      ? (resources as Record<string, unknown>[]).find(
          (r) => r.kind === kind && typeof r.name === "string" && !r.name.includes("/"),
        )
      : undefined;
    if (!found) throw new K8sError(`the cluster has no ${kind} in ${apiVersion}`);
    return { plural: found.name as string, namespaced: found.namespaced === true };
  }

  private send(
    method: string,
    path: string,
    spec: RequestSpec,
  ): Promise<{ status: number; body: string }> {
    const url = new URL(this.cluster.server + path);
    for (const [k, v] of Object.entries(spec.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: "application/json, */*" };
    const c = this.cluster;
    if (c.token) headers.authorization = `Bearer ${c.token}`;
    else if (c.basic) headers.authorization = `Basic ${c.basic}`;
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = JSON.stringify(spec.body);
      headers["content-type"] = spec.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    const options: RequestOptions = {
      method,
      headers,
      signal: this.signal,
      ...(url.protocol === "https:"
        ? {
            ca: c.ca,
            cert: c.cert,
            key: c.key,
            rejectUnauthorized: !c.insecure,
            servername: c.serverName,
          }
        : {}),
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  }
}

function apiError(status: number, body: string): K8sApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const reason = field(parsed, "reason");
  const message = field(parsed, "message");
  return new K8sApiError(
    status,
    typeof reason === "string" ? reason : status === 401 ? "Unauthorized" : "",
    typeof message === "string" && message !== reason ? message : "",
  );
}

/** HTTP status of an API failure, when it is one. */
export function statusOf(e: unknown): number | undefined {
  return e instanceof K8sApiError ? e.status : undefined;
}

/** One line for a failed call: the API's status and message, or the transport problem. */
export function describeFailure(
  e: unknown,
  server: string,
  timedOut: boolean,
  timeoutMs: number,
): string {
  if (timedOut) return `no answer from the Kubernetes API at ${server} within ${timeoutMs / 1000}s`;
  if (e instanceof K8sApiError || e instanceof K8sError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === "AbortError") return "the job ended";
  if (err?.code) return `cannot reach the Kubernetes API at ${server}: ${err.code}`;
  return err?.message ?? String(e);
}

// Which cluster a job talks to, and the @kubernetes/client-node API objects for one call.
// The library reads the kubeconfig and authenticates; what stays here is the choice of
// cluster (the runners' own order), what the runners refuse, and turning failures into one
// readable line. Every request carries the call's signal (timeout or job end); kubeconfig
// contents (tokens, keys) never appear in messages.

import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import {
  ApiException,
  AppsV1Api,
  type Configuration,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
} from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { field } from "../../host/index.js";
import { coerceError } from "../../util/index.js";

export class K8sError extends Error {
  override readonly name = "K8sError";
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** A loaded configuration and where it came from (a path, or "in-cluster"), for messages. */
export interface Cluster {
  readonly config: KubeConfig;
  readonly server: string;
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

/**
 * The cluster to use: script path, job KUBECONFIG, runner option, runner KUBECONFIG,
 * in-cluster, ~/.kube/config. (Not `loadFromDefault`: it puts ~/.kube/config before the
 * service account and merges every KUBECONFIG file, where the runners take the first.)
 */
export function loadCluster(source: ClusterSource): Cluster {
  const path =
    source.scriptPath ||
    (source.jobKubeconfig && firstExisting(source.jobKubeconfig)) ||
    source.runnerPath ||
    (process.env.KUBECONFIG && firstExisting(process.env.KUBECONFIG)) ||
    undefined;
  if (path) return fromKubeconfig(path);
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    const config = new KubeConfig();
    config.loadFromCluster();
    return finish(config, "in-cluster service account");
  }
  const home = join(homedir(), ".kube", "config");
  if (existsSync(home)) return fromKubeconfig(home);
  throw new K8sError(
    "no cluster configured: give a kubeconfig path to k8s(namespace, path), set KUBECONFIG in the job's env vars, or run inside a cluster",
  );
}

/** The first line of a library or parser message: later lines may quote the file (a token, a key). */
const firstLine = (e: unknown) => coerceError(e).message.split("\n")[0];

function fromKubeconfig(path: string): Cluster {
  if (!existsSync(path)) throw new K8sError(`kubeconfig not found: ${path}`);
  const where = `kubeconfig ${path}`;
  const config = new KubeConfig();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
    config.loadFromString(text);
  } catch (e) {
    throw new K8sError(`cannot read ${where}: ${firstLine(e)}`);
  }
  config.makePathsAbsolute(dirname(path)); // as loadFromFile does: files named relative to it
  if (!config.getContextObject(config.getCurrentContext()))
    throw new K8sError(`${where} names no current context`);
  if (!config.getCurrentCluster())
    throw new K8sError(`${where}: the current context's cluster has no server`);
  const user = config.getCurrentUser();
  // The library would run an exec plugin (a command the job's kubeconfig names, on the
  // runner's host) or an auth provider, and their failures carry the plugin's own output,
  // which we cannot vet for credentials. The runners keep to static credentials.
  if (user?.exec || user?.authProvider)
    throw new K8sError(
      `${where}: exec and auth-provider credentials are not supported (use a token or a client certificate)`,
    );
  // The library sends "user:undefined" for a username without a password.
  if (user?.username && user.password == null)
    config.users = config.users.map((u) => (u.name === user.name ? { ...u, password: "" } : u));
  if (user && !user.token) {
    const tokenFile = tokenFileOf(text, user.name);
    if (tokenFile !== undefined) {
      // client-go's `tokenFile` (relative to the kubeconfig, trimmed); the library reads a
      // non-standard `token-file` key instead, against the process's directory.
      const file = isAbsolute(tokenFile) ? tokenFile : join(dirname(path), tokenFile);
      let token: string;
      try {
        token = readFileSync(file, "utf8").trim();
      } catch {
        throw new K8sError(`${where}: cannot read tokenFile ${tokenFile}`);
      }
      config.users = config.users.map((u) => (u.name === user.name ? { ...u, token } : u));
    }
  }
  checkFiles(config, where);
  return finish(config, path);
}

/** The `tokenFile` of the named user, read from the raw kubeconfig (the library drops the key). */
function tokenFileOf(text: string, userName: string): string | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined; // the library read it; a stricter parser's complaint is not the job's
  }
  const users = field(doc, "users");
  if (!Array.isArray(users)) return undefined;
  const entry = users.find((u) => field(u, "name") === userName);
  const file = field(field(entry, "user"), "tokenFile");
  return typeof file === "string" && file !== "" ? file : undefined;
}

/** Reads the CA, certificate and key files now, so a missing one is a configuration error, not a request failure. */
function checkFiles(config: KubeConfig, where: string): void {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  const files: [string, string | null | undefined][] = [
    ["certificate-authority", cluster?.caFile],
    ["client-certificate", user?.certFile],
    ["client-key", user?.keyFile],
  ];
  for (const [key, file] of files) {
    if (!file) continue;
    try {
      readFileSync(file);
    } catch {
      throw new K8sError(`${where}: cannot read ${key} ${file}`);
    }
  }
}

/**
 * The library refuses a plain-HTTP server unless the cluster skips TLS verification (it
 * picks its HTTP agent by that flag). Plain HTTP has no certificate to verify, and kubectl
 * talks to such servers (kubectl proxy), so such clusters are marked.
 */
function finish(config: KubeConfig, from: string): Cluster {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new K8sError(`${from}: the current context's cluster has no server`);
  if (cluster.server.startsWith("http:") && !cluster.skipTLSVerify)
    config.clusters = config.clusters.map((c) =>
      c.name === cluster.name ? { ...c, skipTLSVerify: true } : c,
    );
  return { config, server: cluster.server, from };
}

/**
 * The object API bound to the manager's namespace: objects without one go there, and
 * `scope` tells whether a kind is namespaced (from the API's discovery document, cached).
 */
export class ObjectApi extends KubernetesObjectApi {
  constructor(configuration: Configuration, namespace: string) {
    super(configuration);
    this.defaultNamespace = namespace;
  }

  async scope(apiVersion: string, kind: string): Promise<{ namespaced: boolean }> {
    const found = await this.resource(apiVersion, kind);
    if (!found) throw new K8sError(`the cluster has no ${kind} in ${apiVersion}`);
    return { namespaced: found.namespaced };
  }
}

/** The API objects one call uses; every request they send stops on `signal`. */
export interface K8sApis {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly objects: ObjectApi;
}

export function connect(cluster: Cluster, namespace: string, signal: AbortSignal): K8sApis {
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: cluster.config },
    promiseMiddleware: [
      {
        pre: async (request) => {
          request.setSignal(signal);
          return request;
        },
        post: async (response) => response,
      },
    ],
  });
  return {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    objects: new ObjectApi(configuration, namespace),
  };
}

/** HTTP status of an API failure, when it is one. */
export function statusOf(e: unknown): number | undefined {
  return e instanceof ApiException ? e.code : undefined;
}

/** The API's `Status` object of a failure: the library gives it as text or parsed. */
function statusBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** "HTTP 404 NotFound: pods "x" not found", from the API's status and `Status` object. */
function apiFailure(e: ApiException<unknown>): string {
  const body = statusBody(e.body);
  const given = field(body, "reason");
  const message = field(body, "message");
  const reason = typeof given === "string" ? given : e.code === 401 ? "Unauthorized" : "";
  const text = typeof message === "string" && message !== reason ? message : "";
  return `HTTP ${e.code}${reason ? ` ${reason}` : ""}${text ? `: ${text}` : ""}`;
}

/** One line for a failed call: the API's status and message, or the transport problem. */
export function describeFailure(
  e: unknown,
  server: string,
  timedOut: boolean,
  timeoutMs: number,
): string {
  if (timedOut) return `no answer from the Kubernetes API at ${server} within ${timeoutMs / 1000}s`;
  if (e instanceof ApiException) return apiFailure(e);
  if (e instanceof K8sError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === "AbortError") return "the job ended";
  // node-fetch's FetchError carries the system or TLS error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT).
  if (err?.code) return `cannot reach the Kubernetes API at ${server}: ${err.code}`;
  return firstLine(err);
}

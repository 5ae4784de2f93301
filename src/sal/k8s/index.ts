// The `k8s` host module: a Kubernetes manager bound to a namespace. `k8s(namespace)` is a
// handle in the script's worker; its methods send the operation to `k8s_call` on the main
// thread, which loads the cluster's configuration and talks to the REST API, each call
// under a timeout and aborted when the job ends.

import { delimiter } from "node:path";
import { Float, RHAI_TYPE_NAME, type RhaiMap, typeName, type Value } from "../../rhai/index.js";
import type { HostFunction, HostModule, MainSideContext } from "../../sandbox/index.js";
import { handleMethods, mainFn, overloads, workerFn } from "../define.js";
import { resolvePath } from "../job-state.js";
import {
  argArray,
  argInt,
  argMap,
  argNonEmpty,
  argSeconds,
  argString,
  guard,
  numberValue,
  salError,
} from "../values.js";
import { connect, describeFailure, loadCluster } from "./client.js";
import {
  apply,
  configmapsList,
  deleteMatching,
  deploymentsList,
  deployObjects,
  type K8sContext,
  namespaceCreate,
  namespaceExists,
  namespacesList,
  parseManifests,
  podLogs,
  podsList,
  secretsList,
  servicesList,
  waitKind,
  waitReady,
} from "./resources.js";

export const K8S_MANAGER = "K8sManager";
const DEFAULT_TIMEOUT = 30;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The worker-side handle: namespace, optional kubeconfig path, request timeout. */
export class K8sManager {
  readonly [RHAI_TYPE_NAME] = K8S_MANAGER;
  constructor(
    readonly namespace: string,
    readonly kubeconfig: string = "",
    readonly timeout: number = DEFAULT_TIMEOUT,
  ) {}

  toString(): string {
    return `K8sManager(${JSON.stringify(this.namespace)})`;
  }

  settings(): RhaiMap {
    return new Map<string, Value>([
      ["namespace", this.namespace],
      ["kubeconfig", this.kubeconfig],
      // FLOAT when fractional: a plain JS fraction is not a Rhai value the bridge carries.
      ["timeout", numberValue(this.timeout)],
    ]);
  }
}

function k8sName(fn: string, args: readonly Value[], i: number, what: string): string {
  const name = argNonEmpty(fn, args, i, what);
  if (name.length > 253 || !NAME.test(name))
    throw salError(
      fn,
      `${what} is not a Kubernetes name (lowercase letters, digits, "-", "."): ${JSON.stringify(name)}`,
    );
  return name;
}

function envValue(fn: string, key: string, v: Value): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Float) return String(v.value);
  throw salError(fn, `env value of ${key} must be a string, number or bool, got ${typeName(v)}`);
}

type Operation = (k: K8sContext, fn: string, args: readonly Value[]) => Promise<Value>;

const operations: Record<string, Operation> = {
  pods_list: (k) => podsList(k),
  services_list: (k) => servicesList(k),
  deployments_list: (k) => deploymentsList(k),
  configmaps_list: (k) => configmapsList(k),
  secrets_list: (k) => secretsList(k),
  namespaces_list: (k) => namespacesList(k),
  namespace_exists: (k, fn, a) => namespaceExists(k, k8sName(fn, a, 0, "namespace")),
  namespace_create: (k, fn, a) => namespaceCreate(k, k8sName(fn, a, 0, "namespace")),
  apply: (k, fn, a) => apply(k, parseManifests(argString(fn, a, 0, "YAML"))),
  delete: (k, fn, a) => {
    const source = argNonEmpty(fn, a, 0, "pattern");
    let pattern: RegExp;
    try {
      pattern = new RegExp(source);
    } catch (e) {
      throw salError(fn, `not a regular expression: ${(e as Error).message}`);
    }
    return deleteMatching(k, pattern);
  },
  pod_logs: (k, fn, a) =>
    podLogs(
      k,
      k8sName(fn, a, 0, "pod name"),
      a.length > 1 ? argInt(fn, a, 1, "tail lines") : undefined,
    ),
  deploy: async (k, fn, a) => {
    const name = k8sName(fn, a, 0, "name");
    const replicas = argInt(fn, a, 2, "replicas");
    if (replicas < 0) throw salError(fn, `replicas must not be negative, got ${replicas}`);
    const ports = argArray(fn, a, 3, "ports").map((p, i) => {
      if (typeof p !== "number" || p < 1 || p > 65535)
        throw salError(fn, `ports[${i}] must be a port number`);
      return p;
    });
    const env = [...argMap(fn, a, 4, "env")].map(([key, v]): [string, string] => [
      key,
      envValue(fn, key, v),
    ]);
    const objects = deployObjects(
      { name, image: argNonEmpty(fn, a, 1, "image"), replicas, ports, env },
      k.namespace,
    );
    await apply(k, objects);
    return new Map<string, Value>([
      ["deployment", name],
      ["service", ports.length > 0 ? name : undefined],
      ["replicas", replicas],
    ]);
  },
  wait_ready: (k, fn, a) => {
    const given = argNonEmpty(fn, a, 0, "kind");
    const kind = waitKind(given);
    if (!kind)
      throw salError(fn, `cannot wait for a ${given} (pod, deployment, service or namespace)`);
    return waitReady(k, kind, k8sName(fn, a, 1, "name"), argSeconds(fn, a, 2, "timeout") * 1000);
  },
};

async function k8sCall(ctx: MainSideContext, args: readonly Value[]): Promise<Value> {
  const op = argString("k8s_call", args, 0, "operation");
  const operation = operations[op];
  if (!operation) throw salError("k8s_call", `unknown operation "${op}"`);
  const settings = argMap("k8s_call", args, 1, "settings");
  const namespace = String(settings.get("namespace") ?? "");
  const fn = `k8s(${JSON.stringify(namespace)}).${op}`;
  const opArgs = argArray(fn, args, 2, "arguments");
  const given = settings.get("timeout");
  const timeout = given instanceof Float ? given.value : given;
  const timeoutMs = (typeof timeout === "number" && timeout > 0 ? timeout : DEFAULT_TIMEOUT) * 1000;
  // Waiting has its own limit; each of its requests still has the call's.
  const waitMs = op === "wait_ready" ? argSeconds(fn, opArgs, 2, "timeout") * 1000 : 0;
  const limit = AbortSignal.timeout(timeoutMs + waitMs);
  const signal = AbortSignal.any([ctx.signal, limit]);
  let server = "(no cluster)";
  return guard(fn, async () => {
    try {
      const path = String(settings.get("kubeconfig") ?? "");
      const option = ctx.job.options.kubeconfig;
      const cluster = loadCluster({
        scriptPath: path === "" ? undefined : resolvePath(ctx, path),
        // Relative paths in the job's KUBECONFIG are the job's, like every path it gives.
        jobKubeconfig: ctx.job.envVars.KUBECONFIG?.split(delimiter)
          .filter((p) => p !== "")
          .map((p) => resolvePath(ctx, p))
          .join(delimiter),
        runnerPath: typeof option === "string" && option !== "" ? option : undefined,
      });
      server = cluster.server;
      const api = connect(cluster, namespace, signal);
      return await operation({ api, namespace, signal, log: (l) => ctx.log(l) }, fn, opArgs);
    } catch (e) {
      if (e instanceof Error && e.name === "RhaiRuntimeError") throw e;
      throw salError(fn, describeFailure(e, server, limit.aborted, timeoutMs + waitMs));
    }
  });
}

const method = handleMethods(K8S_MANAGER, "k8s.k8s_call", (handle) =>
  (handle as unknown as K8sManager).settings(),
);

function manager(fn: string, args: readonly Value[]): K8sManager {
  const namespace = k8sName(fn, args, 0, "namespace");
  return new K8sManager(
    namespace,
    args.length > 1 ? argNonEmpty(fn, args, 1, "kubeconfig path") : "",
  );
}

const functions: HostFunction[] = [
  ...overloads(
    workerFn({
      name: "k8s",
      params: ["string"],
      returns: K8S_MANAGER,
      doc: "A Kubernetes manager for a namespace. The cluster comes from the kubeconfig path given, else the job's `KUBECONFIG`, the runner's kubeconfig, the runner's `KUBECONFIG`, the in-cluster service account, or ~/.kube/config.",
      example: 'let k = k8s("default"); let k2 = k8s("apps", "/etc/kube/staging.yaml");',
      run: (_ctx, args) => manager("k8s", args),
    }),
    ["string", "string"],
  ),
  ...["i64", "f64"].map((t) =>
    workerFn({
      name: "timeout",
      params: [K8S_MANAGER, t],
      returns: K8S_MANAGER,
      doc: "Seconds each call may take (default 30).",
      example: 'let k = k8s("default").timeout(10);',
      run: (_ctx, args) => {
        const m = args[0] as unknown as K8sManager;
        return new K8sManager(m.namespace, m.kubeconfig, argSeconds("timeout", args, 1, "timeout"));
      },
    }),
  ),
  method(
    "pods_list",
    [],
    "array",
    "Pods of the namespace: maps with `name`, `namespace`, `phase`, `ready`, `restarts`, `node`, `ip`, `created`.",
    'for p in k8s("default").pods_list() { print(p.name + " " + p.phase); }',
  ),
  method(
    "services_list",
    [],
    "array",
    "Services: maps with `name`, `type`, `cluster_ip`, `ports` (maps with `name`, `port`, `target_port`, `protocol`, `node_port`).",
    'let svcs = k8s("default").services_list();',
  ),
  method(
    "deployments_list",
    [],
    "array",
    "Deployments: maps with `name`, `replicas`, `ready`, `available`, `updated`, `images`.",
    'for d in k8s("default").deployments_list() { print(d.name + ": " + d.ready + "/" + d.replicas); }',
  ),
  method(
    "configmaps_list",
    [],
    "array",
    "ConfigMaps: maps with `name` and `keys`.",
    'let cms = k8s("default").configmaps_list();',
  ),
  method(
    "secrets_list",
    [],
    "array",
    "Names of the namespace's secrets (never their data).",
    'if "db-password" in k8s("default").secrets_list() { print("set"); }',
  ),
  method(
    "namespaces_list",
    [],
    "array",
    "Names of every namespace of the cluster.",
    'print(k8s("default").namespaces_list());',
  ),
  method(
    "namespace_exists",
    ["string"],
    "bool",
    "Whether a namespace exists.",
    'if !k8s("default").namespace_exists("apps") { print("missing"); }',
  ),
  method(
    "namespace_create",
    ["string"],
    "bool",
    "Creates a namespace: true if created, false if it existed.",
    'k8s("default").namespace_create("apps");',
  ),
  method(
    "apply",
    ["string"],
    "array",
    "Applies each document of a YAML text (server-side apply, field manager `horus-sal`; on servers without it, create or replace). Objects without a namespace go to the manager's. Returns maps with `kind`, `name`, `namespace`, `action`.",
    'k8s("apps").apply(file_read("deploy/web.yaml"));',
  ),
  method(
    "delete",
    ["string"],
    "array",
    'Deletes the deployments, services, pods, configmaps and secrets whose names match a regular expression (anchor it, "^web$", for one name); returns what was deleted as "kind/name".',
    'let gone = k8s("apps").delete("^test-");',
  ),
  ...overloads(
    method(
      "pod_logs",
      ["string"],
      "string",
      "A pod's log (its only container), or its last lines.",
      'print(k8s("apps").pod_logs("web-5d9c7", 50));',
    ),
    [K8S_MANAGER, "string", "i64"],
  ),
  method(
    "deploy",
    ["string", "string", "i64", "array", "map"],
    "map",
    "Applies a Deployment (labels `app: name`) of an image with replicas, container ports and env vars, and a Service for the ports when there are any; a map with `deployment`, `service`, `replicas`.",
    'k8s("apps").deploy("web", "nginx:1.27", 2, [80], #{MODE: "prod"});',
  ),
  ...["i64", "f64"].map((t) =>
    method(
      "wait_ready",
      ["string", "string", t],
      "bool",
      "Waits until a pod is running and ready, a deployment has all replicas ready, a service exists (with a load balancer address if it asks for one), or a namespace is active; an error after the timeout (seconds).",
      'k8s("apps").wait_ready("deployment", "web", 120);',
    ),
  ),
  mainFn({
    name: "k8s_call",
    params: ["string", "map", "array"],
    returns: "any",
    doc: "The main-thread call behind every K8sManager method (operation, manager settings, arguments); scripts use the methods.",
    example: 'let pods = k8s_call("pods_list", #{namespace: "default"}, []);',
    run: k8sCall,
  }),
];

const k8sModule: HostModule = {
  name: "k8s",
  description:
    "Kubernetes through its REST API. `k8s(namespace)` gives a manager whose methods list pods, services, deployments, configmaps and secrets (names only), manage namespaces, apply YAML, delete by name pattern, read pod logs, deploy an image with a service, and wait until something is ready. Each call times out (30 s by default, `.timeout(s)`) and stops when the job ends; API failures are errors with the HTTP status and the API's message. Kubeconfigs may authenticate with a token, token file, client certificate or basic auth (not exec plugins); their contents never appear in logs, results or errors.",
  functions,
};

export default k8sModule;

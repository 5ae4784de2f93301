// The `k8s` host module: a Kubernetes manager bound to a namespace. `k8s(namespace)` is a
// handle in the script's worker; its methods send the operation to `k8s_call` on the main
// thread, which loads the cluster's configuration and talks to the REST API, each call
// under a timeout and aborted when the job ends.
//
// This file holds the declarations and the worker side only. The main side (`call.ts`,
// with @kubernetes/client-node and yaml, about 0.45 s of CPU to import) is imported at the
// first `k8s_call`, so no sandbox worker, and no runner whose scripts never use
// Kubernetes, pays for loading it.

import {
  argHandle,
  argNonEmpty,
  argSeconds,
  type HostFunction,
  type HostModule,
  handleMethods,
  type MainSideContext,
  mainFn,
  numberValue,
  overloads,
  workerFn,
} from "../../host/index.js";
import { RHAI_TYPE_NAME, type RhaiMap, type Value } from "../../rhai/index.js";
import { DEFAULT_TIMEOUT, k8sName } from "./checks.js";

export const K8S_MANAGER = "K8sManager";

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

const method = handleMethods(K8S_MANAGER, K8sManager, "k8s.k8s_call", (handle) =>
  handle.settings(),
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
        const m = argHandle(args, 0, K8sManager);
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
    'Deletes the deployments, services, pods, configmaps and secrets whose names match a regular expression (RE2 syntax, matched in linear time: no back-references or look-around; at most 1024 characters; anchor it, "^web$", for one name); returns what was deleted as "kind/name".',
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
    operations: method.operations,
    returns: "any",
    doc: "The main-thread call behind every K8sManager method (operation, manager settings, arguments); scripts use the methods.",
    example: 'let pods = k8s_call("pods_list", #{namespace: "default"}, []);',
    run: async (ctx: MainSideContext, args: Value[]) =>
      (await import("./call.js")).k8sCall(ctx, args),
  }),
];

const k8sModule: HostModule = {
  name: "k8s",
  description:
    "Kubernetes through its REST API. `k8s(namespace)` gives a manager whose methods list pods, services, deployments, configmaps and secrets (names only), manage namespaces, apply YAML, delete by name pattern, read pod logs, deploy an image with a service, and wait until something is ready. Each call times out (30 s by default, `.timeout(s)`) and stops when the job ends; API failures are errors with the HTTP status and the API's message. Kubeconfigs may authenticate with a token, token file, client certificate or basic auth (not exec plugins); their contents never appear in logs, results or errors.",
  functions,
};

export default k8sModule;

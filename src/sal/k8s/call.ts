// The main side of the k8s module: `k8s_call`, which chooses the cluster, connects and runs
// one K8sManager operation. Imported on first use by index.ts (never by a worker): it
// brings in @kubernetes/client-node and yaml.

import { delimiter } from "node:path";
import { RE2JS } from "re2js";
import {
  argArray,
  argInt,
  argMap,
  argNonEmpty,
  argSeconds,
  argString,
  guard,
  hostError,
  type MainSideContext,
  scalarText,
} from "../../host/index.js";
import { Float, typeName, type Value } from "../../rhai/index.js";
import { coerceError } from "../../util/index.js";
import { resolvePath } from "../job-state.js";
import { DEFAULT_TIMEOUT, k8sName } from "./checks.js";
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

function envValue(fn: string, key: string, v: Value): string {
  const text = scalarText(v);
  if (text !== undefined) return text;
  throw hostError(fn, `env value of ${key} must be a string, number or bool, got ${typeName(v)}`);
}

/** Longest name pattern `delete` accepts (Kubernetes names are at most 253 characters). */
const MAX_PATTERN_LENGTH = 1024;

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
    if (source.length > MAX_PATTERN_LENGTH) {
      throw hostError(
        fn,
        `pattern is ${source.length} characters long, at most ${MAX_PATTERN_LENGTH} are allowed`,
      );
    }
    // RE2 semantics, matched in linear time: a JavaScript RegExp such as "(a+)+$" ran for a
    // minute against a 28-character name on this (main) thread, freezing the runner.
    let pattern: RE2JS;
    try {
      pattern = RE2JS.compile(source);
    } catch (e) {
      throw hostError(fn, `not a regular expression: ${coerceError(e).message}`);
    }
    return deleteMatching(k, (name) => pattern.matcher(name).find());
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
    if (replicas < 0) throw hostError(fn, `replicas must not be negative, got ${replicas}`);
    const ports = argArray(fn, a, 3, "ports").map((p, i) => {
      if (typeof p !== "number" || p < 1 || p > 65535)
        throw hostError(fn, `ports[${i}] must be a port number`);
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
      throw hostError(fn, `cannot wait for a ${given} (pod, deployment, service or namespace)`);
    return waitReady(k, kind, k8sName(fn, a, 1, "name"), argSeconds(fn, a, 2, "timeout") * 1000);
  },
};

/** `k8s_call`: runs one K8sManager method against the cluster its settings choose. */
export async function k8sCall(ctx: MainSideContext, args: readonly Value[]): Promise<Value> {
  const op = argString("k8s_call", args, 0, "operation");
  const operation = operations[op];
  if (!operation) throw hostError("k8s_call", `unknown operation "${op}"`);
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
      throw hostError(fn, describeFailure(e, server, limit.aborted, timeoutMs + waitMs));
    }
  });
}

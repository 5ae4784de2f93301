// What the k8s module does with a cluster: summaries of namespaced resources, namespaces,
// apply (server-side apply, else create or replace), delete by pattern, logs, a deployment
// with its service, and waiting until something is ready.

import { type KubernetesObject, PatchStrategy, type V1ObjectMeta } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { fromPlain, rhaiMap } from "../../host/index.js";
import type { Value } from "../../rhai/index.js";
import { type K8sApis, K8sError, statusOf } from "./client.js";

export const FIELD_MANAGER = "horus-sal";

export interface K8sContext {
  readonly api: K8sApis;
  readonly namespace: string;
  readonly signal: AbortSignal;
  log(line: string): void;
}

/** A Kubernetes object from a manifest, as JSON. Only the fields this module reads are typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

const nameOf = (o: { metadata?: V1ObjectMeta }) => o.metadata?.name ?? "";

/** An API timestamp (the library gives a Date) as the API writes it: RFC 3339 in UTC. */
function timestamp(d: Date | string | undefined): string | undefined {
  if (typeof d === "string") return d;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) return undefined;
  return d.toISOString().replace(/\.000Z$/, "Z");
}

export async function podsList(k: K8sContext): Promise<Value[]> {
  const list = await k.api.core.listNamespacedPod({ namespace: k.namespace });
  return list.items.map((p) => {
    const statuses = p.status?.containerStatuses ?? [];
    return rhaiMap({
      name: nameOf(p),
      namespace: p.metadata?.namespace,
      phase: p.status?.phase,
      ready: statuses.length > 0 && statuses.every((c) => c.ready === true),
      restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
      node: p.spec?.nodeName,
      ip: p.status?.podIP,
      created: timestamp(p.metadata?.creationTimestamp),
    });
  });
}

export async function servicesList(k: K8sContext): Promise<Value[]> {
  const list = await k.api.core.listNamespacedService({ namespace: k.namespace });
  return list.items.map((s) =>
    rhaiMap({
      name: nameOf(s),
      type: s.spec?.type,
      cluster_ip: s.spec?.clusterIP,
      ports: (s.spec?.ports ?? []).map((p) =>
        rhaiMap({
          name: fromPlain(p.name),
          port: fromPlain(p.port),
          target_port: fromPlain(p.targetPort),
          protocol: fromPlain(p.protocol),
          node_port: fromPlain(p.nodePort),
        }),
      ),
    }),
  );
}

export async function deploymentsList(k: K8sContext): Promise<Value[]> {
  const list = await k.api.apps.listNamespacedDeployment({ namespace: k.namespace });
  return list.items.map((d) =>
    rhaiMap({
      name: nameOf(d),
      replicas: d.spec?.replicas ?? 1,
      ready: d.status?.readyReplicas ?? 0,
      available: d.status?.availableReplicas ?? 0,
      updated: d.status?.updatedReplicas ?? 0,
      images: (d.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
    }),
  );
}

export async function configmapsList(k: K8sContext): Promise<Value[]> {
  const list = await k.api.core.listNamespacedConfigMap({ namespace: k.namespace });
  return list.items.map((c) =>
    rhaiMap({
      name: nameOf(c),
      keys: [...Object.keys(c.data ?? {}), ...Object.keys(c.binaryData ?? {})].sort(),
    }),
  );
}

/** Secret names only: their data never leaves this function. */
export async function secretsList(k: K8sContext): Promise<Value[]> {
  const list = await k.api.core.listNamespacedSecret({ namespace: k.namespace });
  return list.items.map(nameOf);
}

export async function namespacesList(k: K8sContext): Promise<Value[]> {
  return (await k.api.core.listNamespace()).items.map(nameOf);
}

export async function namespaceExists(k: K8sContext, name: string): Promise<boolean> {
  try {
    await k.api.core.readNamespace({ name });
    return true;
  } catch (e) {
    if (statusOf(e) === 404) return false;
    throw e;
  }
}

export async function namespaceCreate(k: K8sContext, name: string): Promise<boolean> {
  try {
    await k.api.core.createNamespace({
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
    });
    k.log(`k8s: namespace ${name} created`);
    return true;
  } catch (e) {
    if (statusOf(e) === 409) return false; // exists already
    throw e;
  }
}

/** The documents of a YAML text, each checked to be a Kubernetes object. */
export function parseManifests(text: string): KubeObject[] {
  const docs = parseAllDocuments(text);
  const objects: KubeObject[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0)
      throw new K8sError(
        `document ${i + 1} is not valid YAML: ${doc.errors[0]?.message.split("\n")[0]}`,
      );
    const obj = doc.toJS() as unknown;
    if (obj === null || obj === undefined) return; // an empty document (a trailing ---)
    const o = obj as KubeObject;
    if (typeof o !== "object" || Array.isArray(o))
      throw new K8sError(`document ${i + 1} is not a mapping`);
    if (typeof o.kind !== "string" || typeof o.apiVersion !== "string")
      throw new K8sError(`document ${i + 1} has no kind and apiVersion`);
    if (typeof o.metadata?.name !== "string" || o.metadata.name === "")
      throw new K8sError(`document ${i + 1} (${o.kind}) has no metadata.name`);
    objects.push(o);
  });
  if (objects.length === 0) throw new K8sError("the YAML holds no object");
  return objects;
}

/**
 * Puts the object in the manager's namespace when its kind is namespaced and it names
 * none, and takes a namespace off a cluster-scoped one (the API would refuse it).
 */
async function place(k: K8sContext, spec: KubeObject): Promise<KubernetesObject> {
  const { namespaced } = await k.api.objects.scope(spec.apiVersion as string, spec.kind as string);
  spec.metadata ??= {};
  if (namespaced) spec.metadata.namespace ??= k.namespace;
  else delete spec.metadata.namespace;
  return spec as KubernetesObject;
}

/**
 * Server-side apply of one object (we own the fields we set, conflicts are forced); on a
 * server without it (HTTP 415), create the object or replace it at its current version.
 */
async function applyOne(k: K8sContext, spec: KubeObject): Promise<string> {
  const objects = k.api.objects;
  const object = await place(k, spec);
  try {
    await objects.patch(
      object,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
    return "applied";
  } catch (e) {
    if (statusOf(e) !== 415) throw e;
  }
  let existing: KubernetesObject | undefined;
  try {
    existing = await objects.read({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: spec.metadata?.name as string, namespace: object.metadata?.namespace },
    });
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
  if (existing) {
    const metadata = { ...object.metadata, resourceVersion: existing.metadata?.resourceVersion };
    await objects.replace({ ...object, metadata });
    return "replaced";
  }
  await objects.create(object);
  return "created";
}

export async function apply(k: K8sContext, specs: KubeObject[]): Promise<Value[]> {
  const done: Value[] = [];
  for (const spec of specs) {
    const action = await applyOne(k, spec);
    const namespace = spec.metadata?.namespace; // set by `place` for namespaced kinds
    k.log(`k8s: ${spec.kind}/${spec.metadata?.name} ${action}`);
    done.push(rhaiMap({ kind: spec.kind, name: spec.metadata?.name, namespace, action }));
  }
  return done;
}

const DELETABLE: [name: string, apiVersion: string, kind: string][] = [
  // Deployments first, so their pods are not replaced while we delete them.
  ["deployment", "apps/v1", "Deployment"],
  ["service", "v1", "Service"],
  ["pod", "v1", "Pod"],
  ["configmap", "v1", "ConfigMap"],
  ["secret", "v1", "Secret"],
];

/** Deletes the namespace's deployments, services, pods, configmaps and secrets whose names match. */
export async function deleteMatching(
  k: K8sContext,
  matches: (name: string) => boolean,
): Promise<Value[]> {
  const objects = k.api.objects;
  const deleted: Value[] = [];
  for (const [name, apiVersion, kind] of DELETABLE) {
    const list = await objects.list(apiVersion, kind, k.namespace);
    const names = list.items.map(nameOf).filter(matches);
    for (const item of names) {
      const target = { apiVersion, kind, metadata: { name: item, namespace: k.namespace } };
      try {
        // Background: the deployment's replica sets and pods are collected after it.
        await objects.delete(target, undefined, undefined, undefined, undefined, "Background");
      } catch (e) {
        if (statusOf(e) === 404) continue; // gone meanwhile (a deployment's pod)
        throw e;
      }
      deleted.push(`${name}/${item}`);
    }
  }
  if (deleted.length > 0) k.log(`k8s: deleted ${deleted.join(", ")}`);
  return deleted;
}

export async function podLogs(k: K8sContext, name: string, tail?: number): Promise<string> {
  return k.api.core.readNamespacedPodLog({ name, namespace: k.namespace, tailLines: tail });
}

export interface DeploySpec {
  readonly name: string;
  readonly image: string;
  readonly replicas: number;
  readonly ports: number[];
  readonly env: [string, string][];
}

/** The Deployment (and Service, when there are ports) `deploy` applies. */
export function deployObjects(d: DeploySpec, namespace: string): KubeObject[] {
  const labels = { app: d.name };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: d.name, namespace, labels },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: d.name,
              image: d.image,
              ...(d.ports.length > 0 ? { ports: d.ports.map((p) => ({ containerPort: p })) } : {}),
              ...(d.env.length > 0 ? { env: d.env.map(([name, value]) => ({ name, value })) } : {}),
            },
          ],
        },
      },
    },
  };
  if (d.ports.length === 0) return [deployment];
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: d.name, namespace, labels },
    spec: {
      selector: labels,
      ports: d.ports.map((p) => ({ name: `port-${p}`, port: p, targetPort: p, protocol: "TCP" })),
    },
  };
  return [deployment, service];
}

const KINDS: Record<string, string> = {
  pod: "pod",
  pods: "pod",
  po: "pod",
  deployment: "deployment",
  deployments: "deployment",
  deploy: "deployment",
  service: "service",
  services: "service",
  svc: "service",
  namespace: "namespace",
  namespaces: "namespace",
  ns: "namespace",
};

export function waitKind(kind: string): string | undefined {
  return KINDS[kind.toLowerCase()];
}

/** Whether the object is ready, and a few words on where it stands. */
async function readiness(k: K8sContext, kind: string, name: string): Promise<[boolean, string]> {
  const namespace = k.namespace;
  try {
    switch (kind) {
      case "pod": {
        const p = await k.api.core.readNamespacedPod({ name, namespace });
        const phase = p.status?.phase ?? "Pending";
        if (phase === "Failed")
          throw new K8sError(
            `pod "${name}" failed: ${p.status?.message ?? p.status?.reason ?? "no reason given"}`,
          );
        const conditions = p.status?.conditions ?? [];
        const ready = conditions.some((c) => c.type === "Ready" && c.status === "True");
        return [phase === "Running" && ready, `phase ${phase}${ready ? "" : ", not ready"}`];
      }
      case "deployment": {
        const d = await k.api.apps.readNamespacedDeployment({ name, namespace });
        const want = d.spec?.replicas ?? 1;
        const ready = d.status?.readyReplicas ?? 0;
        const available = d.status?.availableReplicas ?? 0;
        const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
        return [
          observed && ready >= want && available >= want,
          `${ready} of ${want} replicas ready`,
        ];
      }
      case "service": {
        const s = await k.api.core.readNamespacedService({ name, namespace });
        if (s.spec?.type !== "LoadBalancer") return [true, "exists"];
        const ingress = s.status?.loadBalancer?.ingress ?? [];
        return [ingress.length > 0, "waiting for a load balancer address"];
      }
      default: {
        const n = await k.api.core.readNamespace({ name });
        const phase = n.status?.phase ?? "unknown";
        return [phase === "Active", `phase ${phase}`];
      }
    }
  } catch (e) {
    if (statusOf(e) === 404) return [false, "does not exist yet"];
    throw e;
  }
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export async function waitReady(
  k: K8sContext,
  kind: string,
  name: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [ready, state] = await readiness(k, kind, name);
    if (ready) return true;
    if (Date.now() + 1000 > deadline || k.signal.aborted)
      throw new K8sError(`${kind} "${name}" not ready after ${timeoutMs / 1000}s (${state})`);
    await pause(1000, k.signal);
  }
}

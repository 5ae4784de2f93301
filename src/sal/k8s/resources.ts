// What the k8s module does with a cluster: summaries of namespaced resources, namespaces,
// apply (server-side apply, else create or replace), delete by pattern, logs, a deployment
// with its service, and waiting until something is ready.

import { parseAllDocuments } from "yaml";
import type { Value } from "../../rhai/index.js";
import { fromPlain } from "../hetzner/plain.js";
import { rhaiMap } from "../values.js";
import { type K8sClient, K8sError, statusOf } from "./client.js";

export const FIELD_MANAGER = "horus-sal";
const SERVER_SIDE_APPLY = "application/apply-patch+yaml";

export interface K8sContext {
  readonly api: K8sClient;
  readonly namespace: string;
  readonly signal: AbortSignal;
  log(line: string): void;
}

/** A Kubernetes object as JSON. Only the fields this module reads are typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    [k: string]: unknown;
  };
  // biome-ignore lint/suspicious/noExplicitAny: spec and status differ by kind; every read is optional-chained
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  status?: any;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  [k: string]: unknown;
}

const ns = (namespace: string) => `/namespaces/${encodeURIComponent(namespace)}`;
const CORE = "/api/v1";
const APPS = "/apis/apps/v1";

async function items(k: K8sContext, group: string, plural: string): Promise<KubeObject[]> {
  const list = await k.api.json("GET", `${group}${ns(k.namespace)}/${plural}`);
  return Array.isArray(list.items) ? (list.items as KubeObject[]) : [];
}

const nameOf = (o: KubeObject) => o.metadata?.name ?? "";

export async function podsList(k: K8sContext): Promise<Value[]> {
  return (await items(k, CORE, "pods")).map((p) => {
    const statuses: { ready?: boolean; restartCount?: number }[] =
      p.status?.containerStatuses ?? [];
    return rhaiMap({
      name: nameOf(p),
      namespace: p.metadata?.namespace,
      phase: p.status?.phase,
      ready: statuses.length > 0 && statuses.every((c) => c.ready === true),
      restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
      node: p.spec?.nodeName,
      ip: p.status?.podIP,
      created: p.metadata?.creationTimestamp,
    });
  });
}

export async function servicesList(k: K8sContext): Promise<Value[]> {
  return (await items(k, CORE, "services")).map((s) =>
    rhaiMap({
      name: nameOf(s),
      type: s.spec?.type,
      cluster_ip: s.spec?.clusterIP,
      ports: ((s.spec?.ports ?? []) as Record<string, unknown>[]).map((p) =>
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
  return (await items(k, APPS, "deployments")).map((d) =>
    rhaiMap({
      name: nameOf(d),
      replicas: d.spec?.replicas ?? 1,
      ready: d.status?.readyReplicas ?? 0,
      available: d.status?.availableReplicas ?? 0,
      updated: d.status?.updatedReplicas ?? 0,
      images: ((d.spec?.template?.spec?.containers ?? []) as { image?: string }[]).map(
        (c) => c.image ?? "",
      ),
    }),
  );
}

export async function configmapsList(k: K8sContext): Promise<Value[]> {
  return (await items(k, CORE, "configmaps")).map((c) =>
    rhaiMap({
      name: nameOf(c),
      keys: [...Object.keys(c.data ?? {}), ...Object.keys(c.binaryData ?? {})].sort(),
    }),
  );
}

/** Secret names only: their data never leaves this function. */
export async function secretsList(k: K8sContext): Promise<Value[]> {
  return (await items(k, CORE, "secrets")).map(nameOf);
}

export async function namespacesList(k: K8sContext): Promise<Value[]> {
  const list = await k.api.json("GET", `${CORE}/namespaces`);
  return Array.isArray(list.items) ? (list.items as KubeObject[]).map(nameOf) : [];
}

export async function namespaceExists(k: K8sContext, name: string): Promise<boolean> {
  try {
    await k.api.json("GET", `${CORE}/namespaces/${encodeURIComponent(name)}`);
    return true;
  } catch (e) {
    if (statusOf(e) === 404) return false;
    throw e;
  }
}

export async function namespaceCreate(k: K8sContext, name: string): Promise<boolean> {
  try {
    await k.api.json("POST", `${CORE}/namespaces`, {
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

/** The object's URL (collection and item), after finding its kind's plural and scope. */
async function locate(
  k: K8sContext,
  spec: KubeObject,
): Promise<{ collection: string; item: string }> {
  const apiVersion = spec.apiVersion as string;
  const { plural, namespaced } = await k.api.resource(apiVersion, spec.kind as string);
  spec.metadata ??= {};
  const metadata = spec.metadata;
  if (namespaced) metadata.namespace ??= k.namespace;
  else delete metadata.namespace;
  const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scope = namespaced ? ns(metadata.namespace as string) : "";
  const collection = `${root}${scope}/${plural}`;
  return { collection, item: `${collection}/${encodeURIComponent(metadata.name as string)}` };
}

/**
 * Server-side apply of one object (we own the fields we set, conflicts are forced); on a
 * server without it (HTTP 415), create the object or replace it at its current version.
 */
async function applyOne(k: K8sContext, spec: KubeObject): Promise<string> {
  const { collection, item } = await locate(k, spec);
  try {
    await k.api.json("PATCH", item, {
      query: { fieldManager: FIELD_MANAGER, force: true },
      body: spec,
      contentType: SERVER_SIDE_APPLY,
    });
    return "applied";
  } catch (e) {
    if (statusOf(e) !== 415) throw e;
  }
  let existing: KubeObject | undefined;
  try {
    existing = (await k.api.json("GET", item)) as KubeObject;
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
  if (existing) {
    const metadata = { ...spec.metadata, resourceVersion: existing.metadata?.resourceVersion };
    await k.api.json("PUT", item, { body: { ...spec, metadata } });
    return "replaced";
  }
  await k.api.json("POST", collection, { body: spec });
  return "created";
}

export async function apply(k: K8sContext, specs: KubeObject[]): Promise<Value[]> {
  const done: Value[] = [];
  for (const spec of specs) {
    const action = await applyOne(k, spec);
    const namespace = spec.metadata?.namespace; // set by the object API for namespaced kinds
    k.log(`k8s: ${spec.kind}/${spec.metadata?.name} ${action}`);
    done.push(rhaiMap({ kind: spec.kind, name: spec.metadata?.name, namespace, action }));
  }
  return done;
}

const DELETABLE: [kind: string, group: string, plural: string][] = [
  // Deployments first, so their pods are not replaced while we delete them.
  ["deployment", APPS, "deployments"],
  ["service", CORE, "services"],
  ["pod", CORE, "pods"],
  ["configmap", CORE, "configmaps"],
  ["secret", CORE, "secrets"],
];

/** Deletes the namespace's deployments, services, pods, configmaps and secrets whose names match. */
export async function deleteMatching(k: K8sContext, pattern: RegExp): Promise<Value[]> {
  const deleted: Value[] = [];
  for (const [kind, group, plural] of DELETABLE) {
    const names = (await items(k, group, plural)).map(nameOf).filter((n) => pattern.test(n));
    for (const name of names) {
      try {
        await k.api.json(
          "DELETE",
          `${group}${ns(k.namespace)}/${plural}/${encodeURIComponent(name)}`,
          {
            // Background: the deployment's replica sets and pods are collected after it.
            ...(kind === "deployment"
              ? {
                  body: {
                    kind: "DeleteOptions",
                    apiVersion: "v1",
                    propagationPolicy: "Background",
                  },
                }
              : {}),
          },
        );
      } catch (e) {
        if (statusOf(e) === 404) continue; // gone meanwhile (a deployment's pod)
        throw e;
      }
      deleted.push(`${kind}/${name}`);
    }
  }
  if (deleted.length > 0) k.log(`k8s: deleted ${deleted.join(", ")}`);
  return deleted;
}

export async function podLogs(k: K8sContext, name: string, tail?: number): Promise<string> {
  return k.api.text("GET", `${CORE}${ns(k.namespace)}/pods/${encodeURIComponent(name)}/log`, {
    query: { tailLines: tail },
  });
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
  const item = (group: string, plural: string) =>
    k.api.json(
      "GET",
      `${group}${ns(k.namespace)}/${plural}/${encodeURIComponent(name)}`,
    ) as Promise<KubeObject>;
  try {
    switch (kind) {
      case "pod": {
        const p = await item(CORE, "pods");
        const phase: string = p.status?.phase ?? "Pending";
        if (phase === "Failed")
          throw new K8sError(
            `pod "${name}" failed: ${p.status?.message ?? p.status?.reason ?? "no reason given"}`,
          );
        const conditions: { type?: string; status?: string }[] = p.status?.conditions ?? [];
        const ready = conditions.some((c) => c.type === "Ready" && c.status === "True");
        return [phase === "Running" && ready, `phase ${phase}${ready ? "" : ", not ready"}`];
      }
      case "deployment": {
        const d = await item(APPS, "deployments");
        const want: number = d.spec?.replicas ?? 1;
        const ready: number = d.status?.readyReplicas ?? 0;
        const available: number = d.status?.availableReplicas ?? 0;
        const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
        return [
          observed && ready >= want && available >= want,
          `${ready} of ${want} replicas ready`,
        ];
      }
      case "service": {
        const s = await item(CORE, "services");
        if (s.spec?.type !== "LoadBalancer") return [true, "exists"];
        const ingress: unknown[] = s.status?.loadBalancer?.ingress ?? [];
        return [ingress.length > 0, "waiting for a load balancer address"];
      }
      default: {
        const n = (await k.api.json(
          "GET",
          `${CORE}/namespaces/${encodeURIComponent(name)}`,
        )) as KubeObject;
        const phase: string = n.status?.phase ?? "unknown";
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

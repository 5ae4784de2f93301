// Public surface of the SAL host modules: each module, the list a runner registers, and the
// reference page rendered from their declarations.

import type { HostModule } from "../host/index.js";
import type { HostModuleSpec } from "../sandbox/index.js";
import hetznerModule from "./hetzner/index.js";
import k8sModule from "./k8s/index.js";
import netModule from "./net/index.js";
import osModule from "./os/index.js";
import postgresModule from "./postgres/index.js";
import processModule from "./process/index.js";
import redisModule from "./redis/index.js";
import { renderSalReference as renderReference } from "./reference.js";
import textModule from "./text/index.js";
import vmModule from "./vm/index.js";

export { CommandBuilder } from "./process/builder.js";
export {
  hetznerModule,
  k8sModule,
  netModule,
  osModule,
  postgresModule,
  processModule,
  redisModule,
  textModule,
  vmModule,
};

/** Every SAL module, in the order the reference page lists them. */
export const salModules: HostModule[] = [
  osModule,
  processModule,
  netModule,
  redisModule,
  postgresModule,
  textModule,
  k8sModule,
  vmModule,
  hetznerModule,
];

/** The reference page (docs/sal.md) for these modules, in markdown. */
export function renderSalReference(modules: readonly HostModule[] = salModules): string {
  return renderReference(modules);
}

/** What a runner tells the SAL modules (each function sees it as `ctx.job.options`). */
export interface SalOptions {
  /** Redis for scripts' redis_* calls when the job sets no REDIS_URL (never the queue's client). */
  readonly redisUrl?: string;
  /** PostgreSQL for pg_* calls when the job's env names none. */
  readonly databaseUrl?: string;
  /** Initial working directory of every job (default: the runner's own). */
  readonly workDir?: string;
  /** Kubernetes: the kubeconfig for jobs that name none (before $KUBECONFIG, in-cluster, ~/.kube/config). */
  readonly kubeconfig?: string;
  /** Where virtual machines live (default: $HORUS_VM_DIR, else ~/.local/state/horus/vms). */
  readonly vmDir?: string;
  /** Hetzner Cloud API base URL (default https://api.hetzner.cloud/v1, or the job's HETZNER_API_URL). */
  readonly hetznerUrl?: string;
}

const MODULE_DIRS = [
  "os",
  "process",
  "net",
  "redis",
  "postgres",
  "text",
  "k8s",
  "vm",
  "hetzner",
] as const;

/**
 * The sandbox's module specs for SAL: each module's file (whose default export is the
 * module, loaded by URL in every worker) with the same options for all, so every module
 * agrees on the job's working directory. Under vitest this file runs from its TypeScript
 * source, which a worker cannot import: the specs then point at the build in dist/.
 */
export function salModuleSpecs(options: SalOptions = {}): HostModuleSpec[] {
  const here = import.meta.url;
  const base = here.endsWith(".ts") ? new URL("../../dist/sal/", here) : new URL("./", here);
  const clean = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return MODULE_DIRS.map((dir) => ({ url: new URL(`${dir}/index.js`, base), options: clean }));
}

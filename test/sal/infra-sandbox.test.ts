// End to end in the real sandbox (worker pool, shared-memory bridge, the Rhai engine): the
// k8s, vm and hetzner fixtures run next to every SAL part-1 module, as runner_sal will load
// them (from dist/), against the loopback APIs and a real QEMU machine.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { salModuleSpecs } from "../../src/sal/index.js";
import { createSandbox, type HostModuleSpec, type Sandbox } from "../../src/sandbox/index.js";
import { FakeHetzner } from "./fake-hetzner.js";
import { FakeKubernetes } from "./fake-kubernetes.js";
import { tempDir } from "./helpers.js";

const HCLOUD_TOKEN = "hc-sandbox-token-0f1e2d3c";
const K8S_TOKEN = "k8s-sandbox-token-9a8b7c";

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

/** The part-2 modules as the sandbox loads them: their built files, with the runner's options. */
function infraModuleSpecs(options: Record<string, unknown>): HostModuleSpec[] {
  return ["k8s", "vm", "hetzner"].map((dir) => ({
    url: new URL(`../../dist/sal/${dir}/index.js`, import.meta.url),
    options,
  }));
}

const PART2_FILE = /\/sal\/(k8s|vm|hetzner)\/index\.js$/;

let sandbox: Sandbox;
let hetznerApi: FakeHetzner;
let k8sApi: FakeKubernetes;
let dir: string;
let remove: () => Promise<void>;
let kubeconfig: string;
let counter = 0;

beforeAll(async () => {
  ({ dir, remove } = await tempDir());
  hetznerApi = new FakeHetzner(HCLOUD_TOKEN);
  k8sApi = new FakeKubernetes(K8S_TOKEN);
  await Promise.all([hetznerApi.start(), k8sApi.start()]);
  kubeconfig = join(dir, "kubeconfig.yaml");
  writeFileSync(kubeconfig, k8sApi.kubeconfig());
  sandbox = await createSandbox({
    // Part 1 as runner_sal lists it (without part 2, should it be registered already), then
    // part 2 with the test's VM directory.
    modules: [
      ...salModuleSpecs().filter((spec) => !PART2_FILE.test(String(spec.url))),
      ...infraModuleSpecs({ vmDir: join(dir, "vms") }),
    ],
    size: 1,
  });
});
afterAll(async () => {
  await sandbox?.close();
  await Promise.all([hetznerApi?.stop(), k8sApi?.stop()]);
  await remove();
});

function run(name: string, envVars: Record<string, string>, lines: string[] = []) {
  counter++;
  return sandbox.run(
    {
      source: fixture(name),
      jobId: `infra-e2e-${process.pid}-${counter}`,
      callerId: "tester",
      contextId: "ctx",
      signatories: [],
      envVars,
    },
    { timeoutMs: 60_000, onLog: (line) => lines.push(line) },
  );
}

describe("SAL part 2 scripts through the sandbox", () => {
  test("hetzner.rhai: servers and keys, Hetzner's error caught, the token never shown", async () => {
    const lines: string[] = [];
    const out = await run("hetzner.rhai", { HCLOUD_TOKEN, HETZNER_API_URL: hetznerApi.url }, lines);
    expect(out).toBe(
      'client=HetznerClient status=running off=success now=off names=["rhai-1"] types=120 left=0 dup=server_create: Hetzner API error uniqueness_error (HTTP 409): server name is already used',
    );
    expect(hetznerApi.requests.every((r) => r.authorization === `Bearer ${HCLOUD_TOKEN}`)).toBe(
      true,
    );
    expect(lines.join("\n")).not.toContain(HCLOUD_TOKEN);
  });

  test("k8s.rhai: namespace, apply, deploy, wait, list, delete; a 404 caught", async () => {
    const lines: string[] = [];
    const out = await run("k8s.rhai", { KUBECONFIG: kubeconfig }, lines);
    expect(out).toBe(
      'manager=K8sManager("shop") created=true applied=applied service=web ready=true deps=["web"] gone=["deployment/web", "service/web", "configmap/web-config"] missing=k8s("shop").pod_logs: HTTP 404 NotFound: pods "ghost" not found',
    );
    expect(lines).toContain("k8s: namespace shop created");
    expect(lines.join("\n")).not.toContain(K8S_TOKEN);
  });

  test("vm.rhai: a real QEMU machine started, running, stopped hard, deleted", async () => {
    const lines: string[] = [];
    const out = await run("vm.rhai", { VM_NAME: `sbx-${process.pid}` }, lines);
    expect(out).toBe(
      `started=running memory=128 status=running listed=1 graceful=false after=stopped deleted=true err=vm("sbx-${process.pid}").status: no VM named "sbx-${process.pid}"`,
    );
    expect(lines).toContain(`vm: sbx-${process.pid} did not power off within 1s; stopped hard`);
  });
});

// runner_sal as a real process running the part-2 packages: Hetzner and Kubernetes against
// loopback APIs, a real QEMU machine, and their failures as job errors (unreachable API, a
// 4xx with its message, a timeout, a VM that ignores the power button). A machine started by
// one runner process is found again by the next one.
//
// The runner is dist/cli/runner_sal.js, which loads the modules `salModuleSpecs` lists.

import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import type { JobRecord } from "../../src/protocol/index.js";
import { distBin, type Proc, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { outputOf } from "../runners/helpers.js";
import { FakeHetzner } from "./fake-hetzner.js";
import { FakeKubernetes } from "./fake-kubernetes.js";
import { tempDir } from "./helpers.js";

const HCLOUD_TOKEN = "hc-runner-token-5e6f7a8b";
const K8S_TOKEN = "k8s-runner-token-1c2d3e";
const RUNNER = distBin("runner_sal");
const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

let redis: Redis;
let client: HorusClient;
let runner: Proc;
let hetznerApi: FakeHetzner;
let k8sApi: FakeKubernetes;
let dir: string;
let remove: () => Promise<void>;
let kubeconfig: string;
const ns = uniqueNamespace("infra");
const runnerId = "runner_sal_part2";
const keys = generateKeyPair();

function start(): Promise<Proc> {
  return startRunner({
    script: RUNNER,
    runnerId,
    namespace: ns,
    trustedKeys: [keys.public_key],
    redisUrl: REDIS_URL,
    args: ["--concurrency", "2"],
    env: { HORUS_VM_DIR: join(dir, "vms") },
  });
}

function run(payload: string, env: Record<string, string> = {}, timeout = 60): Promise<JobRecord> {
  const job: Job = { ...createJob({ payload, runner: runnerId, timeout }), env_vars: env };
  return client.run(signJob(job, keys.private_key));
}

function errorOf(record: JobRecord): string {
  expect(record.status).toBe("error");
  return record.error ?? "";
}

beforeAll(async () => {
  ({ dir, remove } = await tempDir());
  redis = testRedis();
  client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  hetznerApi = new FakeHetzner(HCLOUD_TOKEN);
  k8sApi = new FakeKubernetes(K8S_TOKEN);
  await Promise.all([hetznerApi.start(), k8sApi.start()]);
  kubeconfig = join(dir, "kubeconfig.yaml");
  writeFileSync(kubeconfig, k8sApi.kubeconfig());
  runner = await start();
});
afterAll(async () => {
  // Never leave a machine behind: delete what a failed test may have left running.
  if (runner) await run('for m in vm_list() { vm(m.name).delete(); } "clean"').catch(() => {});
  await runner?.stop("SIGKILL");
  await client?.close();
  if (redis) {
    await dropNamespace(redis, ns);
    await redis.quit();
  }
  await Promise.all([hetznerApi?.stop(), k8sApi?.stop()]);
  await remove?.();
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("runner_sal: Hetzner Cloud", () => {
  test("servers and keys end to end; the token is in no log line", async () => {
    const record = await run(fixture("hetzner.rhai"), {
      HCLOUD_TOKEN,
      HETZNER_API_URL: hetznerApi.url,
    });
    expect(outputOf(record)).toBe(
      'client=HetznerClient status=running off=success now=off names=["rhai-1"] types=120 left=0 dup=server_create: Hetzner API error uniqueness_error (HTTP 409): server name is already used',
    );
    const logs = await client.logs(record.id);
    expect(logs.some((l) => /^hetzner: server \d+ deleted$/.test(l))).toBe(true);
    expect(logs.join("\n")).not.toContain(HCLOUD_TOKEN);
  });

  test("a 4xx fails the job with Hetzner's code and message, never the token", async () => {
    const wrong = "hc-wrong-token-never-shown";
    const record = await run("hetzner(ENV.TOKEN).servers_list()", {
      TOKEN: wrong,
      HETZNER_API_URL: hetznerApi.url,
    });
    const error = errorOf(record);
    expect(error).toContain(
      "servers_list: Hetzner API error unauthorized (HTTP 401): unable to authenticate",
    );
    expect(error).not.toContain(wrong);
    expect(JSON.stringify(await client.logs(record.id))).not.toContain(wrong);
  });

  test("an unreachable API fails the job with the address and the reason", async () => {
    const port = await closedPort();
    const record = await run("hetzner().servers_list()", {
      HCLOUD_TOKEN,
      HETZNER_API_URL: `http://127.0.0.1:${port}/v1`,
    });
    expect(errorOf(record)).toContain(
      `servers_list: cannot reach the Hetzner API at http://127.0.0.1:${port}/v1 (GET /servers): ECONNREFUSED`,
    );
  });
});

describe("runner_sal: Kubernetes", () => {
  test("namespace, apply, deploy, wait, list, delete", async () => {
    const record = await run(fixture("k8s.rhai"), { KUBECONFIG: kubeconfig });
    expect(outputOf(record)).toBe(
      'manager=K8sManager("shop") created=true applied=applied service=web ready=true deps=["web"] gone=["deployment/web", "service/web", "configmap/web-config"] missing=k8s("shop").pod_logs: HTTP 404 NotFound: pods "ghost" not found',
    );
    expect(k8sApi.requests.every((r) => r.authorization === `Bearer ${K8S_TOKEN}`)).toBe(true);
    expect((await client.logs(record.id)).join("\n")).not.toContain(K8S_TOKEN);
  });

  test("an API that does not answer: the call times out and the job fails with it", async () => {
    k8sApi.hangPrefix = "/api/v1/namespaces/slow/pods";
    try {
      const started = Date.now();
      const record = await run('k8s("slow").timeout(1).pods_list()', { KUBECONFIG: kubeconfig });
      expect(errorOf(record)).toContain(
        `k8s("slow").pods_list: no answer from the Kubernetes API at ${k8sApi.url} within 1s`,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      k8sApi.hangPrefix = undefined;
    }
  });

  test("an unreachable cluster, and a 4xx with the API's message", async () => {
    const port = await closedPort();
    const path = join(dir, "closed.yaml");
    writeFileSync(path, k8sApi.kubeconfig().replace(k8sApi.url, `http://127.0.0.1:${port}`));
    const unreachable = await run('k8s("default", ENV.CONFIG).namespaces_list()', { CONFIG: path });
    expect(errorOf(unreachable)).toContain(
      `cannot reach the Kubernetes API at http://127.0.0.1:${port}: ECONNREFUSED`,
    );
    const invalid = await run(
      'k8s("default").apply("apiVersion: v1\\nkind: Service\\nmetadata: {name: bad}\\nspec: {selector: {app: x}}\\n")',
      { KUBECONFIG: kubeconfig },
    );
    expect(errorOf(invalid)).toContain(
      'k8s("default").apply: HTTP 422 Invalid: Service "bad" is invalid: spec.ports: Required value',
    );
  });
});

describe("runner_sal: virtual machines", () => {
  test("a firmware-only machine: running through QMP, stopped hard after the grace period, deleted", async () => {
    const name = `job-${process.pid}`;
    const record = await run(fixture("vm.rhai"), { VM_NAME: name });
    expect(outputOf(record)).toBe(
      `started=running memory=128 status=running listed=1 graceful=false after=stopped deleted=true err=vm("${name}").status: no VM named "${name}"`,
    );
    expect(await client.logs(record.id)).toContain(
      `vm: ${name} did not power off within 1s; stopped hard`,
    );
  });

  test("a machine outlives its job and its runner: the next runner process finds it running", async () => {
    const name = `keep-${process.pid}`;
    const started = await run(`let i = vm("${name}").memory(96).start(); i.pid`);
    const pid = Number(outputOf(started));
    expect(pid).toBeGreaterThan(0);
    await runner.stop("SIGKILL");
    runner = await start();
    const status = await run(
      `let i = vm("${name}").info(); \`\${i.status} \${i.pid} \${i.memory}\``,
    );
    expect(outputOf(status)).toBe(`running ${pid} 96`);
    const deleted = await run(`vm("${name}").delete()`);
    expect(outputOf(deleted)).toBe("true");
  });
});

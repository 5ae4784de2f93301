// The k8s module against a loopback Kubernetes API (fake-kubernetes.ts): the requests the
// client library sends for each operation (paths, methods, bodies, content types, bearer
// token), the results scripts get, and the failures: unreachable, 4xx, timeout, bad config.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { RhaiMap, Value } from "../../src/rhai/index.js";
import k8sModule, { type K8sManager } from "../../src/sal/k8s/index.js";
import { FakeKubernetes } from "./fake-kubernetes.js";
import { callMain, callWorker, mainContext, rejection, tempDir, workerContext } from "./helpers.js";

const TOKEN = "k8s-test-token-abcdef0123456789";
let api: FakeKubernetes;
let dir: string;
let remove: () => Promise<void>;
let kubeconfig: string;

beforeAll(async () => {
  api = new FakeKubernetes(TOKEN);
  await api.start();
  ({ dir, remove } = await tempDir());
  kubeconfig = join(dir, "config.yaml");
  writeFileSync(kubeconfig, api.kubeconfig());
  api.put("namespaces", "", api.namespace("apps"));
  api.put("pods", "apps", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1" },
    spec: { nodeName: "node-a", containers: [{ name: "web", image: "nginx" }] },
    status: {
      phase: "Running",
      podIP: "10.0.0.5",
      containerStatuses: [
        { name: "web", ready: true, restartCount: 2, image: "nginx", imageID: "", started: true },
      ],
    },
  });
  api.put("secrets", "apps", {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db-password" },
    data: { password: "c2VjcmV0" },
  });
  api.put("configmaps", "apps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings" },
    data: { b: "2", a: "1" },
  });
  api.logs.set("web-1", "line 1\nline 2\nline 3\n");
});
afterAll(async () => {
  await api.stop();
  await remove();
});
beforeEach(() => {
  api.requests.length = 0;
  api.hangPrefix = undefined;
  api.noServerSideApply = false;
});

function settings(namespace = "apps", extra: Record<string, Value> = {}): RhaiMap {
  return new Map<string, Value>([
    ["namespace", namespace],
    ["kubeconfig", kubeconfig],
    ["timeout", 5],
    ...Object.entries(extra),
  ]);
}

const call = (op: string, args: Value[] = [], s = settings(), c = mainContext()) =>
  callMain(k8sModule, c, "k8s_call", op, s, args);
const get = (v: Value, k: string) => (v as RhaiMap).get(k);
// biome-ignore lint/suspicious/noExplicitAny: request bodies are JSON read freely
type Json = any;

describe("k8s: reading the cluster", () => {
  test("pods, secrets (names only), configmaps; each request carries the kubeconfig's token", async () => {
    const pods = (await call("pods_list")) as RhaiMap[];
    expect(pods.length).toBe(1);
    const pod = pods[0] as RhaiMap;
    expect(Object.fromEntries(pod)).toMatchObject({
      name: "web-1",
      namespace: "apps",
      phase: "Running",
      ready: true,
      restarts: 2,
      node: "node-a",
      ip: "10.0.0.5",
    });
    expect(api.requests.at(-1)).toMatchObject({
      method: "GET",
      path: "/api/v1/namespaces/apps/pods",
      authorization: `Bearer ${TOKEN}`,
    });
    expect(await call("secrets_list")).toEqual(["db-password"]);
    const cms = (await call("configmaps_list")) as RhaiMap[];
    expect(cms.map((c) => [c.get("name"), c.get("keys")])).toEqual([["settings", ["a", "b"]]]);
    expect(await call("services_list")).toEqual([]);
    expect(await call("deployments_list")).toEqual([]);
    expect(api.requests.at(-1)?.path).toBe("/apis/apps/v1/namespaces/apps/deployments");
  });

  test("namespaces: list, exists, create (true once, then false)", async () => {
    expect(await call("namespaces_list")).toEqual(
      expect.arrayContaining(["default", "kube-system", "apps"]),
    );
    expect(await call("namespace_exists", ["apps"])).toBe(true);
    expect(await call("namespace_exists", ["nope"])).toBe(false);
    const c = mainContext();
    expect(await call("namespace_create", ["team-a"], settings(), c)).toBe(true);
    expect(api.requests.at(-1)).toMatchObject({
      method: "POST",
      path: "/api/v1/namespaces",
      body: { metadata: { name: "team-a" } },
    });
    expect(c.lines).toContain("k8s: namespace team-a created");
    expect(await call("namespace_create", ["team-a"])).toBe(false);
    expect(await call("namespace_exists", ["team-a"])).toBe(true);
    expect((await rejection(call("namespace_create", ["Bad_Name"]))).message).toContain(
      "not a Kubernetes name",
    );
  });

  test("pod logs, whole and tail", async () => {
    expect(await call("pod_logs", ["web-1"])).toBe("line 1\nline 2\nline 3\n");
    expect(await call("pod_logs", ["web-1", 1])).toBe("line 3\n");
    expect(api.requests.at(-1)?.query.get("tailLines")).toBe("1");
    expect((await rejection(call("pod_logs", ["ghost"]))).message).toBe(
      'k8s("apps").pod_logs: HTTP 404 NotFound: pods "ghost" not found',
    );
  });
});

const MANIFESTS = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  mode: prod
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: apps
spec:
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: "busybox:1.36"}]
---
`;

describe("k8s: changing the cluster", () => {
  test("apply: server-side apply of each document, into the manager's namespace when none is given", async () => {
    const c = mainContext();
    const applied = (await call("apply", [MANIFESTS], settings(), c)) as RhaiMap[];
    expect(
      applied.map((a) => [a.get("kind"), a.get("name"), a.get("namespace"), a.get("action")]),
    ).toEqual([
      ["ConfigMap", "app-config", "apps", "applied"],
      ["Deployment", "app", "apps", "applied"],
    ]);
    const patches = api.requests.filter((r) => r.method === "PATCH");
    expect(patches.map((p) => p.path)).toEqual([
      "/api/v1/namespaces/apps/configmaps/app-config",
      "/apis/apps/v1/namespaces/apps/deployments/app",
    ]);
    for (const p of patches) {
      expect(p.contentType).toBe("application/apply-patch+yaml");
      expect(p.query.get("fieldManager")).toBe("horus-sal");
      expect(p.query.get("force")).toBe("true");
    }
    expect((patches[0]?.body as { data: unknown } | undefined)?.data).toEqual({ mode: "prod" });
    expect(api.get("configmaps", "apps", "app-config")?.data).toEqual({ mode: "prod" });
    expect(c.lines).toContain("k8s: ConfigMap/app-config applied");
  });

  test("apply without server-side apply: create, then replace at the current version", async () => {
    api.noServerSideApply = true;
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fallback}\ndata: {v: '1'}\n";
    expect(get(((await call("apply", [yaml])) as RhaiMap[])[0] as Value, "action")).toBe("created");
    expect(
      api.requests.some(
        (r) => r.method === "POST" && r.path === "/api/v1/namespaces/apps/configmaps",
      ),
    ).toBe(true);
    const version = api.get("configmaps", "apps", "fallback")?.metadata.resourceVersion;
    const again = (await call("apply", [yaml.replace("'1'", "'2'")])) as RhaiMap[];
    expect(again[0]?.get("action")).toBe("replaced");
    const put = api.requests.find((r) => r.method === "PUT");
    expect(
      (put?.body as { metadata: { resourceVersion: string } } | undefined)?.metadata
        .resourceVersion,
    ).toBe(version);
    expect(api.get("configmaps", "apps", "fallback")?.data).toEqual({ v: "2" });
  });

  test("apply refuses YAML that is not Kubernetes objects", async () => {
    expect((await rejection(call("apply", ["kind: ConfigMap\n"]))).message).toBe(
      'k8s("apps").apply: document 1 has no kind and apiVersion',
    );
    expect((await rejection(call("apply", ["a: [1,\n"]))).message).toMatch(
      /document 1 is not valid YAML/,
    );
    expect((await rejection(call("apply", [""]))).message).toContain("the YAML holds no object");
  });

  test("deploy: a deployment and its service, then wait_ready until the replicas are ready", async () => {
    const result = await call("deploy", [
      "web",
      "nginx:1.27",
      2,
      [80, 443],
      new Map<string, Value>([
        ["MODE", "prod"],
        ["WORKERS", 4],
      ]),
    ]);
    expect(Object.fromEntries(result as RhaiMap)).toEqual({
      deployment: "web",
      service: "web",
      replicas: 2,
    });
    const dep = api.requests.find(
      (r) => r.method === "PATCH" && r.path.endsWith("/deployments/web"),
    )?.body as Json;
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.selector.matchLabels).toEqual({ app: "web" });
    expect(dep.spec.template.spec.containers[0]).toMatchObject({
      name: "web",
      image: "nginx:1.27",
      ports: [{ containerPort: 80 }, { containerPort: 443 }],
      env: [
        { name: "MODE", value: "prod" },
        { name: "WORKERS", value: "4" },
      ],
    });
    const svc = api.requests.find(
      (r) => r.method === "PATCH" && r.path === "/api/v1/namespaces/apps/services/web",
    )?.body as Json;
    expect(svc.spec.selector).toEqual({ app: "web" });
    expect(svc.spec.ports.map((p: Json) => p.port)).toEqual([80, 443]);
    const deployments = (await call("deployments_list")) as RhaiMap[];
    expect(deployments.map((d) => [d.get("name"), d.get("images")])).toEqual([
      ["app", ["busybox:1.36"]],
      ["web", ["nginx:1.27"]],
    ]);

    const started = Date.now();
    expect(await call("wait_ready", ["deployment", "web", 20])).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // the fake is ready on the third read
    expect(await call("wait_ready", ["service", "web", 5])).toBe(true);
    expect(await call("wait_ready", ["ns", "apps", 5])).toBe(true);
  });

  test("wait_ready gives up after its timeout, saying where things stand", async () => {
    await call("deploy", ["stuck", "example/never-ready:1", 3, [], new Map()]);
    expect(api.get("services", "apps", "stuck")).toBeUndefined(); // no ports, no service
    const e = await rejection(call("wait_ready", ["deployment", "stuck", 2]));
    expect(e.message).toBe(
      'k8s("apps").wait_ready: deployment "stuck" not ready after 2s (0 of 3 replicas ready)',
    );
    expect((await rejection(call("wait_ready", ["cronjob", "x", 2]))).message).toContain(
      "cannot wait for a cronjob",
    );
  });

  test("delete by pattern returns what went", async () => {
    api.put("pods", "apps", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-xyz" },
      spec: { containers: [] },
    });
    const deleted = await call("delete", ["^web"]);
    expect(deleted).toEqual(["deployment/web", "service/web", "pod/web-1", "pod/web-xyz"]);
    expect(api.get("deployments", "apps", "web")).toBeUndefined();
    expect(api.get("deployments", "apps", "stuck")).toBeDefined();
    expect(api.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toContain(
      "/apis/apps/v1/namespaces/apps/deployments/web",
    );
    expect(await call("delete", ["^nothing-matches$"])).toEqual([]);
    expect((await rejection(call("delete", ["("]))).message).toContain("not a regular expression");
  });

  test("a pathological pattern is matched in linear time", { timeout: 30_000 }, async () => {
    // A backtracking RegExp ran "(a+)+$" against 28 `a`s and a `!` for a minute on the
    // runner's main thread; Kubernetes names go up to 253 characters.
    const name = `${"a".repeat(60)}-`;
    api.put("pods", "apps", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { containers: [] },
    });
    expect(await call("delete", ["^(a+)+$"])).toEqual([]);
    expect(api.get("pods", "apps", name)).toBeDefined();
    expect(await call("delete", ["^(a+)+-$"])).toEqual([`pod/${name}`]);
  });

  test("back-references are refused, and so is an over-long pattern", async () => {
    expect((await rejection(call("delete", ["(a)\\1"]))).message).toContain(
      "not a regular expression",
    );
    expect((await rejection(call("delete", ["a".repeat(1025)]))).message).toContain(
      "pattern is 1025 characters long, at most 1024 are allowed",
    );
    expect(await call("delete", ["a".repeat(1024)])).toEqual([]);
  });
});

describe("k8s: failures", () => {
  test("a 4xx carries the API's reason and message", async () => {
    const bad =
      "apiVersion: v1\nkind: Service\nmetadata: {name: broken}\nspec: {selector: {app: x}}\n";
    expect((await rejection(call("apply", [bad]))).message).toBe(
      'k8s("apps").apply: HTTP 422 Invalid: Service "broken" is invalid: spec.ports: Required value',
    );
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    expect((await rejection(call("apply", [cm], settings("nowhere")))).message).toBe(
      'k8s("nowhere").apply: HTTP 404 NotFound: namespaces "nowhere" not found',
    );
  });

  test("a wrong token: 401, and neither token appears in the message", async () => {
    const wrong = join(dir, "wrong.yaml");
    writeFileSync(wrong, api.kubeconfig("wrong-token-that-must-not-leak"));
    const e = await rejection(call("pods_list", [], settings("apps", { kubeconfig: wrong })));
    expect(e.message).toBe('k8s("apps").pods_list: HTTP 401 Unauthorized');
    expect(api.requests.at(-1)?.authorization).toBe("Bearer wrong-token-that-must-not-leak");
  });

  test("an unreachable API", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const path = join(dir, "closed.yaml");
    writeFileSync(path, api.kubeconfig().replace(api.url, `http://127.0.0.1:${port}`));
    const e = await rejection(call("namespaces_list", [], settings("apps", { kubeconfig: path })));
    expect(e.message).toBe(
      `k8s("apps").namespaces_list: cannot reach the Kubernetes API at http://127.0.0.1:${port}: ECONNREFUSED`,
    );
  });

  test("an API that does not answer times out", async () => {
    api.hangPrefix = "/api/v1/namespaces/apps/pods";
    const started = Date.now();
    const e = await rejection(call("pods_list", [], settings("apps", { timeout: 1 })));
    expect(e.message).toBe(
      `k8s("apps").pods_list: no answer from the Kubernetes API at ${api.url} within 1s`,
    );
    expect(Date.now() - started).toBeLessThan(4000);
  });

  test("kubeconfig: from the job's KUBECONFIG; missing; unreadable without quoting its contents", async () => {
    // A relative path is the job's: against its working directory.
    const relative = mainContext({
      envVars: { KUBECONFIG: "config.yaml" },
      options: { workDir: dir },
    });
    expect(await call("secrets_list", [], settings("apps", { kubeconfig: "" }), relative)).toEqual([
      "db-password",
    ]);
    const fromEnv = mainContext({ envVars: { KUBECONFIG: kubeconfig } });
    expect(await call("secrets_list", [], settings("apps", { kubeconfig: "" }), fromEnv)).toEqual([
      "db-password",
    ]);
    const missing = await rejection(
      call("pods_list", [], settings("apps", { kubeconfig: join(dir, "nope.yaml") })),
    );
    expect(missing.message).toBe(
      `k8s("apps").pods_list: kubeconfig not found: ${join(dir, "nope.yaml")}`,
    );
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "users:\n- name: x\n  user:\n    token: super-secret-token\n  bad: [\n");
    const e = await rejection(call("pods_list", [], settings("apps", { kubeconfig: broken })));
    expect(e.message).toContain(`cannot read kubeconfig ${broken}`);
    expect(e.message).not.toContain("super-secret-token");
  });
});

describe("k8s: credentials and cancellation through the client library", () => {
  const write = (name: string, user: string[], cluster: string[] = []) => {
    const path = join(dir, name);
    writeFileSync(path, api.kubeconfig(TOKEN, cluster, user));
    return path;
  };

  test("a tokenFile relative to the kubeconfig, trimmed; a missing one is a configuration error", async () => {
    writeFileSync(join(dir, "token.txt"), `${TOKEN}\n`);
    const path = write("token-file.yaml", ["tokenFile: token.txt"]);
    expect(await call("secrets_list", [], settings("apps", { kubeconfig: path }))).toEqual([
      "db-password",
    ]);
    expect(api.requests.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
    const missing = write("token-missing.yaml", ["tokenFile: absent.txt"]);
    const e = await rejection(call("pods_list", [], settings("apps", { kubeconfig: missing })));
    expect(e.message).toBe(
      `k8s("apps").pods_list: kubeconfig ${missing}: cannot read tokenFile absent.txt`,
    );
  });

  test("basic auth is sent as such, and the password stays out of the message", async () => {
    const path = write("basic.yaml", ["username: admin", "password: basic-secret-pw"]);
    const e = await rejection(call("pods_list", [], settings("apps", { kubeconfig: path })));
    expect(e.message).toBe('k8s("apps").pods_list: HTTP 401 Unauthorized');
    expect(e.message).not.toContain("basic-secret-pw");
    expect(api.requests.at(-1)?.authorization).toBe(
      `Basic ${Buffer.from("admin:basic-secret-pw").toString("base64")}`,
    );
  });

  test("exec credentials are refused before any request; a missing CA file is named", async () => {
    const exec = write("exec.yaml", [
      "exec:",
      "  apiVersion: client.authentication.k8s.io/v1",
      "  command: /bin/true",
    ]);
    const e = await rejection(call("pods_list", [], settings("apps", { kubeconfig: exec })));
    expect(e.message).toBe(
      `k8s("apps").pods_list: kubeconfig ${exec}: exec and auth-provider credentials are not supported (use a token or a client certificate)`,
    );
    expect(api.requests).toEqual([]);
    const noCa = write("no-ca.yaml", [`token: ${TOKEN}`], ["certificate-authority: gone.crt"]);
    const f = await rejection(call("pods_list", [], settings("apps", { kubeconfig: noCa })));
    expect(f.message).toBe(
      `k8s("apps").pods_list: kubeconfig ${noCa}: cannot read certificate-authority ${join(dir, "gone.crt")}`,
    );
  });

  test("pod creation times come back as the API wrote them", async () => {
    api.put("pods", "apps", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "dated", creationTimestamp: "2026-03-04T05:06:07Z" },
      spec: { containers: [] },
    });
    const pods = (await call("pods_list")) as RhaiMap[];
    const dated = pods.find((p) => p.get("name") === "dated");
    expect(dated?.get("created")).toBe("2026-03-04T05:06:07Z");
  });

  test("apply's requests stop at the call's timeout too", async () => {
    api.hangPrefix = "/api/v1/namespaces/apps/configmaps";
    const started = Date.now();
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow}\n";
    const e = await rejection(call("apply", [cm], settings("apps", { timeout: 1 })));
    expect(e.message).toBe(
      `k8s("apps").apply: no answer from the Kubernetes API at ${api.url} within 1s`,
    );
    expect(Date.now() - started).toBeLessThan(4000);
    expect(api.requests.at(-1)?.method).toBe("PATCH");
  });

  test("a job that ends stops the call", async () => {
    api.hangPrefix = "/api/v1/namespaces/apps/pods";
    const c = mainContext();
    const pending = call("pods_list", [], settings("apps", { timeout: 20 }), c);
    setTimeout(() => void c.end(), 200);
    const started = Date.now();
    expect((await rejection(pending)).message).toBe('k8s("apps").pods_list: the job ended');
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe("k8s: a TLS cluster", () => {
  test("the kubeconfig's CA is trusted, an unknown one refused, skip-verify honoured", async () => {
    execFileSync(
      "openssl",
      [
        ...[
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
        ],
        ...["-addext", "subjectAltName=IP:127.0.0.1"],
        ...["-keyout", join(dir, "tls.key"), "-out", join(dir, "tls.crt")],
      ],
      { stdio: "ignore" },
    );
    const cert = readFileSync(join(dir, "tls.crt"), "utf8");
    const tlsApi = new FakeKubernetes(TOKEN);
    await tlsApi.start({ key: readFileSync(join(dir, "tls.key"), "utf8"), cert });
    try {
      const write = (name: string, lines: string[]) => {
        const path = join(dir, name);
        writeFileSync(path, tlsApi.kubeconfig(TOKEN, lines));
        return path;
      };
      const trusted = write("tls-ca.yaml", [
        `certificate-authority-data: ${Buffer.from(cert).toString("base64")}`,
      ]);
      expect(await call("namespaces_list", [], settings("apps", { kubeconfig: trusted }))).toEqual([
        "default",
        "kube-system",
      ]);
      const caFile = write("tls-ca-file.yaml", ["certificate-authority: tls.crt"]); // relative to the kubeconfig
      expect(
        await call("namespace_exists", ["default"], settings("apps", { kubeconfig: caFile })),
      ).toBe(true);
      const insecure = write("tls-insecure.yaml", ["insecure-skip-tls-verify: true"]);
      expect(
        await call("namespace_exists", ["default"], settings("apps", { kubeconfig: insecure })),
      ).toBe(true);
      const unknown = write("tls-unknown.yaml", []);
      const e = await rejection(
        call("namespaces_list", [], settings("apps", { kubeconfig: unknown })),
      );
      expect(e.message).toBe(
        `k8s("apps").namespaces_list: cannot reach the Kubernetes API at ${tlsApi.url}: DEPTH_ZERO_SELF_SIGNED_CERT`,
      );
    } finally {
      await tlsApi.stop();
    }
  });

  test("a client certificate from the kubeconfig authenticates (mutual TLS), no token needed", async () => {
    const key = readFileSync(join(dir, "tls.key"), "utf8");
    const cert = readFileSync(join(dir, "tls.crt"), "utf8");
    const mtls = new FakeKubernetes(TOKEN);
    await mtls.start({ key, cert, clientCa: cert });
    try {
      const b64 = (text: string) => Buffer.from(text).toString("base64");
      const ca = [`certificate-authority-data: ${b64(cert)}`];
      const withCert = join(dir, "mtls.yaml");
      writeFileSync(
        withCert,
        mtls.kubeconfig(TOKEN, ca, [
          `client-certificate-data: ${b64(cert)}`,
          "client-key: tls.key",
        ]),
      );
      expect(
        await call("namespace_exists", ["default"], settings("apps", { kubeconfig: withCert })),
      ).toBe(true);
      expect(mtls.requests.at(-1)?.authorization).toBeUndefined();
      const without = join(dir, "mtls-none.yaml");
      writeFileSync(without, mtls.kubeconfig(TOKEN, ca));
      const e = await rejection(
        call("namespace_exists", ["default"], settings("apps", { kubeconfig: without })),
      );
      expect(e.message).toMatch(
        /^k8s\("apps"\)\.namespace_exists: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: /,
      );
    } finally {
      await mtls.stop();
    }
  });
});

describe("k8s: the worker-side manager", () => {
  test("k8s(namespace[, path]) and timeout(); methods send settings and arguments", () => {
    const w = workerContext(() => []);
    const m = callWorker(k8sModule, w, "k8s", "apps", "/tmp/kc.yaml") as unknown as K8sManager;
    expect(String(m)).toBe('K8sManager("apps")');
    const t = callWorker(
      k8sModule,
      w,
      "timeout",
      m as unknown as Value,
      9,
    ) as unknown as K8sManager;
    callWorker(k8sModule, w, "wait_ready", t as unknown as Value, "pod", "x", 5);
    expect(w.calls[0]?.name).toBe("k8s.k8s_call");
    expect(w.calls[0]?.args[0]).toBe("wait_ready");
    expect(Object.fromEntries(w.calls[0]?.args[1] as RhaiMap)).toEqual({
      namespace: "apps",
      kubeconfig: "/tmp/kc.yaml",
      timeout: 9,
    });
    expect(w.calls[0]?.args[2]).toEqual(["pod", "x", 5]);
    expect(() => callWorker(k8sModule, w, "k8s", "Not Valid")).toThrow(/not a Kubernetes name/);
  });
});

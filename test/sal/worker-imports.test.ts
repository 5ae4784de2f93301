// What starting a runner_sal sandbox worker loads. A worker runs only the worker side of the
// SAL modules; the npm packages behind their main sides (the Kubernetes client, yaml, pg,
// ioredis) and the job package's zod and secp256k1 took about 0.5 s of CPU per worker to
// import. Here a worker entry refusing every npm package (no-packages/worker.mjs) must start
// with all SAL modules and run their worker-side functions; and loading the SAL modules on
// the main thread, as a runner does at start, must leave the Kubernetes client and yaml to
// the first k8s call.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { salModuleSpecs } from "../../src/sal/index.js";
import { createSandbox, type Sandbox } from "../../src/sandbox/index.js";

const guardedWorker = new URL("./no-packages/worker.mjs", import.meta.url);
const hooks = new URL("./no-packages/hooks.mjs", import.meta.url);
const dist = new URL("../../dist/", import.meta.url);

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const job = (source: string) => ({
  source,
  jobId: `worker-imports-${process.pid}`,
  callerId: "tester",
  contextId: "ctx",
  signatories: [],
  envVars: {},
});

describe("a SAL sandbox worker", () => {
  test("starts and runs worker-side SAL functions without importing any npm package", async () => {
    const errors: string[] = [];
    sandbox = await createSandbox({
      modules: salModuleSpecs(),
      size: 1,
      workerUrl: guardedWorker,
      onWorkerError: (e) => errors.push(e.message),
    });
    const out = await sandbox.run(
      job(`
        let k = k8s("apps").timeout(5);
        let h = hetzner("token");
        let c = run("true").silent();
        let text = render_template("{{ who }}: " + path_fix("/A B"), #{who: "me"});
        [k.to_string(), type_of(h), type_of(c), text, platform_is_linux()].to_string()
      `),
    );
    expect(out).toBe(
      '["K8sManager(\\"apps\\")", "HetznerClient", "CommandBuilder", "me: /a_b", true]',
    );
    expect(errors).toEqual([]);
  });

  test("(control) the guarded worker does fail on a module that imports a package", async () => {
    const start = createSandbox({
      modules: [{ url: new URL("./no-packages/imports-yaml.mjs", import.meta.url) }],
      size: 1,
      workerUrl: guardedWorker,
    });
    await expect(start).rejects.toThrow(/refused npm package: yaml/);
  });
});

describe("the SAL modules on the main thread", () => {
  test("leave the Kubernetes client and yaml unloaded until a k8s call", async () => {
    // A fresh process (vitest's own module graph is no witness), hooks refusing the two.
    const script = `
      import { register } from "node:module";
      register(${JSON.stringify(hooks.href)}, { data: { packages: ["@kubernetes/client-node", "yaml"] } });
      const sal = await import(${JSON.stringify(new URL("sal/index.js", dist).href)});
      for (const spec of sal.salModuleSpecs()) await import(spec.url.href);
      console.log(sal.salModules.length);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, [
      "--input-type=module",
      "-e",
      script,
    ]);
    expect(stdout.trim()).toBe("9");
  });
});

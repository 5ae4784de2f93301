// The vm module with real QEMU machines (firmware only, or a tiny blank disk): started,
// seen running through QMP, found again from a fresh runner state, stopped (a machine with no
// OS ignores the ACPI button, so the stop goes hard after the grace period), deleted.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RhaiMap, Value } from "../../src/rhai/index.js";
import vmModule, { type VmBuilder } from "../../src/sal/vm/index.js";
import { processAlive } from "../helpers/processes.js";
import { callMain, callWorker, mainContext, rejection, tempDir, workerContext } from "./helpers.js";

let root: string;
let removeRoot: () => Promise<void>;

beforeAll(async () => {
  const made = await tempDir();
  removeRoot = made.remove;
  // A comma in the path: QEMU's option lists need it doubled, which this checks.
  root = join(made.dir, "vms,here");
});
afterAll(async () => {
  // Never leave a QEMU behind, whatever a test did.
  const ctx = mainContext({ options: { vmDir: root } });
  for (const m of (await callMain(vmModule, ctx, "vm_list")) as RhaiMap[]) {
    await callMain(
      vmModule,
      ctx,
      "vm_call",
      "delete",
      m.get("name") as string,
      new Map(),
      [],
    ).catch(() => {});
  }
  await removeRoot();
});

const ctx = () => mainContext({ options: { vmDir: root } });
const settings = (entries: Record<string, Value> = {}) =>
  new Map<string, Value>(Object.entries(entries));
const vmCall = (op: string, name: string, s = settings(), args: Value[] = [], c = ctx()) =>
  callMain(vmModule, c, "vm_call", op, name, s, args);
const get = (v: Value, k: string) => (v as RhaiMap).get(k);

describe("vm: a real QEMU machine", () => {
  test("firmware only: running through QMP, found again, stopped hard after the grace period, deleted", async () => {
    const c = ctx();
    const info = await vmCall("start", "fw", settings({ cpus: 1, memory: 128 }), [], c);
    expect(get(info, "status")).toBe("running");
    const pid = get(info, "pid") as number;
    expect(processAlive(pid)).toBe(true);
    expect(c.lines).toContain(`vm: fw started (pid ${pid})`);
    expect(existsSync(join(root, "fw", "vm.json"))).toBe(true);

    // A fresh context and shared state (as after a runner restart) finds it by its files.
    const again = mainContext({ options: { vmDir: root } }, new Map());
    expect(await vmCall("status", "fw", settings(), [], again)).toBe("running");
    expect(
      ((await callMain(vmModule, again, "vm_list")) as RhaiMap[]).map((m) => [
        m.get("name"),
        m.get("status"),
      ]),
    ).toEqual([["fw", "running"]]);
    // The job that started it ends: the machine stays up.
    await c.end();
    expect(processAlive(pid)).toBe(true);

    // Starting a running machine again leaves it be; changing its settings is refused.
    expect(get(await vmCall("start", "fw"), "pid")).toBe(pid);
    expect((await rejection(vmCall("start", "fw", settings({ cpus: 2 })))).message).toBe(
      'vm("fw").start: VM "fw" is running: stop it before changing its settings',
    );

    const s = ctx();
    const started = Date.now();
    const stopped = await vmCall("stop", "fw", settings(), [1], s);
    expect(get(stopped, "was_running")).toBe(true);
    expect(get(stopped, "graceful")).toBe(false); // no OS answers the ACPI button
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(s.lines).toContain("vm: fw did not power off within 1s; stopped hard");
    expect(processAlive(pid)).toBe(false);
    expect(await vmCall("status", "fw")).toBe("stopped");
    expect(get(await vmCall("stop", "fw"), "was_running")).toBe(false);

    // It starts again from its stored definition.
    const restarted = await vmCall("start", "fw");
    expect(get(restarted, "memory")).toBe(128);
    expect(get(restarted, "status")).toBe("running");
    expect(await vmCall("delete", "fw")).toBe(true);
    expect(processAlive(get(restarted, "pid") as number)).toBe(false);
    expect(existsSync(join(root, "fw"))).toBe(false);
    expect((await rejection(vmCall("status", "fw"))).message).toBe(
      'vm("fw").status: no VM named "fw"',
    );
  });

  test("a disk overlay on a base image, a cloud-init drive and a port forward", async () => {
    const base = join(root, "base.img");
    execFileSync("qemu-img", ["create", "-q", "-f", "raw", base, "1M"]);
    const port = await freePort();
    const info = await vmCall(
      "start",
      "disky",
      settings({
        memory: 128,
        disk: new Map<string, Value>([
          ["base", base],
          ["size", "64M"],
        ]),
        cloud_init: "#cloud-config\nhostname: disky\n",
        ports: [
          new Map<string, Value>([
            ["host", port],
            ["guest", 22],
          ]),
        ],
      }),
    );
    expect(get(info, "status")).toBe("running");
    const disk = get(info, "disk") as string;
    const image = JSON.parse(
      execFileSync("qemu-img", ["info", "--output=json", "-U", disk], { encoding: "utf8" }),
    );
    expect(image.format).toBe("qcow2");
    expect(image["virtual-size"]).toBe(64 * 1024 * 1024);
    expect(image["backing-filename"]).toBe(base);
    expect(readFileSync(join(root, "disky", "cidata", "user-data"), "utf8")).toBe(
      "#cloud-config\nhostname: disky\n",
    );
    expect(readFileSync(join(root, "disky", "cidata", "meta-data"), "utf8")).toContain(
      "instance-id: disky",
    );
    expect(get(info, "cloud_init")).toBe(true);
    // QEMU listens on the forwarded host port.
    expect(await portTaken(port)).toBe(true);
    const cmdline = readFileSync(`/proc/${get(info, "pid")}/cmdline`, "utf8").split("\0");
    expect(cmdline.join(" ")).toContain(`hostfwd=tcp::${port}-:22`);
    expect(cmdline.join(" ")).toContain("file.label=cidata");
    expect(await vmCall("delete", "disky")).toBe(true);
    expect(existsSync(base)).toBe(true); // the base image is never touched
  });

  test("failures: a missing base image, a taken host port, a bad name, an unknown machine", async () => {
    const missing = await rejection(
      vmCall(
        "start",
        "nobase",
        settings({
          disk: new Map<string, Value>([
            ["base", "/nonexistent/base.qcow2"],
            ["size", "1G"],
          ]),
        }),
      ),
    );
    expect(missing.message).toBe(
      'vm("nobase").start: base image not found or not readable: /nonexistent/base.qcow2',
    );
    // A failed first start leaves no machine behind.
    expect((await rejection(vmCall("status", "nobase"))).message).toBe(
      'vm("nobase").status: no VM named "nobase"',
    );

    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, "0.0.0.0", r));
    const port = (busy.address() as { port: number }).port;
    try {
      const e = await rejection(
        vmCall(
          "start",
          "clash",
          settings({
            memory: 64,
            ports: [
              new Map<string, Value>([
                ["host", port],
                ["guest", 80],
              ]),
            ],
          }),
        ),
      );
      expect(e.message).toMatch(
        /^vm\("clash"\)\.start: QEMU failed to start: .*host forwarding rule/,
      );
      expect((await rejection(vmCall("status", "clash"))).message).toContain('no VM named "clash"');
      // The machine exists already: a failed start keeps its earlier settings.
      await vmCall("start", "clash2", settings({ memory: 64 }));
      await vmCall("stop", "clash2", settings(), [0.1]);
      const bad = settings({
        ports: [
          new Map<string, Value>([
            ["host", port],
            ["guest", 80],
          ]),
        ],
      });
      await rejection(vmCall("start", "clash2", bad));
      expect(get(await vmCall("info", "clash2"), "ports")).toEqual([]);
      expect(await vmCall("status", "clash2")).toBe("stopped");
    } finally {
      busy.close();
      await vmCall("delete", "clash2").catch(() => {});
    }
    expect((await rejection(vmCall("info", "../etc"))).message).toContain("not a VM name");
    expect((await rejection(vmCall("stop", "ghost"))).message).toBe(
      'vm("ghost").stop: no VM named "ghost"',
    );
  });
});

describe("vm: the worker-side builder", () => {
  test("settings accumulate in new builders; start sends them, other actions do not", () => {
    const w = workerContext(() => true);
    const b = callWorker(vmModule, w, "vm", "web") as unknown as VmBuilder;
    const set = (name: string, ...args: Value[]) =>
      callWorker(vmModule, w, name, ...args) as unknown as VmBuilder;
    const built = set(
      "port_forward",
      set(
        "memory",
        set("cpus", b as unknown as Value, 2) as unknown as Value,
        "1.5G",
      ) as unknown as Value,
      8080,
      80,
    );
    expect(b.settings.size).toBe(0); // the original builder is unchanged
    callWorker(vmModule, w, "start", built as unknown as Value);
    callWorker(vmModule, w, "stop", built as unknown as Value, 5);
    const [startCall, stopCall] = w.calls;
    expect(startCall?.name).toBe("vm.vm_call");
    expect(startCall?.args.slice(0, 2)).toEqual(["start", "web"]);
    const sent = startCall?.args[2] as RhaiMap;
    expect(sent.get("cpus")).toBe(2);
    expect(sent.get("memory")).toBe(1536);
    expect((sent.get("ports") as RhaiMap[])[0]?.get("host")).toBe(8080);
    expect(stopCall?.args).toEqual(["stop", "web", new Map(), [5]]);
    expect(() => set("memory", b as unknown as Value, "lots")).toThrow(/memory must be MiB/);
    expect(() => set("cpus", b as unknown as Value, 0)).toThrow(/cpus must be between 1 and 64/);
    expect(() => callWorker(vmModule, w, "vm", "a/b")).toThrow(/not a VM name/);
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "0.0.0.0", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function portTaken(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once("error", () => resolve(true));
    s.listen(port, "0.0.0.0", () => s.close(() => resolve(false)));
  });
}

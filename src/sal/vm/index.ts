// The `vm` host module: QEMU virtual machines. `vm(name)` is a builder in the script's
// worker (cpus, memory, disk, cloud_init, port_forward); its actions (start, stop, status,
// info, delete) go to `vm_call` on the main thread, which keeps each machine in a directory
// under the runner's VM directory and talks to the running QEMU over its QMP socket.

import {
  argArray,
  argHandle,
  argInt,
  argMap,
  argNonEmpty,
  argSeconds,
  argString,
  guard,
  type HostFunction,
  type HostModule,
  hostError,
  type MainSideContext,
  mainFn,
  overloads,
  rhaiMap,
  type WorkerFunction,
  workerFn,
} from "../../host/index.js";
import { RHAI_TYPE_NAME, type RhaiMap, type Value } from "../../rhai/index.js";
import { coerceError } from "../../util/index.js";
import { resolvePath } from "../job-state.js";
import {
  checkName,
  ensureDisk,
  launch,
  listMachines,
  Machine,
  removeMachine,
  shutdown,
  type VmConfig,
  VmError,
  vmRoot,
  writeSeed,
} from "./machine.js";

export const VM_BUILDER = "VmBuilder";

/** A machine's name and the settings a script chose; each method returns a new builder. */
export class VmBuilder {
  readonly [RHAI_TYPE_NAME] = VM_BUILDER;
  constructor(
    readonly name: string,
    readonly settings: ReadonlyMap<string, Value> = new Map(),
  ) {}

  with(key: string, value: Value): VmBuilder {
    return new VmBuilder(this.name, new Map(this.settings).set(key, value));
  }

  toString(): string {
    return `VmBuilder(${JSON.stringify(this.name)})`;
  }
}

const DEFAULT_CPUS = 1;
const DEFAULT_MEMORY = 512;
const DEFAULT_GRACE = 30;
const DISK_SIZE = /^\d+[KMGT]?$/i;

/** "512M", "2G", "1.5G", "2GiB" or a number of MiB, as MiB. */
function memoryMiB(fn: string, v: Value): number {
  if (typeof v === "number") return v;
  const m = typeof v === "string" ? v.trim().match(/^(\d+(?:\.\d+)?)\s*([MG])(?:i?B)?$/i) : null;
  if (!m)
    throw hostError(
      fn,
      `memory must be MiB or a size like "512M" or "2G", got ${JSON.stringify(v)}`,
    );
  return Math.round(Number(m[1]) * ((m[2] as string).toUpperCase() === "G" ? 1024 : 1));
}

const locks = new Map<string, Promise<unknown>>();

/** Runs `body` after any other operation on the same machine in this runner has finished. */
function serialised<T>(key: string, body: () => Promise<T>): Promise<T> {
  const before = locks.get(key) ?? Promise.resolve();
  const result = before.catch(() => undefined).then(body);
  const tail = result.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return result;
}

function machineOf(ctx: MainSideContext, fn: string, name: string): Machine {
  try {
    return new Machine(vmRoot(ctx.job.options.vmDir), checkName(name));
  } catch (e) {
    throw hostError(fn, coerceError(e).message);
  }
}

async function definedConfig(m: Machine, fn: string): Promise<VmConfig> {
  const config = await m.config();
  if (!config) throw hostError(fn, `no VM named "${m.name}"`);
  return config;
}

async function infoMap(m: Machine, config: VmConfig): Promise<RhaiMap> {
  const pid = await m.pid();
  return rhaiMap({
    name: config.name,
    status: await m.status(),
    pid,
    cpus: config.cpus,
    memory: config.memory,
    disk: config.disk ? m.diskFile : undefined,
    base_image: config.disk?.base,
    disk_size: config.disk?.size,
    cloud_init: config.cloudInit !== undefined,
    ports: config.ports.map((p) => rhaiMap({ host: p.host, guest: p.guest })),
    dir: m.dir,
    qmp_socket: m.qmpSocket,
    serial_log: m.serialLog,
    created: config.created,
  });
}

/** The stored definition with the script's settings applied (checked here, main side). */
function applySettings(
  ctx: MainSideContext,
  fn: string,
  name: string,
  stored: VmConfig | undefined,
  settings: RhaiMap,
): VmConfig {
  const config: VmConfig = stored
    ? { ...stored, ports: [...stored.ports] }
    : {
        name,
        cpus: DEFAULT_CPUS,
        memory: DEFAULT_MEMORY,
        ports: [],
        created: new Date().toISOString(),
      };
  // The builder checked these already; `vm_call` is callable directly, so check again.
  const int = (key: string, min: number, max: number, v: Value): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      throw hostError(fn, `${key} must be an integer from ${min} to ${max}`);
    return v;
  };
  const cpus = settings.get("cpus");
  if (cpus !== undefined) config.cpus = int("cpus", 1, 64, cpus);
  const memory = settings.get("memory");
  if (memory !== undefined) config.memory = int("memory", 16, 1024 * 1024, memory);
  const disk = settings.get("disk");
  if (disk !== undefined) {
    const base = disk instanceof Map ? disk.get("base") : undefined;
    const size = disk instanceof Map ? disk.get("size") : undefined;
    if (
      typeof base !== "string" ||
      base === "" ||
      typeof size !== "string" ||
      !DISK_SIZE.test(size)
    )
      throw hostError(fn, 'disk must be a map with a base image path and a size like "20G"');
    config.disk = { base: resolvePath(ctx, base), size };
  }
  const cloudInit = settings.get("cloud_init");
  if (cloudInit !== undefined) {
    if (typeof cloudInit !== "string") throw hostError(fn, "cloud_init must be a string");
    config.cloudInit = cloudInit;
  }
  const ports = settings.get("ports");
  if (ports !== undefined) {
    if (!Array.isArray(ports)) throw hostError(fn, "ports must be an array of maps");
    for (const p of ports) {
      if (!(p instanceof Map)) throw hostError(fn, "ports must be an array of maps");
      const host = int("host port", 1, 65535, p.get("host"));
      const guest = int("guest port", 1, 65535, p.get("guest"));
      const clash = config.ports.find((q) => q.host === host);
      if (clash && clash.guest !== guest)
        throw hostError(fn, `host port ${host} is already forwarded to guest port ${clash.guest}`);
      if (!clash) config.ports.push({ host, guest });
    }
  }
  return config;
}

async function start(
  ctx: MainSideContext,
  fn: string,
  m: Machine,
  settings: RhaiMap,
): Promise<Value> {
  const stored = await m.config();
  if ((await m.pid()) !== undefined) {
    if (settings.size > 0)
      throw hostError(fn, `VM "${m.name}" is running: stop it before changing its settings`);
    ctx.log(`vm: ${m.name} is already running`);
    return infoMap(m, stored as VmConfig);
  }
  const config = applySettings(ctx, fn, m.name, stored, settings);
  await m.saveConfig(config);
  let pid: number;
  try {
    await ensureDisk(m, config, ctx.signal);
    await writeSeed(m, config);
    pid = await launch(m, config, ctx.signal);
  } catch (e) {
    // A start that fails changes nothing: a new machine is not left defined, and an
    // existing one keeps the settings it had (so a retry with other settings is clean).
    if (stored) await m.saveConfig(stored);
    else await removeMachine(m);
    throw e;
  }
  ctx.log(`vm: ${m.name} started (pid ${pid})`);
  return infoMap(m, config);
}

async function stop(ctx: MainSideContext, m: Machine, graceSeconds: number): Promise<Value> {
  if ((await m.pid()) === undefined)
    return rhaiMap({ name: m.name, was_running: false, graceful: true });
  const graceful = await shutdown(m, graceSeconds * 1000);
  ctx.log(
    graceful
      ? `vm: ${m.name} powered off`
      : `vm: ${m.name} did not power off within ${graceSeconds}s; stopped hard`,
  );
  return rhaiMap({ name: m.name, was_running: true, graceful });
}

async function vmCall(ctx: MainSideContext, args: readonly Value[]): Promise<Value> {
  const op = argString("vm_call", args, 0, "operation");
  const name = argString("vm_call", args, 1, "name");
  const fn = `vm(${JSON.stringify(name)}).${op}`;
  const settings = argMap(fn, args, 2, "settings");
  const opArgs = argArray(fn, args, 3, "arguments");
  const m = machineOf(ctx, fn, name);
  return guard(fn, () =>
    serialised(m.dir, async () => {
      try {
        switch (op) {
          case "start":
            return await start(ctx, fn, m, settings);
          case "stop": {
            await definedConfig(m, fn);
            const grace =
              opArgs.length > 0 ? argSeconds(fn, opArgs, 0, "grace period") : DEFAULT_GRACE;
            return await stop(ctx, m, grace);
          }
          case "status":
            await definedConfig(m, fn);
            return await m.status();
          case "info":
            return await infoMap(m, await definedConfig(m, fn));
          case "delete": {
            await definedConfig(m, fn);
            if ((await m.pid()) !== undefined) await shutdown(m, 0);
            await removeMachine(m);
            ctx.log(`vm: ${m.name} deleted`);
            return true;
          }
          default:
            throw hostError("vm_call", `unknown operation "${op}"`);
        }
      } catch (e) {
        if (e instanceof VmError) throw hostError(fn, e.message);
        throw e;
      }
    }),
  );
}

const builderOf = (args: readonly Value[]) => argHandle(args, 0, VmBuilder);

function setting(
  name: string,
  params: string[],
  doc: string,
  example: string,
  apply: (b: VmBuilder, args: readonly Value[], fn: string) => VmBuilder,
): WorkerFunction {
  return workerFn({
    name,
    params: [VM_BUILDER, ...params],
    returns: VM_BUILDER,
    doc,
    example,
    run: (_ctx, args) =>
      apply(builderOf(args), args, `vm(${JSON.stringify(builderOf(args).name)}).${name}`),
  });
}

function action(
  name: string,
  params: string[],
  returns: string,
  doc: string,
  example: string,
): WorkerFunction {
  return workerFn({
    name,
    params: [VM_BUILDER, ...params],
    returns,
    doc,
    example,
    run: (ctx, args) => {
      const b = builderOf(args);
      // Only `start` applies settings; the other actions act on the stored machine.
      const settings = name === "start" ? new Map(b.settings) : new Map();
      return ctx.callMain("vm.vm_call", [name, b.name, settings, args.slice(1)]);
    },
  });
}

function positive(
  fn: string,
  args: readonly Value[],
  i: number,
  what: string,
  max: number,
): number {
  const n = argInt(fn, args, i, what);
  if (n < 1 || n > max) throw hostError(fn, `${what} must be between 1 and ${max}, got ${n}`);
  return n;
}

const functions: HostFunction[] = [
  workerFn({
    name: "vm",
    params: ["string"],
    returns: VM_BUILDER,
    doc: "A virtual machine by name: set it up with the builder methods, then `start()`; or act on an existing one (`status()`, `stop()`, ...).",
    example:
      'let m = vm("build-1").cpus(2).memory("2G").disk("/images/debian-12.qcow2", "20G").start();',
    run: (_ctx, args) => {
      const name = argNonEmpty("vm", args, 0, "name");
      try {
        return new VmBuilder(checkName(name));
      } catch (e) {
        throw hostError("vm", coerceError(e).message);
      }
    },
  }),
  setting("cpus", ["i64"], "Number of virtual CPUs (default 1).", 'vm("a").cpus(2)', (b, a, fn) =>
    b.with("cpus", positive(fn, a, 1, "cpus", 64)),
  ),
  ...["i64", "string"].map((t) =>
    setting(
      "memory",
      [t],
      'Memory: MiB, or a size such as "512M" or "2G" (default 512 MiB).',
      'vm("a").memory("2G")',
      (b, a, fn) => {
        const mib = memoryMiB(fn, a[1]);
        if (mib < 16 || mib > 1024 * 1024)
          throw hostError(fn, `memory must be 16 MiB to 1 TiB, got ${mib} MiB`);
        return b.with("memory", mib);
      },
    ),
  ),
  setting(
    "disk",
    ["string", "string"],
    'A disk: a qcow2 overlay on the base image (which is never written), of the given virtual size ("20G"). Made on the first start; later starts keep it.',
    'vm("a").disk("/images/debian-12.qcow2", "20G")',
    (b, a, fn) => {
      const base = argNonEmpty(fn, a, 1, "base image");
      const size = argNonEmpty(fn, a, 2, "size");
      if (!DISK_SIZE.test(size))
        throw hostError(fn, `size must look like "20G", got ${JSON.stringify(size)}`);
      return b.with("disk", rhaiMap({ base, size }));
    },
  ),
  setting(
    "cloud_init",
    ["string"],
    "cloud-init user data, given to the guest on a NoCloud drive labelled `cidata`.",
    'vm("a").cloud_init("#cloud-config\\npackages: [nginx]\\n")',
    (b, a, fn) => b.with("cloud_init", argString(fn, a, 1, "user data")),
  ),
  setting(
    "port_forward",
    ["i64", "i64"],
    "Forwards a TCP port of the host to a port of the guest (user-mode networking).",
    'vm("a").port_forward(2222, 22)',
    (b, a, fn) => {
      const host = positive(fn, a, 1, "host port", 65535);
      const guest = positive(fn, a, 2, "guest port", 65535);
      const ports = [...((b.settings.get("ports") as Value[] | undefined) ?? [])];
      ports.push(rhaiMap({ host, guest }));
      return b.with("ports", ports);
    },
  ),
  action(
    "start",
    [],
    "map",
    "Starts the machine (defining it on first use, with the builder's settings saved); returns its info. A running machine is left as it is.",
    'let info = vm("a").cpus(2).start(); print(info.status);',
  ),
  ...overloads(
    action(
      "stop",
      [],
      "map",
      "Presses the ACPI power button and waits (30 s by default, or the seconds given) for the guest to power off, then stops QEMU hard; a map with `was_running` and `graceful`.",
      'let r = vm("a").stop(60); if !r.graceful { print("forced"); }',
    ),
    [VM_BUILDER, "i64"],
    [VM_BUILDER, "f64"],
  ),
  action(
    "status",
    [],
    "string",
    'QEMU\'s state of the machine ("running", "paused", ...) or "stopped".',
    'if vm("a").status() == "running" { print("up"); }',
  ),
  action(
    "info",
    [],
    "map",
    "The machine: `name`, `status`, `pid`, `cpus`, `memory` (MiB), `disk`, `base_image`, `disk_size`, `cloud_init`, `ports`, `dir`, `qmp_socket`, `serial_log`, `created`.",
    'print(vm("a").info().serial_log);',
  ),
  action(
    "delete",
    [],
    "bool",
    "Stops the machine hard if it runs and removes it with its disk; true.",
    'vm("a").delete();',
  ),
  mainFn({
    name: "vm_list",
    params: [],
    returns: "array",
    doc: "Every machine under the runner's VM directory: maps with `name`, `status`, `pid`.",
    example: 'for m in vm_list() { print(m.name + ": " + m.status); }',
    run: (ctx) =>
      guard("vm_list", async () => {
        const list: Value[] = [];
        for (const m of await listMachines(vmRoot(ctx.job.options.vmDir))) {
          list.push(rhaiMap({ name: m.name, status: await m.status(), pid: await m.pid() }));
        }
        return list;
      }),
  }),
  mainFn({
    name: "vm_call",
    params: ["string", "string", "map", "array"],
    operations: new Set(["start", "stop", "status", "info", "delete"]),
    returns: "any",
    doc: "The main-thread call behind the VmBuilder actions (operation, name, settings, arguments); scripts use the methods.",
    example: 'let s = vm_call("status", "a", #{}, []);',
    run: vmCall,
  }),
];

const vmModule: HostModule = {
  name: "vm",
  description:
    "Virtual machines with QEMU (KVM when /dev/kvm runs the guest, else TCG: some hosts offer /dev/kvm and refuse what QEMU needs). `vm(name)` sets a machine up (`cpus`, `memory`, `disk`, `cloud_init`, `port_forward`) and `start()`s it; `stop`, `status`, `info` and `delete` act on it by name. Each machine lives in a directory under the runner's VM directory (option `vmDir`, else `$HORUS_VM_DIR`, else ~/.local/state/horus/vms): its definition, disk overlay, QMP socket, pid file and serial log. QEMU runs detached, so machines outlive jobs and runner restarts and are found again by name. Needs Debian's qemu-system-x86 and qemu-utils.",
  functions,
};

export default vmModule;

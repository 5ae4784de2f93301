// Virtual machines as directories: `<root>/<name>/vm.json` is the machine's definition, and
// a running QEMU leaves its pid file and QMP socket beside it. QEMU daemonizes, so machines
// outlive the job and the runner; a restarted runner finds them again through these files
// (a pid counts as ours only if its command line names our pid file).

import { execFile, spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { QmpClient, qmpOnce } from "./qmp.js";

export const QEMU = "qemu-system-x86_64";
export const QEMU_IMG = "qemu-img";

export class VmError extends Error {
  override readonly name = "VmError";
}

export interface PortForward {
  readonly host: number;
  readonly guest: number;
}

export interface VmConfig {
  name: string;
  cpus: number;
  /** MiB. */
  memory: number;
  /** A qcow2 overlay on a base image, made on first start. */
  disk?: { base: string; size: string };
  /** cloud-init user data, served to the guest as a NoCloud (`cidata`) drive. */
  cloudInit?: string;
  ports: PortForward[];
  created: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function checkName(name: string): string {
  if (!NAME.test(name))
    throw new VmError(
      `not a VM name: ${JSON.stringify(name)} (letters, digits, "_", "-", "."; at most 63)`,
    );
  return name;
}

/** Where VMs live: the runner's configured directory, else $HORUS_VM_DIR, else ~/.local/state. */
export function vmRoot(configured: unknown): string {
  if (typeof configured === "string" && configured !== "") return configured;
  if (process.env.HORUS_VM_DIR) return process.env.HORUS_VM_DIR;
  const state = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(state, "horus", "vms");
}

/** The files of one machine. */
export class Machine {
  readonly dir: string;
  constructor(
    root: string,
    readonly name: string,
  ) {
    this.dir = join(root, checkName(name));
  }
  get configFile() {
    return join(this.dir, "vm.json");
  }
  get pidFile() {
    return join(this.dir, "qemu.pid");
  }
  get qmpSocket() {
    return join(this.dir, "qmp.sock");
  }
  get diskFile() {
    return join(this.dir, "disk.qcow2");
  }
  get seedDir() {
    return join(this.dir, "cidata");
  }
  get serialLog() {
    return join(this.dir, "serial.log");
  }

  async config(): Promise<VmConfig | undefined> {
    let text: string;
    try {
      text = await readFile(this.configFile, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    try {
      return JSON.parse(text) as VmConfig;
    } catch {
      throw new VmError(`the definition of VM "${this.name}" is damaged (${this.configFile})`);
    }
  }

  async saveConfig(config: VmConfig): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.configFile, `${JSON.stringify(config, null, 2)}\n`);
  }

  /** The pid of this machine's QEMU when it runs, else undefined. */
  async pid(): Promise<number | undefined> {
    let pid: number;
    try {
      pid = Number.parseInt(await readFile(this.pidFile, "utf8"), 10);
    } catch {
      return undefined;
    }
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    return (await this.isQemu(pid)) ? pid : undefined;
  }

  /**
   * Whether `pid` is this machine's QEMU, alive: its command line names our pid file. Asked
   * of the process itself, since QEMU removes its pid file while it is still exiting.
   */
  async isQemu(pid: number): Promise<boolean> {
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      if (stat[stat.lastIndexOf(")") + 2] === "Z") return false;
      return cmdline.includes(this.pidFile);
    } catch {
      return false; // no such process
    }
  }

  /** QEMU's own word for the machine's state ("running", "paused", ...), or "stopped". */
  async status(): Promise<string> {
    if ((await this.pid()) === undefined) return "stopped";
    try {
      const answer = (await qmpOnce(this.qmpSocket, "query-status")) as { status?: string };
      return answer.status ?? "unknown";
    } catch {
      return "unresponsive";
    }
  }
}

export async function listMachines(root: string): Promise<Machine[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const found: Machine[] = [];
  for (const name of names.sort()) {
    if (!NAME.test(name)) continue;
    const m = new Machine(root, name);
    if ((await m.config().catch(() => undefined)) !== undefined) found.push(m);
  }
  return found;
}

/** Runs a program to its end with a deadline; rejects with its stderr when it fails. */
function run(
  program: string,
  args: string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { timeout: timeoutMs, signal, encoding: "utf8" },
      (e, stdout, stderr) => {
        if (!e) return resolve(stdout);
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT")
          return reject(
            new VmError(`${program} is not installed (Debian: qemu-system-x86, qemu-utils)`),
          );
        if (signal.aborted) return reject(new VmError(`the job ended while ${program} ran`));
        if ((e as { killed?: boolean }).killed)
          return reject(new VmError(`${program} did not finish within ${timeoutMs / 1000}s`));
        const detail = lastLines(stderr) || e.message;
        reject(new VmError(`${program} failed: ${detail}`));
      },
    );
  });
}

function lastLines(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("qemu: module ui-"))
    .slice(-3)
    .join("; ");
}

/** Makes the machine's qcow2 overlay over its base image, unless it exists already. */
export async function ensureDisk(m: Machine, config: VmConfig, signal: AbortSignal): Promise<void> {
  if (!config.disk) return;
  try {
    await access(m.diskFile);
    return; // the machine's disk keeps what the guest wrote
  } catch {
    // made below
  }
  const { base, size } = config.disk;
  try {
    await access(base, constants.R_OK);
  } catch {
    throw new VmError(`base image not found or not readable: ${base}`);
  }
  const info = JSON.parse(await run(QEMU_IMG, ["info", "--output=json", base], 60_000, signal)) as {
    format?: string;
  };
  await run(
    QEMU_IMG,
    ["create", "-q", "-f", "qcow2", "-F", info.format ?? "raw", "-b", base, m.diskFile, size],
    60_000,
    signal,
  );
}

/**
 * Set once QEMU has failed under KVM where TCG worked: /dev/kvm can be there and still not
 * run a guest (nested virtualisation on some hosts refuses CPU registers QEMU sets, such as
 * MSR 0x10a on AMD), and every later start would fail the same way.
 */
let kvmRefused = false;

async function kvmUsable(): Promise<boolean> {
  if (kvmRefused) return false;
  try {
    await access("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A value inside a QEMU option list, where a comma must be doubled. */
const opt = (value: string) => value.replaceAll(",", ",,");

/** QEMU's command line for a machine (daemonizing, QMP socket, pid file, serial log). */
export async function qemuArgs(
  m: Machine,
  config: VmConfig,
  kvm: boolean = false,
): Promise<string[]> {
  const args = [
    "-name",
    config.name,
    "-machine",
    `q35,accel=${kvm ? "kvm" : "tcg"}`,
    "-cpu",
    kvm ? "host" : "max",
    "-smp",
    String(config.cpus),
    "-m",
    String(config.memory),
    "-display",
    "none",
    "-monitor",
    "none",
    "-serial",
    `file:${m.serialLog}`,
    "-qmp",
    `unix:${opt(m.qmpSocket)},server=on,wait=off`,
    "-pidfile",
    m.pidFile,
    "-daemonize",
  ];
  if (config.disk) args.push("-drive", `if=virtio,format=qcow2,file=${opt(m.diskFile)}`);
  if (config.cloudInit !== undefined) {
    // A read-only FAT view of a directory, labelled as cloud-init's NoCloud source expects.
    args.push(
      "-drive",
      `if=virtio,format=raw,readonly=on,file.driver=vvfat,file.dir=${opt(m.seedDir)},file.label=cidata`,
    );
  }
  const forwards = config.ports.map((p) => `,hostfwd=tcp::${p.host}-:${p.guest}`).join("");
  args.push("-netdev", `user,id=net0${forwards}`, "-device", "virtio-net-pci,netdev=net0");
  return args;
}

/** Writes the NoCloud seed (user-data, meta-data) the cidata drive shows the guest. */
export async function writeSeed(m: Machine, config: VmConfig): Promise<void> {
  await rm(m.seedDir, { recursive: true, force: true });
  if (config.cloudInit === undefined) return;
  await mkdir(m.seedDir, { recursive: true });
  await writeFile(join(m.seedDir, "user-data"), config.cloudInit);
  await writeFile(
    join(m.seedDir, "meta-data"),
    `instance-id: ${config.name}\nlocal-hostname: ${config.name}\n`,
  );
}

/** Starts QEMU; it daemonizes once the machine is set up, so its exit status says if it did. */
export async function launch(m: Machine, config: VmConfig, signal: AbortSignal): Promise<number> {
  const kvm = await kvmUsable();
  try {
    return await launchWith(m, config, signal, kvm);
  } catch (e) {
    if (!kvm || !(e instanceof VmError) || signal.aborted) throw e;
    // KVM is there but would not run this guest: the same machine under TCG (slower, but it
    // runs), and no more KVM attempts from this process.
    const pid = await launchWith(m, config, signal, false);
    kvmRefused = true;
    return pid;
  }
}

async function launchWith(
  m: Machine,
  config: VmConfig,
  signal: AbortSignal,
  kvm: boolean,
): Promise<number> {
  await rm(m.qmpSocket, { force: true });
  await rm(m.pidFile, { force: true });
  const args = await qemuArgs(m, config, kvm);
  await new Promise<void>((resolve, reject) => {
    // Its own session: the job's process-group cleanup must never reach the machine.
    const child = spawn(QEMU, args, {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
      signal,
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new VmError("QEMU did not start within 60s"));
    }, 60_000);
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === "ENOENT"
          ? new VmError(`${QEMU} is not installed (Debian: qemu-system-x86)`)
          : new VmError(`cannot start QEMU: ${e.message}`),
      );
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new VmError(`QEMU failed to start: ${lastLines(stderr) || `exit code ${code}`}`));
    });
  });
  const pid = await m.pid();
  if (pid === undefined) throw new VmError("QEMU daemonized but its process is gone");
  return pid;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until QEMU (`pid`, as read before stopping it) has exited; false after `ms`. */
async function waitGone(m: Machine, pid: number | undefined, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const running = pid === undefined ? (await m.pid()) !== undefined : await m.isQemu(pid);
    if (!running) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pid === undefined ? 200 : 50);
  }
}

/**
 * Stops a machine: an ACPI power-button press, then, if the guest has not powered off
 * within the grace period, QEMU is told to quit, and killed if even that fails.
 * Resolves to true when the guest went down by itself.
 */
export async function shutdown(m: Machine, graceMs: number): Promise<boolean> {
  const pid = await m.pid();
  if (graceMs > 0) {
    try {
      await qmpOnce(m.qmpSocket, "system_powerdown");
      if (await waitGone(m, pid, graceMs)) return true;
    } catch {
      // QMP unusable: straight to the hard way
    }
  }
  try {
    const client = await QmpClient.connect(m.qmpSocket, 2000);
    await client.execute("quit").catch(() => undefined); // QEMU may close before it answers
    client.close();
  } catch {
    // fall through to the signal
  }
  if (!(await waitGone(m, pid, 5000))) {
    const alive = pid ?? (await m.pid());
    if (alive !== undefined) process.kill(alive, "SIGKILL");
    if (!(await waitGone(m, alive, 5000))) throw new VmError(`QEMU (pid ${alive}) does not die`);
  }
  return false;
}

export async function removeMachine(m: Machine): Promise<void> {
  await rm(m.dir, { recursive: true, force: true });
}

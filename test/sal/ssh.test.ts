// ssh_* against a real OpenSSH server the test starts on a loopback port, with a host key
// and a client key made for the test (scripts/ensure-sshd.sh installs OpenSSH).

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { netModule } from "../../src/sal/index.js";
import { sparePort } from "../helpers/redis-server.js";
import { callMain, mainContext, rejection, type TestMainContext, tempDir } from "./helpers.js";

const SSHD = "/usr/sbin/sshd";
const haveOpenSsh =
  existsSync(SSHD) &&
  ["ssh", "ssh-keygen"].every((c) => {
    try {
      execFileSync("sh", ["-c", `command -v ${c}`], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
if (!haveOpenSsh) {
  console.warn(
    "ssh tests skipped: OpenSSH (ssh, ssh-keygen, /usr/sbin/sshd) is not installed; run scripts/ensure-sshd.sh",
  );
}

let dir: string;
let remove: () => Promise<void>;
let sshd: ChildProcess | undefined;
let sshdLog = "";
let port: number;
const user = userInfo().username;
let ctx: TestMainContext;
const net = (name: string, ...args: Parameters<typeof callMain>[3][]) =>
  callMain(netModule, ctx, name, ...args);

function keygen(path: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sal-test", "-f", path]);
}

function accepting(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(p, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe.skipIf(!haveOpenSsh)("ssh against a real sshd", () => {
  let known: string; // known_hosts with the server's real key
  let options: Map<string, string | number>;

  beforeAll(async () => {
    ({ dir, remove } = await tempDir());
    keygen(join(dir, "host_key"));
    keygen(join(dir, "client_key"));
    keygen(join(dir, "stranger_key")); // never authorised
    await writeFile(join(dir, "authorized_keys"), await readFile(join(dir, "client_key.pub")));
    port = await sparePort();
    await writeFile(
      join(dir, "sshd_config"),
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${join(dir, "host_key")}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        "PidFile none",
        "UsePAM no",
        "StrictModes no", // the temporary directory's modes are the test's, not a home's
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "",
      ].join("\n"),
    );
    // sshd refuses to start without its privilege separation directory.
    if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true });
    sshd = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    sshd.stderr?.on("data", (d: Buffer) => {
      sshdLog += d.toString();
    });
    for (let i = 0; i < 200 && !(await accepting(port)); i++) {
      if (sshd.exitCode !== null) throw new Error(`sshd exited: ${sshdLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const hostPub = (await readFile(join(dir, "host_key.pub"), "utf8")).trim();
    known = join(dir, "known_hosts");
    await writeFile(known, `[127.0.0.1]:${port} ${hostPub}\n`);
    options = new Map<string, string | number>([
      ["port", port],
      ["key", join(dir, "client_key")],
      ["known_hosts", known],
      ["host_key_check", "yes"],
    ]);
  });
  afterAll(async () => {
    sshd?.kill("SIGTERM");
    await remove?.();
  });
  beforeEach(() => {
    ctx = mainContext({ options: { workDir: dir } });
  });

  test("ssh_execute runs the command and gives its exit code; output goes to the log", async () => {
    expect(
      await net("ssh_execute", "127.0.0.1", user, "echo hello from $(whoami); exit 3", options),
    ).toBe(3);
    expect(ctx.lines).toContain(`hello from ${user}`);
    expect(await net("ssh_execute", "127.0.0.1", user, "true", options)).toBe(0);
  });

  test("ssh_execute_output gives stdout, and fails with the code and stderr on a non-zero exit", async () => {
    expect(await net("ssh_execute_output", "127.0.0.1", user, "printf 'a b\\nc'", options)).toBe(
      "a b\nc",
    );
    const e = await rejection(
      net("ssh_execute_output", "127.0.0.1", user, "echo oops >&2; exit 4", options),
    );
    expect(e.message).toBe(
      `ssh_execute_output: command on ${user}@127.0.0.1:${port} exited with code 4: oops`,
    );
  });

  test("ssh_ping: true with the authorised key, false with another key or no server", async () => {
    expect(await net("ssh_ping", "127.0.0.1", user, options)).toBe(true);
    const stranger = new Map(options).set("key", join(dir, "stranger_key"));
    expect(await net("ssh_ping", "127.0.0.1", user, stranger)).toBe(false);
    const closed = new Map(options).set("port", await sparePort());
    expect(await net("ssh_ping", "127.0.0.1", user, closed)).toBe(false);
  });

  test("a login failure is an error naming the host and ssh's reason", async () => {
    const stranger = new Map(options).set("key", join(dir, "stranger_key"));
    const e = await rejection(net("ssh_execute", "127.0.0.1", user, "true", stranger));
    expect(e.message).toMatch(
      new RegExp(`^ssh_execute: ssh to ${user}@127.0.0.1:${port} failed: .*Permission denied`),
    );
  });

  test("a host key that does not match known_hosts is refused", async () => {
    const other = (await readFile(join(dir, "stranger_key.pub"), "utf8")).trim();
    const wrong = join(dir, "wrong_known_hosts");
    await writeFile(wrong, `[127.0.0.1]:${port} ${other}\n`);
    const e = await rejection(
      net(
        "ssh_execute_output",
        "127.0.0.1",
        user,
        "echo should not run",
        new Map(options).set("known_hosts", wrong),
      ),
    );
    expect(e.message).toContain("Host key verification failed");
    // accept-new with an empty file: trusted on first use and written down.
    const fresh = join(dir, "fresh_known_hosts");
    const tofu = new Map(options).set("known_hosts", fresh).set("host_key_check", "accept-new");
    expect(await net("ssh_execute_output", "127.0.0.1", user, "echo first", tofu)).toBe("first\n");
    // (Debian's ssh_config hashes the host names, so look for the key itself.)
    const hostKey = (await readFile(join(dir, "host_key.pub"), "utf8")).split(" ")[1] as string;
    expect(await readFile(fresh, "utf8")).toContain(hostKey);
  });

  test("the timeout option ends a long command", async () => {
    const e = await rejection(
      net("ssh_execute", "127.0.0.1", user, "sleep 30", new Map(options).set("timeout", 1)),
    );
    expect(e.message).toBe(`ssh_execute: ${user}@127.0.0.1:${port} did not finish within 1s`);
  });

  test("a host or user that could pass as an ssh option is refused before ssh runs", async () => {
    const marker = join(dir, "injected");
    const host = `-oProxyCommand=touch ${marker}`;
    expect((await rejection(net("ssh_execute", host, user, "true", options))).message).toBe(
      `ssh_execute: not a valid host name or address: ${JSON.stringify(host)}`,
    );
    expect((await rejection(net("ssh_ping", "127.0.0.1", "-oProxyCommand=x"))).message).toContain(
      "not a valid user name",
    );
    expect(existsSync(marker)).toBe(false);
    expect(
      (await rejection(net("ssh_ping", "127.0.0.1", user, new Map([["prot", 22]])))).message,
    ).toContain('unknown option "prot"');
    expect(
      (await rejection(net("ssh_ping", "127.0.0.1", user, new Map([["port", 70000]])))).message,
    ).toContain("must be a port number");
    expect(
      (await rejection(net("ssh_ping", "127.0.0.1", user, new Map([["host_key_check", "maybe"]]))))
        .message,
    ).toContain("must be one of yes, accept-new, no");
  });
});

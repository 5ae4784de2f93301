import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, createConnection, createServer } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { Float, type Value } from "../../src/rhai/index.js";
import { netModule, osModule } from "../../src/sal/index.js";
import { callMain, mainContext, rejection, type TestMainContext, tempDir } from "./helpers.js";

let ctx: TestMainContext;
const net = (name: string, ...args: Value[]) => callMain(netModule, ctx, name, ...args);

let http: Server;
let base: string;
let archive: Buffer;

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A port whose accept queue is full: the kernel drops further connection attempts, so a
 * client waits in silence (what a firewalled host does). Python's socket never accepts.
 */
async function stuckListener(): Promise<{ port: number; close: () => void }> {
  const child = spawn("python3", [
    "-c",
    "import socket,sys,time\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)",
  ]);
  const port = await new Promise<number>((resolve) =>
    child.stdout.once("data", (d) => resolve(Number(String(d)))),
  );
  const filler = createConnection(port, "127.0.0.1"); // takes the only queue slot
  await new Promise((r) => filler.once("connect", r));
  return {
    port,
    close: () => {
      filler.destroy();
      child.kill("SIGKILL");
    },
  };
}

beforeAll(async () => {
  const { dir, remove } = await tempDir();
  execFileSync("mkdir", ["-p", join(dir, "pkg/bin")]);
  execFileSync("sh", ["-c", `echo tool > ${join(dir, "pkg/bin/tool")}`]);
  execFileSync("tar", ["-czf", join(dir, "pkg.tar.gz"), "-C", join(dir, "pkg"), "."]);
  archive = readFileSync(join(dir, "pkg.tar.gz"));
  await remove();
  http = createHttpServer((req, res) => {
    if (req.url === "/ok") res.end("hello body");
    else if (req.url === "/redirect") res.writeHead(302, { location: "/ok" }).end();
    else if (req.url === "/slow") setTimeout(() => res.end("late"), 5000).unref();
    else if (req.url === "/pkg.tar.gz") res.end(archive);
    else res.writeHead(404).end("not here");
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
});
beforeEach(() => {
  ctx = mainContext();
});
afterEach(() => ctx.end());

describe("tcp", () => {
  test("tcp_check: a listening port and a closed one", async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      expect(await net("tcp_check", "127.0.0.1", (server.address() as AddressInfo).port)).toBe(
        true,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await net("tcp_check", "127.0.0.1", await closedPort())).toBe(false);
  });

  // The silent port needs a listener that never accepts, which Node cannot make: Python can.
  const hasPython = spawnSync("python3", ["--version"]).status === 0;
  test.runIf(hasPython)(
    "tcp_check gives up after its timeout on a port that never answers",
    async () => {
      const stuck = await stuckListener();
      try {
        const started = Date.now();
        expect(await net("tcp_check", "127.0.0.1", stuck.port, new Float(0.5))).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(450);
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        stuck.close();
      }
    },
  );

  test("bad ports are errors", async () => {
    expect((await rejection(net("tcp_check", "127.0.0.1", 70000))).message).toBe(
      "tcp_check: port must be between 1 and 65535, got 70000",
    );
  });

  // Tests send traffic to loopback only (the workplace's rule), so the "host silent" side
  // of tcp_ping, which needs an address that drops packets, is not exercised here.
  test("tcp_ping: a refused connection proves the host is up", async () => {
    expect(await net("tcp_ping", "127.0.0.1")).toBe(true);
  });
});

describe("http", () => {
  test("http_get returns the body, following redirects", async () => {
    expect(await net("http_get", `${base}/ok`)).toBe("hello body");
    expect(await net("http_get", `${base}/redirect`)).toBe("hello body");
  });

  test("http_status and http_check", async () => {
    expect(await net("http_status", `${base}/ok`)).toBe(200);
    expect(await net("http_status", `${base}/nope`)).toBe(404);
    expect(await net("http_check", `${base}/ok`)).toBe(true);
    expect(await net("http_check", `${base}/nope`)).toBe(false);
    expect(await net("http_check", `http://127.0.0.1:${await closedPort()}/`)).toBe(false);
  });

  test("errors say what went wrong", async () => {
    expect((await rejection(net("http_get", `${base}/nope`))).message).toBe(
      `http_get: ${base}/nope answered HTTP 404`,
    );
    const port = await closedPort();
    expect((await rejection(net("http_status", `http://127.0.0.1:${port}/`))).message).toBe(
      `http_status: cannot reach http://127.0.0.1:${port}/: ECONNREFUSED`,
    );
    expect((await rejection(net("http_get", "ftp://x/"))).message).toBe(
      "http_get: only http and https URLs are supported, not ftp:",
    );
    expect((await rejection(net("http_check", "not a url"))).message).toBe(
      "http_check: not a valid URL: not a url",
    );
  });

  test("a server that does not answer costs at most the timeout", async () => {
    const started = Date.now();
    const e = await rejection(net("http_get", `${base}/slow`, 1));
    expect(e.message).toBe(`http_get: ${base}/slow did not answer within 1s`);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test("a request stops when the job ends", async () => {
    const pending = net("http_get", `${base}/slow`, 30);
    setTimeout(() => void ctx.end(), 100);
    expect((await rejection(pending)).message).toBe(
      `http_get: request to ${base}/slow stopped: the job ended`,
    );
  });
});

describe("downloads (os module)", () => {
  test("download unpacks an archive; download_file saves exactly; min size is checked", async () => {
    const { dir, remove } = await tempDir();
    try {
      const os = (name: string, ...args: Value[]) => callMain(osModule, ctx, name, ...args);
      expect(await os("download", `${base}/pkg.tar.gz`, join(dir, "out"), 0)).toBe(
        join(dir, "out"),
      );
      expect(await os("file_read", join(dir, "out/bin/tool"))).toBe("tool\n");
      expect(await os("find_files", join(dir, "out"), ".download-*")).toEqual([]);
      expect(await os("download_file", `${base}/ok`, join(dir, "f/ok.txt"))).toBe(
        join(dir, "f/ok.txt"),
      );
      expect(await os("file_read", join(dir, "f/ok.txt"))).toBe("hello body");
      const small = await rejection(os("download_file", `${base}/ok`, join(dir, "f/big.txt"), 1));
      expect(small.message).toBe(
        `download_file: downloaded 10 bytes from ${base}/ok, expected at least 1 KB`,
      );
      expect(await os("exist", join(dir, "f/big.txt"))).toBe(false);
      expect(await os("exist", join(dir, "f/big.txt.part"))).toBe(false);
      const missing = await rejection(os("download_file", `${base}/nope`, join(dir, "x")));
      expect(missing.message).toBe(`download_file: ${base}/nope answered HTTP 404`);
    } finally {
      await remove();
    }
  });
});

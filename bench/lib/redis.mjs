// A Redis server of the benchmark's own on a spare loopback port, without persistence, so
// the shared Redis on 6379 is never touched and every run starts from an empty store.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/** A TCP port free on the loopback interface right now. */
export function sparePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis() {
  const port = await sparePort();
  const dir = mkdtempSync(join(tmpdir(), "horus-bench-redis-"));
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => 50,
    maxRetriesPerRequest: 1,
  });
  probe.on("error", () => {});
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    try {
      if (probe.status !== "ready") await probe.connect().catch(() => {});
      up = (await probe.ping()) === "PONG";
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  if (!up)
    throw new Error(`redis-server on port ${port} did not start (is redis-server installed?)`);
  return {
    url,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// What both probes share: a Redis of their own, a client, a runner process of the kind asked
// for (the no-op test executor, or runner_sal for Rhai `1 + 1`), and a signed job maker.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HorusClient } from "../../dist/client/index.js";
import { generateKeyPair } from "../../dist/job/index.js";
import { startRedis } from "../lib/redis.mjs";
import { ROOT } from "../lib/systems.mjs";

export async function probeWorld(kind) {
  const redis = await startRedis();
  const keys = generateKeyPair();
  const client = new HorusClient({ redisUrl: redis.url });
  await client.ready();
  const payload = kind === "rhai" ? "1 + 1" : "";
  let stateDir;
  return {
    redis,
    client,
    job: () => HorusClient.signedJob({ payload, runner: "probe", timeout: 60 }, [keys.private_key]),
    /** Starts the runner (extra node flags first) and waits until it is listed. */
    async startRunner(nodeFlags = [], concurrency = 1) {
      const script = kind === "rhai" ? "dist/cli/runner_sal.js" : "test/fixtures/test-runner.mjs";
      const args = ["probe", "--redis-url", redis.url, "--concurrency", String(concurrency)];
      args.push("--trusted-keys", keys.public_key, "--log-level", "warn");
      // A fresh state directory: earlier runs' ledgers would be read and held (systems.mjs).
      stateDir = mkdtempSync(join(tmpdir(), "horus-probe-state-"));
      args.push("--state-dir", stateDir);
      // RUNNER_ARGS adds runner options (`--keep-finished 0`, say) to measure one at a time.
      if (process.env.RUNNER_ARGS) args.push(...process.env.RUNNER_ARGS.split(" "));
      // RUNNER_WRAP puts a command in front (`strace -f -c -o /tmp/st.txt`, say).
      const wrap = process.env.RUNNER_WRAP ? process.env.RUNNER_WRAP.split(" ") : [];
      const command = [...wrap, process.execPath, ...nodeFlags, script, ...args];
      const child = spawn(command[0], command.slice(1), {
        cwd: ROOT,
        stdio: "inherit",
      });
      while ((await client.runners("probe")).length === 0)
        await new Promise((r) => setTimeout(r, 20));
      return child;
    },
    async close(child) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await client.close();
      await redis.stop();
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

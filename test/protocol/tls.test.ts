// Redis over TLS (rediss://): a runner process and the `horus` command, each trusting a
// self-signed certificate through NODE_EXTRA_CA_CERTS, run a job end to end. Commands sent
// together go out as one write on the TLS socket too (see src/protocol/one-write.ts). The
// server is a redis-server of the test's own with only a TLS port.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKeyPair } from "../../src/job/index.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { sparePort } from "../helpers/redis-server.js";

const keys = generateKeyPair();
const dir = mkdtempSync(join(tmpdir(), "horus-tls-"));
const cert = join(dir, "cert.pem");
const env = { NODE_EXTRA_CA_CERTS: cert };
let server: ChildProcess;
let url: string;
let runner: Proc | undefined;

beforeAll(async () => {
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  const port = await sparePort();
  url = `rediss://127.0.0.1:${port}`;
  server = spawn(
    "redis-server",
    [
      ...["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1"],
      ...["--tls-cert-file", cert, "--tls-key-file", join(dir, "key.pem")],
      ...["--tls-ca-cert-file", cert, "--tls-auth-clients", "no", "--save", "", "--dir", dir],
    ],
    { stdio: "ignore" },
  );
  // Up when a TLS client gets an answer (the `horus` command's own connection check).
  for (let i = 0; ; i++) {
    const probe = await runToEnd(
      process.execPath,
      [distBin("horus"), "--redis-url", url, "runners"],
      {
        env,
      },
    );
    if (probe.code === 0) break;
    if (i === 50) throw new Error(`no TLS redis-server on ${url}: ${probe.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: "r1",
    namespace: "tls",
    trustedKeys: [keys.public_key],
    redisUrl: url,
    args: ["--concurrency", "3"],
    env,
  });
}, 60_000);

afterAll(async () => {
  await runner?.stop("SIGTERM");
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

describe("Redis over TLS", () => {
  test("`horus run` submits and waits, and the runner takes and ends the job", async () => {
    const run = await runToEnd(
      process.execPath,
      [
        ...[distBin("horus"), "--redis-url", url, "--namespace", "tls"],
        ...["run", "--runner", "r1", "--script", "-", "--json"],
      ],
      { input: "echo over tls", env: { ...env, HORUS_SIGNING_KEY: keys.private_key } },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: "finished",
      result: { success: "over tls" },
    });
  });
});

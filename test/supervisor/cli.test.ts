// The `supervisor` command itself: usage, the admin key file, exit codes, static routes.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { distBin, runToEnd } from "../helpers/processes.js";
import { dropNamespace, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { httpCall, startSupervisor } from "./helpers.js";

const ns = uniqueNamespace("supcli");
let redis: Redis;

beforeAll(() => {
  redis = testRedis();
});

afterAll(async () => {
  await dropNamespace(redis, ns);
  await redis.quit();
});

const supervisor = (args: string[]) =>
  runToEnd(process.execPath, [distBin("supervisor"), ...args], { timeoutMs: 20_000 });

describe("supervisor command", () => {
  test("--help names every option", async () => {
    const { code, stdout, stderr } = await supervisor(["--help"]);
    expect(code, stderr).toBe(0);
    for (const option of ["--redis-url", "--port", "--bind", "--namespace", "--admin-key-file"]) {
      expect(stdout).toContain(option);
    }
  });

  test("a bad port is a usage error (exit 2)", async () => {
    const { code, stderr } = await supervisor(["--port", "70000"]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "supervisor: --port: expected a port number (0 to 65535), got '70000'",
    );
  });

  test("an unreachable Redis stops it with exit 1 and a clear message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "horus-sup-"));
    const { code, stdout } = await supervisor([
      "--redis-url",
      "redis://127.0.0.1:1",
      "--port",
      "0",
      "--admin-key-file",
      join(dir, "admin.key"),
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain("cannot reach Redis at redis://127.0.0.1:1");
  });

  test("an empty admin key file is refused (exit 1)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "horus-sup-")), "admin.key");
    writeFileSync(file, "\n");
    const { code, stdout } = await supervisor(["--port", "0", "--admin-key-file", file]);
    expect(code).toBe(1);
    expect(stdout).toContain("cannot read the admin key file");
  });

  test("the admin key file is made once (mode 600) and reused; SIGTERM stops with 0", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "horus-sup-")), "admin.key");
    const first = await startSupervisor(ns, file);
    await first.proc.waitFor("generated a new admin key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stopped = await first.proc.stop("SIGTERM");
    expect(stopped, first.proc.output()).toEqual({ code: 0, signal: null });

    const second = await startSupervisor(ns, file);
    try {
      expect(second.adminKey).toBe(first.adminKey);
      expect(second.proc.output()).not.toContain("generated a new admin key");
      // The key itself is never logged.
      expect(second.proc.output()).not.toContain(second.adminKey);
      const who = await httpCall(second.url, "auth.verify", {}, readFileSync(file, "utf8").trim());
      expect(who.result).toMatchObject({ scope: "admin" });
    } finally {
      await second.proc.stop();
    }
  });
});

describe("static routes", () => {
  test("serve the console and the signing code, nothing outside them", async () => {
    const sup = await startSupervisor(ns);
    try {
      const get = (path: string) => fetch(`${sup.url}${path}`, { redirect: "manual" });
      const root = await get("/");
      expect(root.status).toBe(302);
      expect(root.headers.get("location")).toBe("/console/");
      const page = await get("/console/");
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(await page.text()).toContain("Horus supervisor");
      expect((await get("/console/app.js")).headers.get("content-type")).toContain("javascript");
      expect((await get("/lib/job/canonical.js")).status).toBe(200);
      expect((await get("/vendor/@noble/curves/secp256k1.js")).status).toBe(200);
      expect((await get("/vendor/@noble/hashes/sha2.js")).status).toBe(200);
      // uPlot from node_modules (the overview's charts): its ESM build and stylesheet only.
      const uplot = await get("/vendor/uplot/dist/uPlot.esm.js");
      expect(uplot.headers.get("content-type")).toContain("javascript");
      expect(await uplot.text()).toContain("export");
      expect((await get("/vendor/uplot/dist/uPlot.min.css")).headers.get("content-type")).toContain(
        "text/css",
      );
      expect((await get("/vendor/uplot/dist/uPlot.cjs.js")).status).toBe(404);
      expect((await get("/vendor/uplot/package.json")).status).toBe(404);
      expect((await get("/console/pages/overview.js")).status).toBe(200);
      // Files next to the served ones, and escapes out of the folders, are not served.
      expect((await get("/lib/job/crypto.js")).status).toBe(404);
      expect((await get("/console/%2e%2e/package.json")).status).toBe(404);
      expect((await get("/console/..%2f..%2fpackage.json")).status).toBe(404);
      expect((await get("/vendor/@noble/curves/package.json")).status).toBe(404);
      expect((await get("/nothing")).status).toBe(404);
      const put = await fetch(sup.url, { method: "PUT" });
      expect(put.status).toBe(405);
    } finally {
      await sup.proc.stop();
    }
  });
});

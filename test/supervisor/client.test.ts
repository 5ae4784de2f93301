// SupervisorClient (what `horus --supervisor URL` uses) against a real supervisor process
// and a real runner: the same answers as HorusClient gives straight from Redis.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HorusClient } from "../../src/client/index.js";
import { SupervisorClient, SupervisorRpcError } from "../../src/client/supervisor-client.js";
import { generateKeyPair } from "../../src/job/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "./helpers.js";

const ns = uniqueNamespace("supclient");
const RUNNER = "client-runner";
const IDLE = "client-idle";
const signer = generateKeyPair();

let redis: Redis;
let sup: RunningSupervisor;
let runner: Proc;
let client: SupervisorClient;

const job = (payload: string, runner = RUNNER) =>
  HorusClient.signedJob({ payload, runner }, [signer.private_key]);

beforeAll(async () => {
  redis = testRedis();
  sup = await startSupervisor(ns);
  const made = await httpCall<{ key: string }>(
    sup.url,
    "auth.create_key",
    { name: "client", scope: "user" },
    sup.adminKey,
  );
  for (const name of [RUNNER, IDLE]) {
    await httpCall(sup.url, "register_runner", { name }, sup.adminKey);
  }
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
  });
  client = new SupervisorClient({ url: sup.url, apiKey: made.result?.key });
});

afterAll(async () => {
  await runner?.stop();
  await sup?.proc.stop();
  await dropNamespace(redis, ns);
  await redis.quit();
});

describe("SupervisorClient", () => {
  test("ready() accepts a good key and names a bad one", async () => {
    await expect(client.ready()).resolves.toBeUndefined();
    const bad = new SupervisorClient({ url: sup.url, apiKey: "hsk_wrong" });
    await expect(bad.ready()).rejects.toThrow("unknown API key");
    await expect(bad.ready()).rejects.toBeInstanceOf(SupervisorRpcError);
  });

  test("run returns the final record with the result", async () => {
    const record = await client.run(job("log ran through the supervisor\necho 42"));
    expect(record).toMatchObject({ status: "finished", runner: RUNNER, result: { success: "42" } });
    expect(await client.logs(record.id)).toEqual(["ran through the supervisor"]);
    expect(await client.logs(record.id, 1)).toEqual([]);
    expect(await client.result(record.id)).toEqual({ success: "42" });
  });

  test("submit queues; status, followLogs and result follow the job", async () => {
    const j = job("log one\nsleep 300\nlog two\necho end");
    expect(await client.submit(j)).toBe(j.id);
    const lines: string[] = [];
    const record = await client.followLogs(j.id, (l) => lines.push(l), 100);
    expect(lines).toEqual(["one", "two"]);
    expect(record.status).toBe("finished");
    expect((await client.status(j.id))?.result).toEqual({ success: "end" });
  });

  test("cancel answers like HorusClient: cancelled, already-ended, missing", async () => {
    const j = job("echo never", IDLE);
    await client.submit(j);
    expect(await client.status(j.id)).toMatchObject({ status: "dispatched" });
    expect(await client.result(j.id)).toBeUndefined();
    expect(await client.cancel(j.id)).toBe("cancelled");
    expect(await client.cancel(j.id)).toBe("already-ended");
    expect(await client.cancel("no-such-job")).toBe("missing");
    expect(await client.status("no-such-job")).toBeUndefined();
  });

  test("runners lists live instances, optionally of one runner", async () => {
    const all = await client.runners();
    expect(all.map((i) => i.runner_id)).toContain(RUNNER);
    expect(await client.runners(IDLE)).toEqual([]);
    expect((await client.runners(RUNNER))[0]).toMatchObject({ runner_id: RUNNER, kind: "test" });
  });

  test("a forged job fails with the supervisor's message", async () => {
    const forged = { ...job("echo a"), payload: "echo b" };
    await expect(client.run(forged)).rejects.toThrow(/refused: invalid signature/);
  });

  test("an unreachable supervisor and a bad URL give clear errors", async () => {
    const away = new SupervisorClient({ url: "http://127.0.0.1:9", apiKey: "x" });
    await expect(away.ready()).rejects.toThrow(
      /cannot reach the supervisor at http:\/\/127.0.0.1:9/,
    );
    expect(() => new SupervisorClient({ url: "not a url" })).toThrow(/takes a URL/);
  });
});

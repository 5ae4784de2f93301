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

  test("dead letters: listed, shown, retried (signed here) and purged as HorusClient does", async () => {
    const direct = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
    try {
      const dead = job("fail for the dead letters");
      expect(await client.run(dead)).toMatchObject({ status: "error", error_kind: "script" });
      const page = await client.deadLetters(RUNNER);
      const straight = await direct.deadLetters(RUNNER);
      expect(page.letters).toEqual(straight.letters);
      expect(page.letters.map((l) => l.id)).toEqual([dead.id]);
      expect(page.has_more).toBe(false);
      // A user key sees its own letters; how many the runner id holds is admin's to know.
      expect(page.total).toBeUndefined();
      expect(await client.deadLetter(dead.id)).toEqual(await direct.deadLetter(dead.id));
      expect(await client.deadLetter("no-such-job")).toBeUndefined();

      const retry = await client.retryDead(dead.id, signer.private_key);
      expect(retry.signatures.map((s) => s.public_key)).toEqual([signer.public_key]);
      expect(retry.env_vars).toEqual({ HORUS_RETRY_OF: dead.id });
      const ended = await direct.wait(retry.id, 30);
      expect(ended).toMatchObject({ status: "error", error_kind: "script" });
      await expect(client.retryDead(dead.id, signer.private_key)).rejects.toThrow(
        `job ${dead.id} is not among runner ${RUNNER}'s dead letters`,
      );
      expect(await client.purgeDead(RUNNER, ["no-such-job"])).toEqual([]);
      expect(await client.purgeDead(RUNNER)).toEqual([retry.id]);
      expect((await direct.deadLetters(RUNNER)).total).toBe(0);
    } finally {
      await direct.close();
    }
  });

  test("an unreachable supervisor and a bad URL give clear errors", async () => {
    const away = new SupervisorClient({ url: "http://127.0.0.1:9", apiKey: "x" });
    await expect(away.ready()).rejects.toThrow(
      /cannot reach the supervisor at http:\/\/127.0.0.1:9/,
    );
    expect(() => new SupervisorClient({ url: "not a url" })).toThrow(/takes a URL/);
  });
});

// The supervisor under attack by its own key holders and by strangers: a user key replaying
// a finished signed job, a user key reaching for another key's jobs and their secrets, and
// an unauthenticated batch big enough to stall the event loop. Real supervisor process, real
// runner, real Redis.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { createJob, generateKeyPair, type Job, signJob } from "../../src/job/index.js";
import { RedisKeys, writeHeartbeat } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import {
  httpCall,
  type RpcAnswer,
  type RunningSupervisor,
  startSupervisor,
  WsClient,
} from "./helpers.js";

const ns = uniqueNamespace("supsec");
const RUNNER = "supsec-runner";
/** Registered, but no process serves it: its jobs stay queued. */
const IDLE = "supsec-idle";
const RECORD_KEY = `${ns}:executions`;
const signer = generateKeyPair();
const redisKeys = new RedisKeys(ns);

let redis: Redis;
let sup: RunningSupervisor;
let runner: Proc;
/** Two user keys (alice, bob) and their public ids. */
const keys = { admin: "", alice: "", bob: "" };
const keyIds = { alice: "", bob: "" };

function signed(payload: string, runner = RUNNER, extra: Partial<Job> = {}): Job {
  return signJob({ ...createJob({ payload, runner }), ...extra }, signer.private_key);
}

const http = <T = unknown>(method: string, params?: unknown, key?: string) =>
  httpCall<T>(sup.url, method, params, key);

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function postRaw(body: string, key?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(sup.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

function batchOf(n: number, method: string, params?: unknown): string {
  return JSON.stringify(
    Array.from({ length: n }, (_, i) => ({
      jsonrpc: "2.0",
      id: i,
      method,
      ...(params === undefined ? {} : { params }),
    })),
  );
}

beforeAll(async () => {
  redis = testRedis();
  sup = await startSupervisor(ns);
  keys.admin = sup.adminKey;
  for (const who of ["alice", "bob"] as const) {
    const made = await http<{ key: string; id: string }>(
      "auth.create_key",
      { name: who, scope: "user" },
      keys.admin,
    );
    keys[who] = made.result?.key ?? "";
    keyIds[who] = made.result?.id ?? "";
  }
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
    args: ["--record-key", RECORD_KEY],
  });
  for (const name of [RUNNER, IDLE]) {
    expect((await http("register_runner", { name }, keys.admin)).error).toBeUndefined();
  }
});

afterAll(async () => {
  await runner?.stop();
  await sup?.proc.stop();
  if (redis) {
    await redis.del(RECORD_KEY);
    await dropNamespace(redis, ns);
    await redis.quit();
  }
});

describe("replay through the supervisor", () => {
  test("a user key cannot make a finished signed job run twice (jobs.get, job.delete, jobs.create, job.start)", async () => {
    const first = signed("echo once");
    expect((await http("job.run", { job: first }, keys.alice)).result).toEqual({ success: "once" });

    const got = await http<{ job: Job }>("jobs.get", { job_id: first.id }, keys.alice);
    const bytes = got.result?.job as Job;
    expect(bytes.signatures).toEqual(first.signatures);
    expect((await http("job.delete", { job_id: first.id }, keys.alice)).result).toEqual({
      deleted: true,
    });
    // The replay guard outlives the deleted job.
    expect(await redis.exists(redisKeys.claim(first.id))).toBe(1);

    const created = await http("jobs.create", { job: bytes }, keys.alice);
    if (created.error === undefined) {
      // Stored again (only the runner's claim can tell): queued, it must be refused there.
      expect((await http("job.start", { job_id: first.id }, keys.alice)).error).toBeUndefined();
      const ended = await until(
        () =>
          http<{ status: string; error_kind?: string }>(
            "job.status",
            { job_id: first.id },
            keys.alice,
          ),
        (a) => a.result?.status === "finished" || a.result?.status === "error",
        "the re-created job to end",
      );
      expect(ended.result).toMatchObject({ status: "error", error_kind: "unauthorized" });
    } else {
      // Refused at the door (the id has a claim).
      expect(created.error.code).toBe(-32012);
    }
    expect((await executedIds(redis, RECORD_KEY)).filter((id) => id === first.id)).toHaveLength(1);
  });
});

describe("each user key sees only its own jobs", () => {
  test("another user key gets 'no such job' from every job method and the event stream; admin sees all", async () => {
    const done = signed("log alice's log line\necho alice's result");
    expect((await http("job.run", { job: done }, keys.alice)).result).toEqual({
      success: "alice's result",
    });
    const queued = signed("echo waits", IDLE);
    expect((await http("jobs.create", { job: queued }, keys.alice)).error).toBeUndefined();

    // The creating key is recorded by its public id, never its secret.
    const hash = await redis.hgetall(redisKeys.job(done.id));
    expect(JSON.stringify(hash)).not.toContain(keys.alice);
    const asAdmin = await http<{ status: Record<string, unknown> }>(
      "jobs.get",
      { job_id: done.id },
      keys.admin,
    );
    expect(asAdmin.result?.status).toMatchObject({
      submitted_by: keyIds.alice,
      submitted_by_name: "alice",
    });

    const calls: [string, Record<string, unknown>][] = [
      ["jobs.get", { job_id: done.id }],
      ["job.status", { job_id: done.id }],
      ["job.result", { job_id: done.id }],
      ["job.logs", { job_id: done.id }],
      ["job.delete", { job_id: done.id }],
      ["job.start", { job_id: queued.id }],
      ["job.cancel", { job_id: queued.id }],
      ["job.delete", { job_id: queued.id }],
    ];
    for (const [method, params] of calls) {
      const answer = await http(method, params, keys.bob);
      expect(answer.error, `${method} as bob`).toMatchObject({
        code: -32013,
        message: `no job with id ${params.job_id}`,
      });
    }
    const ws = await WsClient.open(sup.wsUrl, keys.bob);
    try {
      const sub = await ws.call("job.subscribe", { job_id: done.id });
      expect(sub.error?.code).toBe(-32013);
    } finally {
      ws.close();
    }
    // Bob's listing does not show alice's jobs, not even by a search into their payloads.
    type Page = { jobs: { id: string }[] };
    const bobs = await http<Page>("jobs.list", { search: "alice's", limit: 500 }, keys.bob);
    expect(bobs.result?.jobs).toEqual([]);
    const alices = await http<Page>("jobs.list", { search: "alice's", limit: 500 }, keys.alice);
    expect(alices.result?.jobs.map((j) => j.id)).toEqual([done.id]);

    // Nothing bob tried changed anything: alice's stored job is still hers, and waiting
    // (`created`: stored by jobs.create, never started).
    const still = await http<{ status: string }>("job.status", { job_id: queued.id }, keys.alice);
    expect(still.result?.status).toBe("created");
    expect(await redis.hget(redisKeys.job(queued.id), "queued_at")).toBeNull();
    // The owner and admin reach both.
    for (const key of [keys.alice, keys.admin]) {
      expect((await http("job.logs", { job_id: done.id }, key)).result).toMatchObject({
        lines: ["alice's log line"],
      });
      expect((await http("job.cancel", { job_id: queued.id }, key)).error?.code ?? 0).not.toBe(
        -32013,
      );
    }
    expect((await http("job.delete", { job_id: queued.id }, keys.alice)).result).toEqual({
      deleted: true,
    });
  });

  test("a job stored without the supervisor (no recorded key) is admin's only", async () => {
    const job = signed("echo straight to redis", IDLE);
    // What `horus submit` straight to Redis writes: the job hash, no supervisor key.
    await redis.hset(redisKeys.job(job.id), {
      id: job.id,
      runner: job.runner,
      payload: job.payload,
      caller_id: job.caller_id,
      context_id: job.context_id,
      executor: job.executor,
      timeout: String(job.timeout),
      env_vars: "{}",
      created_at: job.created_at,
      signatures: JSON.stringify(job.signatures),
      status: "dispatched",
      attempts: "0",
    });
    expect((await http("job.status", { job_id: job.id }, keys.alice)).error?.code).toBe(-32013);
    expect((await http("job.status", { job_id: job.id }, keys.admin)).result).toMatchObject({
      status: "dispatched",
    });
  });

  test("env_vars values go to admin only; others see the names", async () => {
    const job = signed("echo used its environment", RUNNER, {
      env_vars: { API_TOKEN: "tok-very-secret-4711", REGION: "eu-west" },
    });
    expect((await http("job.run", { job }, keys.alice)).result).toEqual({
      success: "used its environment",
    });
    // Stored and run as signed: only answers are redacted.
    expect(JSON.parse((await redis.hget(redisKeys.job(job.id), "env_vars")) ?? "{}")).toEqual(
      job.env_vars,
    );
    const mine = await postRaw(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "jobs.get", params: { job_id: job.id } }),
      keys.alice,
    );
    expect(mine.text).not.toContain("tok-very-secret-4711");
    expect(mine.text).not.toContain("eu-west");
    const seen = (JSON.parse(mine.text) as RpcAnswer<{ job: Job }>).result?.job;
    expect(Object.keys(seen?.env_vars ?? {}).sort()).toEqual(["API_TOKEN", "REGION"]);
    expect(Object.values(seen?.env_vars ?? {})).toEqual(["[redacted]", "[redacted]"]);

    const admin = await http<{ job: Job }>("jobs.get", { job_id: job.id }, keys.admin);
    expect(admin.result?.job.env_vars).toEqual({
      API_TOKEN: "tok-very-secret-4711",
      REGION: "eu-west",
    });
  });
});

describe("batches", () => {
  test("a 5,000-call batch without a key is refused at once, in one small answer", async () => {
    const body = batchOf(5000, "rpc.discover");
    const started = performance.now();
    const answer = await postRaw(body);
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(200);
    const parsed = JSON.parse(answer.text) as RpcAnswer & { id: unknown };
    // One error object, not 5,000 answers.
    expect(Array.isArray(parsed)).toBe(false);
    expect(parsed.id).toBeNull();
    expect(parsed.error?.code).toBe(-32600);
    expect(parsed.error?.message).toContain("5000 calls");
    expect(parsed.error?.message).toContain("at most 50");
    expect(answer.text.length).toBeLessThan(1000);
    // Generous: what it guards against took 9 s.
    expect(elapsed).toBeLessThan(2000);
    // And the supervisor is free for the next caller straight away.
    expect((await http("rpc.discover")).result).toBeDefined();
  });

  test("a batch needs a valid key, even of public methods", async () => {
    for (const key of [undefined, "hsk_not-a-key"]) {
      const answer = await postRaw(batchOf(2, "rpc.discover"), key);
      const parsed = JSON.parse(answer.text) as RpcAnswer;
      expect(Array.isArray(parsed)).toBe(false);
      expect(parsed.error?.code).toBe(-32001);
      expect(parsed.error?.message).toMatch(/batch/);
      expect(answer.text.length).toBeLessThan(1000);
    }
    const ok = JSON.parse((await postRaw(batchOf(2, "rpc.discover"), keys.bob)).text);
    expect(ok).toHaveLength(2);

    // The same over a WebSocket: refused until the connection is authenticated.
    const socket = new WebSocket(sup.wsUrl);
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    const next = () =>
      new Promise<unknown>((resolve) =>
        socket.once("message", (data) => resolve(JSON.parse(data.toString()))),
      );
    try {
      socket.send(batchOf(2, "rpc.discover"));
      expect(await next()).toMatchObject({ error: { code: -32001 } });
      socket.send(
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "auth.verify", params: { key: keys.bob } }),
      );
      expect(await next()).toMatchObject({ result: { valid: true } });
      socket.send(batchOf(2, "rpc.discover"));
      expect(await next()).toHaveLength(2);
      socket.send(batchOf(51, "auth.verify"));
      expect(await next()).toMatchObject({ error: { code: -32600 } });
    } finally {
      socket.close();
    }
  });

  test("a batch holds at most 50 calls: 50 are answered, 51 refused", async () => {
    const fifty = JSON.parse(
      (await postRaw(batchOf(50, "auth.verify"), keys.bob)).text,
    ) as RpcAnswer[];
    expect(fifty).toHaveLength(50);
    expect(fifty.every((a) => a.error === undefined)).toBe(true);
    const over = JSON.parse(
      (await postRaw(batchOf(51, "auth.verify"), keys.bob)).text,
    ) as RpcAnswer;
    expect(over.error?.code).toBe(-32600);
    expect(over.error?.message).toContain("51 calls");
  });

  test("a batch's answers stop at the response limit; the calls left out say so", async () => {
    // 3 MiB of payload each time: ten of them pass the 16 MiB a batch's answer may hold.
    const big = signed(`echo ${"x".repeat(3 * 1024 * 1024)}`, IDLE);
    expect((await http("jobs.create", { job: big }, keys.bob)).error).toBeUndefined();
    const answer = await postRaw(batchOf(10, "jobs.get", { job_id: big.id }), keys.bob);
    expect(answer.text.length).toBeLessThanOrEqual(16 * 1024 * 1024);
    const answers = JSON.parse(answer.text) as (RpcAnswer & { id: number })[];
    expect(answers).toHaveLength(10);
    const full = answers.filter((a) => a.result !== undefined);
    const cut = answers.filter((a) => a.error !== undefined);
    expect(full.length).toBeGreaterThanOrEqual(1);
    expect(cut.length).toBeGreaterThanOrEqual(5);
    for (const a of cut) {
      expect(a.error?.code).toBe(-32060);
      expect(a.error?.message).toContain("16 MiB");
      expect(a.error?.message).toContain("on its own");
    }
    // Every call is answered once, under its own id.
    expect(answers.map((a) => a.id).sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
  });

  test("the body limit stays: a body over 10 MiB is refused with 413", async () => {
    const answer = await postRaw(`"${"y".repeat(10 * 1024 * 1024 + 1)}"`, keys.bob);
    expect(answer.status).toBe(413);
    expect(answer.text).toContain("10485760");
  });
});

describe("signed results", () => {
  test("job.status, jobs.get and the end event pass a result's signature through", async () => {
    const job = signed("echo to be signed");
    expect((await http("job.run", { job }, keys.alice)).result).toEqual({
      success: "to be signed",
    });
    // The runner signed the outcome (runners sign by default) and the supervisor says so.
    const first = await http<Record<string, unknown>>("job.status", { job_id: job.id }, keys.alice);
    const [storedSignature, storedSigner] = await redis.hmget(
      redisKeys.job(job.id),
      "result_signature",
      "result_signer",
    );
    expect(storedSigner).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(first.result).toMatchObject({
      result_signature: storedSignature,
      result_signer: storedSigner,
    });
    // Whatever the hash holds is passed on as it is (the supervisor does not judge it).
    const signature = "ab".repeat(64);
    const runnerKey = generateKeyPair().public_key;
    await redis.hset(redisKeys.job(job.id), {
      result_signature: signature,
      result_signer: runnerKey,
    });
    const status = await http<Record<string, unknown>>(
      "job.status",
      { job_id: job.id },
      keys.alice,
    );
    expect(status.result).toMatchObject({ result_signature: signature, result_signer: runnerKey });
    const got = await http<{ status: Record<string, unknown> }>(
      "jobs.get",
      { job_id: job.id },
      keys.alice,
    );
    expect(got.result?.status).toMatchObject({ result_signer: runnerKey });
    const ws = await WsClient.open(sup.wsUrl, keys.alice);
    try {
      await ws.call("job.subscribe", { job_id: job.id });
      await ws.waitForEvent((e) => e.type === "end");
      expect(ws.events.at(-1)).toMatchObject({
        record: { result_signature: signature, result_signer: runnerKey },
      });
    } finally {
      ws.close();
    }
  });

  test("list_runners passes an instance's result-signing public key through", async () => {
    const publicKey = generateKeyPair().public_key;
    await writeHeartbeat(
      redis,
      redisKeys,
      {
        runner_id: "supsec-signing",
        instance: "i-1",
        host: "h",
        pid: 1,
        kind: "test",
        version: "0",
        concurrency: 1,
        started_at: new Date().toISOString(),
        jobs_done: 0,
        jobs_running: 0,
        public_key: publicKey,
      } as Parameters<typeof writeHeartbeat>[2],
      30,
    );
    const answer = await http<{ instances: Record<string, unknown>[] }>(
      "get_runner_status",
      { name: "supsec-signing" },
      keys.bob,
    );
    expect(answer.result?.instances).toEqual([expect.objectContaining({ public_key: publicKey })]);
  });
});

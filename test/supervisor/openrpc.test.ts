// The OpenRPC document (rpc.discover) against a live supervisor process, a real runner and
// Redis: params the server refuses the document refuses too, and real answers, jobs' and
// flows', match the documented result schemas.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { createJob, generateKeyPair, type Job, signFlow, signJob } from "../../src/job/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "./helpers.js";

const ns = uniqueNamespace("sup-openrpc");
const RUNNER = "openrpc-runner";
const signer = generateKeyPair();

let redis: Redis;
let sup: RunningSupervisor;
let runner: Proc;
const keys = { admin: "" };

function signed(payload: string): Job {
  return signJob(createJob({ payload, runner: RUNNER }), signer.private_key);
}

const http = <T = unknown>(method: string, params?: unknown, key?: string) =>
  httpCall<T>(sup.url, method, params, key);

beforeAll(async () => {
  redis = testRedis();
  sup = await startSupervisor(ns);
  keys.admin = sup.adminKey;
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
  });
  expect((await http("register_runner", { name: RUNNER }, keys.admin)).error).toBeUndefined();
});

afterAll(async () => {
  await runner?.stop();
  await sup?.proc.stop();
  await dropNamespace(redis, ns);
  await redis.quit();
});

describe("the OpenRPC document against the live server", () => {
  type Doc = {
    methods: {
      name: string;
      params: { name: string; required: boolean; schema: Record<string, unknown> }[];
      result: { schema: Record<string, unknown> };
    }[];
  };
  let doc: Doc;
  const paramsSchema = (method: string) => {
    const m = doc.methods.find((x) => x.name === method);
    if (!m) throw new Error(`${method} is not documented`);
    return z.fromJSONSchema({
      type: "object",
      properties: Object.fromEntries(m.params.map((p) => [p.name, p.schema])),
      required: m.params.filter((p) => p.required).map((p) => p.name),
    } as never);
  };
  const resultSchema = (method: string) =>
    z.fromJSONSchema(doc.methods.find((x) => x.name === method)?.result.schema as never);

  beforeAll(async () => {
    doc = (await http<Doc>("rpc.discover")).result as Doc;
  });

  test("params the server refuses, the document refuses too; good params pass both", async () => {
    const cases: [string, Record<string, unknown>, boolean][] = [
      ["jobs.list", { limit: 0 }, false],
      ["jobs.list", { status: "finished", limit: 10 }, true],
      ["auth.create_key", { name: "x", scope: "root" }, false],
      ["auth.create_key", { name: "x", scope: "registrar" }, true],
      ["register_runner", { name: "has space" }, false],
      ["jobs.create", { job: { ...signed("echo x"), timeout: -5 } }, false],
      ["jobs.create", { job: signed("echo documented") }, true],
      ["job.logs", { job_id: "x", from: -1 }, false],
      ["job.status", {}, false],
    ];
    for (const [method, params, ok] of cases) {
      const documented = paramsSchema(method).safeParse(params).success;
      const answer = await http(method, params, keys.admin);
      const served = ![-32602, -32010].includes(answer.error?.code ?? 0);
      expect({ method, params, documented, served }).toMatchObject({ documented: ok, served: ok });
    }
  });

  test("real answers match the documented result schemas", async () => {
    const job = signed("log documented\necho shape");
    // A flow whose second node waits on a runner id nobody serves: started, then cancelled.
    const flow = signFlow(
      {
        id: `shape-${Date.now()}`,
        caller_id: "",
        context_id: "",
        failure_policy: "fail_fast",
        created_at: new Date().toISOString(),
        nodes: [
          { id: "a", runner: RUNNER, payload: "echo a", depends_on: [] },
          { id: "b", runner: "nobody", payload: "echo b", depends_on: [] },
        ],
        signatures: [],
      },
      signer.private_key,
    );
    const calls: [string, Record<string, unknown>, string?][] = [
      ["job.run", { job }],
      ["job.status", { job_id: job.id }],
      ["job.result", { job_id: job.id }],
      ["job.logs", { job_id: job.id }],
      ["jobs.get", { job_id: job.id }],
      ["jobs.list", { limit: 3 }],
      ["jobs.index", { limit: 3 }],
      ["stats.overview", {}],
      ["dead.list", { runner: RUNNER }],
      ["dead.show", { job_id: job.id }],
      ["list_runners", {}],
      ["get_runner_status", { name: RUNNER }],
      ["auth.verify", {}],
      ["auth.list_keys", {}],
      ["auth.create_key", { name: "shape", scope: "user" }],
      ["rpc.discover", {}],
      ["flow.create", { flow, check_runners: false }],
      ["flow.start", { flow_id: flow.id }],
      ["flow.status", { flow_id: flow.id }],
      ["flow.list", { limit: 5 }],
      ["flow.cancel", { flow_id: flow.id }],
    ];
    for (const [method, params] of calls) {
      const answer = await http(method, params, keys.admin);
      expect(answer.error, method).toBeUndefined();
      const check = resultSchema(method).safeParse(answer.result);
      expect(check.success, `${method}: ${JSON.stringify(check.error?.issues)}`).toBe(true);
    }
  });
});

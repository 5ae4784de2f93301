// The supervisor's dead.* methods against a real supervisor process, a real runner and the
// real Redis: a failed job becomes a dead letter, is listed, shown, run again under a new
// signature the caller made (never the supervisor) and purged; and what a user key can and
// cannot do with them: reach only its own letters, and never run a forged retry.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createJob, generateKeyPair, type Job, retryJobOf, signJob } from "../../src/job/index.js";
import { RedisKeys } from "../../src/protocol/index.js";
import { executedIds } from "../helpers/executions.js";
import { distBin, type Proc, ROOT, runToEnd, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "./helpers.js";

const ns = uniqueNamespace("supdead");
const RUNNER = "dead-runner";
const RECORD_KEY = `${ns}:executions`;
const signer = generateKeyPair();
const redisKeys = new RedisKeys(ns);

let redis: Redis;
let sup: RunningSupervisor;
let runner: Proc;
const keys = { admin: "", alice: "", bob: "", registrar: "" };

interface Record_ {
  id: string;
  status: string;
  error_kind?: string;
  attempts: number;
}
interface Letter {
  id: string;
  died_at: string;
  record: Record_;
}
interface Page {
  runner: string;
  letters: Letter[];
  has_more: boolean;
  total?: number;
}
interface Detail {
  record: Record_;
  dead: boolean;
  attempts: { attempt: number; status: string; error?: string; next_run_at?: string }[];
  retry_job?: Job;
  redacted_env_vars?: string[];
}

const http = <T = unknown>(method: string, params?: unknown, key?: string) =>
  httpCall<T>(sup.url, method, params, key);

function signed(payload: string, extra: Partial<Job> = {}): Job {
  return signJob({ ...createJob({ payload, runner: RUNNER }), ...extra }, signer.private_key);
}

/** Runs a failing job stored by `who` to its end: a dead letter of RUNNER. */
async function letterOf(who: "alice" | "bob" | "admin", extra: Partial<Job> = {}): Promise<Job> {
  const job = signed(`fail dead letter of ${who}`, extra);
  const answer = await http("job.run", { job }, keys[who]);
  expect(answer.result, JSON.stringify(answer)).toEqual({
    error: expect.stringContaining(`dead letter of ${who}`),
  });
  return job;
}

/** dead.show's retry, signed: what the console and `horus dead retry` do. */
async function signedRetry(id: string, who: keyof typeof keys, privateKey = signer.private_key) {
  const shown = await http<Detail>("dead.show", { job_id: id }, keys[who]);
  expect(shown.error).toBeUndefined();
  return signJob(shown.result?.retry_job as Job, privateKey);
}

const listed = async (who: keyof typeof keys, params: Record<string, unknown> = {}) =>
  (await http<Page>("dead.list", { runner: RUNNER, ...params }, keys[who])).result as Page;

beforeAll(async () => {
  redis = testRedis();
  sup = await startSupervisor(ns);
  keys.admin = sup.adminKey;
  for (const [name, scope] of [
    ["alice", "user"],
    ["bob", "user"],
    ["registrar", "registrar"],
  ] as const) {
    const made = await http<{ key: string }>("auth.create_key", { name, scope }, keys.admin);
    keys[name] = made.result?.key as string;
  }
  await http("register_runner", { name: RUNNER }, keys.admin);
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
    args: ["--record-key", RECORD_KEY],
  });
});

afterAll(async () => {
  await runner?.stop();
  await sup?.proc.stop();
  await dropNamespace(redis, ns);
  await redis.quit();
});

describe("dead letters through the supervisor", () => {
  test("a letter is listed, shown with its attempts, retried under the caller's signature and purged", async () => {
    const job = await letterOf("alice", {
      max_attempts: 2,
      backoff: { type: "fixed", delay_ms: 100 },
      priority: 6,
    });
    const page = await listed("alice");
    expect(page.letters.map((l) => l.id)).toContain(job.id);
    const letter = page.letters.find((l) => l.id === job.id) as Letter;
    expect(letter.record).toMatchObject({ status: "error", error_kind: "script", attempts: 2 });

    const shown = await http<Detail>("dead.show", { job_id: job.id }, keys.alice);
    expect(shown.result?.dead).toBe(true);
    expect(shown.result?.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, "error"],
      [2, "error"],
    ]);
    expect(shown.result?.attempts[0]?.next_run_at).toBeDefined();
    // The retry comes unsigned: the supervisor holds no user's key.
    const template = shown.result?.retry_job as Job;
    expect(template.signatures).toEqual([]);
    expect(template).toMatchObject({
      payload: job.payload,
      runner: RUNNER,
      max_attempts: 2,
      priority: 6,
      env_vars: { HORUS_RETRY_OF: job.id },
    });
    expect(shown.result?.redacted_env_vars).toEqual([]);

    const retry = signJob(template, signer.private_key);
    const answer = await http("dead.retry", { job_id: job.id, job: retry }, keys.alice);
    expect(answer.result).toEqual({ job_id: retry.id, retry_of: job.id });
    // The retry ran (twice, as the letter did) and is a dead letter of its own now; the
    // original left the letters, and says which job ran it again.
    await until(async () => (await listed("alice")).letters.some((l) => l.id === retry.id), {
      what: "the retry to end among the dead letters",
    });
    expect(await executedIds(redis, RECORD_KEY)).toEqual(
      expect.arrayContaining([job.id, retry.id]),
    );
    expect((await listed("alice")).letters.map((l) => l.id)).not.toContain(job.id);
    expect(await redis.hget(redisKeys.job(job.id), "retried_as")).toBe(retry.id);
    const status = await http<{ submitted_by_name: string }>(
      "job.status",
      { job_id: retry.id },
      keys.alice,
    );
    expect(status.result?.submitted_by_name).toBe("alice");
    // A second retry of the same letter is refused: it is no letter anymore.
    const again = await http(
      "dead.retry",
      { job_id: job.id, job: signJob(retryJobOf(job), signer.private_key) },
      keys.alice,
    );
    expect(again.error).toMatchObject({
      code: -32014,
      message: `job ${job.id} is not among runner ${RUNNER}'s dead letters`,
    });

    const purged = await http<{ purged: number; job_ids: string[] }>(
      "dead.purge",
      { runner: RUNNER, job_ids: [retry.id] },
      keys.alice,
    );
    expect(purged.result).toEqual({ purged: 1, job_ids: [retry.id] });
    expect(await redis.exists(redisKeys.job(retry.id))).toBe(0);
    expect((await http("job.status", { job_id: retry.id }, keys.alice)).error?.code).toBe(-32013);
  });

  test("a user key reaches only its own letters; admin reaches all", async () => {
    const alices = await letterOf("alice");
    const bobs = await letterOf("bob");
    expect((await listed("alice")).letters.map((l) => l.id)).not.toContain(bobs.id);
    expect((await listed("bob")).letters.map((l) => l.id)).toEqual([bobs.id]);
    expect((await listed("bob")).total).toBeUndefined();
    const all = await listed("admin");
    expect(all.letters.map((l) => l.id)).toEqual(expect.arrayContaining([alices.id, bobs.id]));
    expect(all.total).toBe(all.letters.length);

    // Another key's letter reads as missing, as every job method answers for it.
    const show = await http("dead.show", { job_id: alices.id }, keys.bob);
    expect(show.error).toMatchObject({ code: -32013, message: `no job with id ${alices.id}` });
    const retry = signJob(retryJobOf(alices), signer.private_key);
    const taken = await http("dead.retry", { job_id: alices.id, job: retry }, keys.bob);
    expect(taken.error?.code).toBe(-32013);
    expect(await redis.exists(redisKeys.job(retry.id))).toBe(0);
    // A purge by bob of alice's letter, named or not, purges nothing of hers.
    const named = await http("dead.purge", { runner: RUNNER, job_ids: [alices.id] }, keys.bob);
    expect(named.result).toEqual({ purged: 0, job_ids: [] });
    const everything = await http("dead.purge", { runner: RUNNER }, keys.bob);
    expect(everything.result).toEqual({ purged: 1, job_ids: [bobs.id] });
    expect((await listed("admin")).letters.map((l) => l.id)).toContain(alices.id);

    // A registrar key has no part in jobs: every dead.* method is refused by scope.
    for (const [method, params] of [
      ["dead.list", { runner: RUNNER }],
      ["dead.show", { job_id: alices.id }],
      ["dead.retry", { job_id: alices.id, job: retry }],
      ["dead.purge", { runner: RUNNER }],
    ] as const) {
      expect((await http(method, params, keys.registrar)).error?.code, method).toBe(-32002);
    }
    // Admin may act on any key's letter.
    expect((await http("dead.purge", { runner: RUNNER }, keys.admin)).error).toBeUndefined();
    expect((await listed("admin")).letters).toEqual([]);
  });

  test("a forged retry is refused with a clear error, and the letter stays", async () => {
    const job = await letterOf("alice");
    const retry = (await signedRetry(job.id, "alice")) as Job;
    const refuse = async (forged: unknown, words: string) => {
      const answer = await http("dead.retry", { job_id: job.id, job: forged }, keys.alice);
      expect(answer.error?.code, JSON.stringify(answer)).toBe(-32011);
      expect(answer.error?.message).toContain(words);
    };
    // The payload changed after signing: the signature does not hold.
    await refuse({ ...retry, payload: "echo pwned" }, "invalid signature");
    // Another payload, properly signed: no retry of this letter.
    await refuse(
      signJob({ ...retry, payload: "echo pwned", signatures: [] }, signer.private_key),
      `not a retry of job ${job.id}: payload differs`,
    );
    // More attempts than the signer of the letter allowed, a later start, another runner.
    await refuse(
      signJob({ ...retry, max_attempts: 50, signatures: [] }, signer.private_key),
      "max_attempts differs",
    );
    // Unsigned, and a signature credited to a key that did not make it.
    await refuse({ ...retry, signatures: [] }, "not signed");
    const stranger = generateKeyPair();
    const mislabelled = {
      ...retry,
      signatures: [{ public_key: stranger.public_key, signature: retry.signatures[0]?.signature }],
    };
    await refuse(mislabelled, "invalid signature");
    // A retry for another letter (its HORUS_RETRY_OF names the other one).
    const other = await letterOf("alice");
    await refuse(
      signJob(retryJobOf(other), signer.private_key),
      `not a retry of job ${job.id}: env_vars (HORUS_RETRY_OF) differs`,
    );
    const shown = await http<Detail>("dead.show", { job_id: job.id }, keys.alice);
    expect(shown.result?.dead).toBe(true);
    expect(await executedIds(redis, RECORD_KEY)).not.toContain(retry.id);
  });

  test("a letter changed in Redis since it was signed gets no retry to sign, and none is run", async () => {
    // A Redis writer edits a dead letter's payload, hoping someone signs it again.
    const job = await letterOf("alice");
    const retry = signJob(retryJobOf(job), signer.private_key);
    await redis.hset(redisKeys.job(job.id), "payload", "echo pwned");
    const shown = await http<Detail & { retry_refused?: string }>(
      "dead.show",
      { job_id: job.id },
      keys.alice,
    );
    expect(shown.result?.dead).toBe(true);
    expect(shown.result?.retry_job).toBeUndefined();
    expect(shown.result?.retry_refused).toContain(`job ${job.id}'s signatures do not hold`);
    // Neither the pwned payload signed by whoever retries, nor the original work.
    const pwned = signJob({ ...retryJobOf({ ...job, payload: "echo pwned" }) }, signer.private_key);
    for (const candidate of [pwned, retry]) {
      const answer = await http("dead.retry", { job_id: job.id, job: candidate }, keys.alice);
      expect(answer.error).toMatchObject({
        code: -32011,
        message: expect.stringContaining("signatures do not hold"),
      });
      expect(await redis.exists(redisKeys.job(candidate.id))).toBe(0);
    }
    expect((await listed("alice")).letters.map((l) => l.id)).toContain(job.id);
  });

  test("a retry signed by a key no runner trusts is stored as jobs.create would, and refused by the runner", async () => {
    // The supervisor has no registry of users' signing keys: like jobs.create it checks
    // that every signature holds. Which keys may run jobs is the runner's --trusted-keys.
    const job = await letterOf("alice");
    const untrusted = await signedRetry(job.id, "alice", generateKeyPair().private_key);
    const answer = await http("dead.retry", { job_id: job.id, job: untrusted }, keys.alice);
    expect(answer.error).toBeUndefined();
    const ended = await until(
      async () => {
        const s = await http<Record_>("job.status", { job_id: untrusted.id }, keys.alice);
        return s.result?.status === "error" ? s.result : undefined;
      },
      { what: "the runner to refuse the untrusted retry" },
    );
    expect(ended.error_kind).toBe("unauthorized");
    expect(await executedIds(redis, RECORD_KEY)).not.toContain(untrusted.id);
  });

  test("env_vars a user key may not see come redacted and named; the signer fills them in", async () => {
    const job = await letterOf("bob", { env_vars: { TOKEN: "s3cret" } });
    const shown = await http<Detail>("dead.show", { job_id: job.id }, keys.bob);
    expect(shown.result?.redacted_env_vars).toEqual(["TOKEN"]);
    const template = shown.result?.retry_job as Job;
    expect(template.env_vars).toEqual({ TOKEN: "[redacted]", HORUS_RETRY_OF: job.id });
    expect(JSON.stringify(shown.result)).not.toContain("s3cret");

    const asShown = signJob(template, signer.private_key);
    const refused = await http("dead.retry", { job_id: job.id, job: asShown }, keys.bob);
    expect(refused.error).toMatchObject({
      code: -32011,
      message: expect.stringContaining("env_vars (TOKEN) differs"),
    });
    expect(refused.error?.message).not.toContain("s3cret");

    const filled = signJob(
      { ...template, env_vars: { ...template.env_vars, TOKEN: "s3cret" } },
      signer.private_key,
    );
    expect((await http("dead.retry", { job_id: job.id, job: filled }, keys.bob)).error).toBe(
      undefined,
    );
    // Admin sees the values, so its retry_job needs nothing filled in.
    const other = await letterOf("bob", { env_vars: { TOKEN: "s3cret" } });
    const forAdmin = await http<Detail>("dead.show", { job_id: other.id }, keys.admin);
    expect(forAdmin.result?.redacted_env_vars).toEqual([]);
    expect(forAdmin.result?.retry_job?.env_vars.TOKEN).toBe("s3cret");
  });

  test("pages, a job that is no letter, and bad params", async () => {
    await http("dead.purge", { runner: RUNNER }, keys.admin);
    const made = [await letterOf("alice"), await letterOf("alice"), await letterOf("alice")];
    const first = await listed("alice", { limit: 2 });
    expect(first.letters.map((l) => l.id)).toEqual([made[2]?.id, made[1]?.id]);
    expect(first.has_more).toBe(true);
    const second = await listed("alice", { limit: 2, offset: 2 });
    expect(second.letters.map((l) => l.id)).toEqual([made[0]?.id]);
    expect(second.has_more).toBe(false);
    const byAdmin = await listed("admin", { limit: 2 });
    expect(byAdmin).toMatchObject({ total: 3, has_more: true });

    const fine = signed("echo fine");
    await http("job.run", { job: fine }, keys.alice);
    const shown = await http<Detail>("dead.show", { job_id: fine.id }, keys.alice);
    expect(shown.result).toMatchObject({ dead: false, record: { status: "finished" } });
    expect(shown.result?.retry_job).toBeUndefined();
    const retry = await http(
      "dead.retry",
      { job_id: fine.id, job: signJob(retryJobOf(fine), signer.private_key) },
      keys.alice,
    );
    expect(retry.error).toMatchObject({
      code: -32014,
      message: expect.stringContaining("not among"),
    });

    const bad = await http("dead.list", { runner: "has space" }, keys.alice);
    expect(bad.error?.code).toBe(-32602);
    const empty = await http("dead.purge", { runner: RUNNER, job_ids: [] }, keys.alice);
    expect(empty.error).toMatchObject({
      code: -32602,
      message: expect.stringContaining("job_ids"),
    });
  });
});

describe("horus dead --supervisor", () => {
  const horus = (who: keyof typeof keys, args: string[]) =>
    runToEnd(
      process.execPath,
      [distBin("horus"), "--supervisor", sup.url, "--api-key", keys[who], "dead", ...args],
      { env: { HORUS_SIGNING_KEY: signer.private_key }, timeoutMs: 30_000 },
    );

  test("list, show, retry (signed locally) and purge through the supervisor", async () => {
    await http("dead.purge", { runner: RUNNER }, keys.admin);
    const job = await letterOf("alice", { env_vars: { TOKEN: "s3cret" } });
    const list = await horus("alice", ["list", "--runner", RUNNER, "--json"]);
    expect(list.code, list.stderr).toBe(0);
    const page = JSON.parse(list.stdout) as Page;
    expect(page.letters.map((l) => l.id)).toEqual([job.id]);
    expect(page.has_more).toBe(false);
    const table = await horus("alice", ["list", "--runner", RUNNER]);
    expect(table.stdout.split("\n")[0]).toBe("ID\tDIED\tATTEMPTS\tERROR_KIND\tERROR");
    expect(table.stdout).toContain(`${job.id}\t`);

    const show = await horus("alice", ["show", job.id]);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ dead: true, record: { id: job.id } });
    expect(show.stdout).not.toContain("retry_job");
    expect((await horus("bob", ["show", job.id])).stderr).toContain(`no job with id ${job.id}`);

    // alice's key does not see TOKEN's value: the retry needs it given, and right.
    const blind = await horus("alice", ["retry", job.id]);
    expect(blind.code).toBe(1);
    expect(blind.stderr).toContain("TOKEN are hidden from this API key");
    const wrong = await horus("alice", ["retry", job.id, "--env", "TOKEN=guess"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("env_vars (TOKEN) differs");
    const retry = await horus("alice", ["retry", job.id, "--env", "TOKEN=s3cret"]);
    expect(retry.code, retry.stderr).toBe(0);
    const newId = retry.stdout.trim();
    const stored = await redis.hgetall(redisKeys.job(newId));
    expect(JSON.parse(stored.env_vars ?? "{}")).toEqual({
      TOKEN: "s3cret",
      HORUS_RETRY_OF: job.id,
    });
    expect(JSON.parse(stored.signatures ?? "[]")[0].public_key).toBe(signer.public_key);

    await until(async () => (await listed("alice")).letters.some((l) => l.id === newId), {
      what: "the retry to end among the dead letters",
    });
    const purge = await horus("alice", ["purge", "--runner", RUNNER, "--all"]);
    expect(purge.code).toBe(0);
    expect(purge.stderr).toContain("1 dead letter(s) purged");
    expect((await listed("admin")).total).toBe(0);
  });

  test("a letter changed since it was signed is not retried through the supervisor either", async () => {
    const job = await letterOf("alice");
    await redis.hset(redisKeys.job(job.id), "payload", "echo pwned");
    const r = await horus("alice", ["retry", job.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`job ${job.id}'s signatures do not hold`);
    await http("dead.purge", { runner: RUNNER, job_ids: [job.id] }, keys.alice);
  });

  test("--env goes with --supervisor only", async () => {
    const r = await runToEnd(
      process.execPath,
      [distBin("horus"), "--redis-url", REDIS_URL, "dead", "retry", "x", "--env", "A=1"],
      { env: { HORUS_SIGNING_KEY: signer.private_key } },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--env gives the env_vars values");
  });
});

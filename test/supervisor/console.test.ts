// The web console in a real browser (Debian's headless Chromium through playwright-core):
// it shows the live runner, signs a job with a key only the browser holds, follows its logs
// as they arrive and shows its result. A screenshot is kept under test-results/.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createJob, generateKeyPair, signJob } from "../../src/job/index.js";
import { RedisKeys, writeHeartbeat } from "../../src/protocol/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ns = uniqueNamespace("console");
const RUNNER = "console-runner";
const signer = generateKeyPair();

let redis: Redis;
let sup: RunningSupervisor;
let runner: Proc;
let browser: Browser;
let userKey: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the console test needs Debian's chromium; run scripts/ensure-browser.sh`,
    );
  }
  redis = testRedis();
  sup = await startSupervisor(ns);
  const made = await httpCall<{ key: string }>(
    sup.url,
    "auth.create_key",
    { name: "console user", scope: "user" },
    sup.adminKey,
  );
  userKey = made.result?.key as string;
  await httpCall(sup.url, "register_runner", { name: RUNNER }, sup.adminKey);
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await runner?.stop();
  await sup?.proc.stop();
  if (redis) {
    await dropNamespace(redis, ns);
    await redis.quit();
  }
});

test("the console shows the runner, signs and submits a job, follows its logs and result", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  // Everything the page sends, to show the signing key never leaves the browser.
  const sent: string[] = [];
  page.on("request", (r) => sent.push(`${r.url()} ${r.postData() ?? ""}`));
  page.on("websocket", (ws) => ws.on("framesent", (f) => sent.push(String(f.payload))));

  await page.goto(`${sup.url}/console/`);
  await page.waitForSelector("body[data-ready='1']");
  await page.fill("#api-key", userKey);
  await page.click("#connect");
  await expect.poll(() => page.textContent("#connection")).toContain("(user)");

  // The live runner instance, from its heartbeat.
  const row = page.locator(`#runners tr[data-runner='${RUNNER}']`);
  await row.waitFor();
  await expect.poll(() => row.textContent()).toContain("test");
  await expect.poll(() => row.textContent()).toContain(`pid ${runner.child.pid}`);

  await page.fill("#sign-key", signer.private_key);
  await expect.poll(() => page.textContent("#sign-pub")).toBe(signer.public_key);
  await expect.poll(() => page.locator(`#job-runner option[value='${RUNNER}']`).count()).toBe(1);
  await page.selectOption("#job-runner", RUNNER);
  await page.fill(
    "#job-payload",
    "log first line from the console job\nsleep 2000\nlog second line\necho result from the console",
  );
  await page.click("#job-submit");
  await expect.poll(() => page.textContent("#submit-message")).toMatch(/^submitted /);

  // The first line shows while the job still runs: the logs follow live.
  await expect
    .poll(() => page.textContent("#detail-logs"), { timeout: 15_000 })
    .toContain("first line from the console job");
  expect(await page.textContent("#detail-result")).toBe("(not yet)");
  expect(await page.textContent("#detail-status")).toBe("started");

  await expect
    .poll(() => page.textContent("#detail-result"), { timeout: 15_000 })
    .toBe("result from the console");
  expect(await page.textContent("#detail-logs")).toBe(
    "first line from the console job\nsecond line\n",
  );
  expect(await page.textContent("#detail-status")).toBe("finished");
  expect(await page.textContent("#detail-payload")).toContain("echo result from the console");

  // The job is listed, and Redis holds it as the runner finished it.
  const jobId = (await page.textContent("#detail-id")) as string;
  await expect
    .poll(() => page.locator(`#jobs tr[data-job='${jobId}']`).textContent())
    .toContain("finished");
  expect(await redis.hget(new RedisKeys(ns).job(jobId), "status")).toBe("finished");

  // Filter and search narrow the list.
  const rows = () => page.locator("#jobs tbody tr").count();
  await page.selectOption("#filter-status", "error");
  await expect.poll(rows).toBe(0);
  await page.selectOption("#filter-status", "finished");
  await expect.poll(rows).toBe(1);
  await page.fill("#filter-search", "no job has this text");
  await expect.poll(rows).toBe(0);
  await page.fill("#filter-search", "result from the console");
  await expect.poll(rows).toBe(1);
  await page.fill("#filter-search", "");
  await page.selectOption("#filter-status", "");

  expect(sent.some((s) => s.includes("jobs.create"))).toBe(true);
  expect(sent.filter((s) => s.includes(signer.private_key))).toEqual([]);
  expect(problems).toEqual([]);

  mkdirSync(join(ROOT, "test-results"), { recursive: true });
  await page.screenshot({
    path: join(ROOT, "test-results", "supervisor-console.png"),
    fullPage: true,
  });
  await page.close();
});

test("the console shows who signed a result and the key each runner instance signs with", async () => {
  const keys = new RedisKeys(ns);
  const runnerKey = generateKeyPair().public_key;
  const short = `${runnerKey.slice(0, 10)}…${runnerKey.slice(-6)}`;
  // A signing runner's instance, as its heartbeat announces it.
  await writeHeartbeat(
    redis,
    keys,
    {
      runner_id: "console-signing",
      instance: "i-signing",
      host: "signing-host",
      pid: 4242,
      kind: "test",
      version: "0",
      concurrency: 1,
      started_at: new Date().toISOString(),
      jobs_done: 0,
      jobs_running: 0,
      public_key: runnerKey,
    } as Parameters<typeof writeHeartbeat>[2],
    60,
  );
  const run = async (payload: string) => {
    const job = signJob(createJob({ payload, runner: RUNNER }), signer.private_key);
    const answer = await httpCall(sup.url, "job.run", { job }, userKey);
    expect(answer.error).toBeUndefined();
    return job.id;
  };
  const signedId = await run("echo signed outcome");
  const unsignedId = await run("echo unsigned outcome");
  // What a signing runner stores with the outcome; the supervisor passes it on.
  await redis.hset(keys.job(signedId), {
    result_signature: "cd".repeat(64),
    result_signer: runnerKey,
  });
  // An outcome no runner signed (a cancel before the start, a sweep's "crashed").
  await redis.hdel(keys.job(unsignedId), "result_signature", "result_signer");

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${sup.url}/console/`);
  await page.waitForSelector("body[data-ready='1']");
  await page.fill("#api-key", userKey);
  await page.click("#connect");

  const row = page.locator(`#runners tr[data-runner='console-signing']`);
  await row.waitFor();
  await expect.poll(() => row.textContent()).toContain(`signs as ${short}`);
  expect(await row.locator(".signer").getAttribute("title")).toBe(runnerKey);

  await page.locator(`#jobs tr[data-job='${signedId}']`).click();
  await expect.poll(() => page.textContent("#detail-result")).toBe("signed outcome");
  await expect.poll(() => page.textContent("#detail-signer")).toBe(`result signed by ${short}`);
  expect(await page.getAttribute("#detail-signer", "title")).toBe(runnerKey);

  await page.locator(`#jobs tr[data-job='${unsignedId}']`).click();
  await expect.poll(() => page.textContent("#detail-result")).toBe("unsigned outcome");
  expect(await page.textContent("#detail-signer")).toBe("result not signed");
  expect(problems).toEqual([]);
  await page.close();
});

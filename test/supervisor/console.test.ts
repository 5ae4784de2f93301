// The web console in a real browser (Debian's headless Chromium through playwright-core):
// it shows the live runner, signs a job with a key only the browser holds, follows its logs
// as they arrive and shows its result; signs the lifecycle fields (attempts, backoff, a
// later start, priority) as Node verifies them, shows a job's attempts, and pages through,
// shows, retries (signed in the browser) and purges dead letters. Screenshots are kept
// under test-results/.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  canonicalBytes,
  createJob,
  generateKeyPair,
  jobFromHash,
  retryMismatch,
  signJob,
  verifyJobSignatures,
} from "../../src/job/index.js";
import { RedisKeys, writeHeartbeat } from "../../src/protocol/index.js";
import { type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";
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

  await openPage(page, "submit");
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

  // Once it has ended the page no longer says it follows, nor offers a Cancel.
  expect(await page.isHidden("#detail-live")).toBe(true);
  expect(await page.isHidden("#detail-cancel")).toBe(true);

  // The job is listed, and Redis holds it as the runner finished it.
  const jobId = (await page.textContent("#detail-id")) as string;
  await openPage(page, "jobs");
  await expect
    .poll(() => page.locator(`#jobs tr[data-job='${jobId}']`).textContent())
    .toContain("finished");
  expect(await redis.hget(new RedisKeys(ns).job(jobId), "status")).toBe("finished");

  // The filters narrow the list.
  const rows = () => page.locator("#jobs tbody tr").count();
  await page.selectOption("#filter-status", "error");
  await expect.poll(rows).toBe(0);
  await page.selectOption("#filter-status", "finished");
  await expect.poll(rows).toBe(1);
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

  await openPage(page, "jobs");
  await page.locator(`#jobs tr[data-job='${signedId}']`).click();
  await expect.poll(() => page.textContent("#detail-result")).toBe("signed outcome");
  await expect.poll(() => page.textContent("#detail-signer")).toBe(`result signed by ${short}`);
  expect(await page.getAttribute("#detail-signer", "title")).toBe(runnerKey);

  await openPage(page, "jobs");
  await page.locator(`#jobs tr[data-job='${unsignedId}']`).click();
  await expect.poll(() => page.textContent("#detail-result")).toBe("unsigned outcome");
  expect(await page.textContent("#detail-signer")).toBe("result not signed");
  expect(problems).toEqual([]);
  await page.close();
});

/** A page logged in with the user key and the signing key filled in; collects problems. */
async function consolePage(options: { timezoneId?: string } = {}) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 }, ...options });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  const sent: string[] = [];
  page.on("websocket", (ws) => ws.on("framesent", (f) => sent.push(String(f.payload))));
  await page.goto(`${sup.url}/console/`);
  await page.waitForSelector("body[data-ready='1']");
  await page.fill("#api-key", userKey);
  await page.click("#connect");
  await expect.poll(() => page.textContent("#connection")).toContain("(user)");
  await openPage(page, "submit");
  await page.fill("#sign-key", signer.private_key);
  await expect.poll(() => page.locator(`#job-runner option[value='${RUNNER}']`).count()).toBe(1);
  await page.selectOption("#job-runner", RUNNER);
  return { page, problems, sent };
}

/** Goes to a page of the console by its navigation link. */
async function openPage(page: Page, name: string) {
  await page.click(`nav a[data-page='${name}']`);
  await page.waitForSelector(`#page-${name}:not([hidden])`);
}

/** Fills the job form (the fields named; the others emptied) and submits it. */
async function submitForm(page: Page, fields: Record<string, string>): Promise<string> {
  await openPage(page, "submit");
  for (const id of ["job-attempts", "job-backoff", "job-backoff-max", "job-delay", "job-at"])
    await page.fill(`#${id}`, fields[id] ?? "");
  await page.selectOption("#job-backoff-type", fields["job-backoff-type"] ?? "fixed");
  await page.selectOption("#job-priority", fields["job-priority"] ?? "");
  await page.fill("#job-payload", fields["job-payload"] ?? "echo x");
  await page.fill("#job-env", fields["job-env"] ?? "");
  await page.locator("#submit-message").evaluate((node: { textContent: string | null }) => {
    node.textContent = "";
  });
  await page.click("#job-submit");
  await expect.poll(() => page.textContent("#submit-message")).not.toBe("");
  return (await page.textContent("#submit-message")) as string;
}

function screenshot(page: Page, name: string) {
  mkdirSync(join(ROOT, "test-results"), { recursive: true });
  return page.screenshot({ path: join(ROOT, "test-results", name), fullPage: true });
}

test("the job form signs attempts, backoff, a later start and priority in the browser; Node verifies them", async () => {
  // A zone without summer time, so the local time typed reads as one instant.
  const { page, problems, sent } = await consolePage({ timezoneId: "Asia/Kolkata" });
  const keys = new RedisKeys(ns);
  const before = Date.now();
  const said = await submitForm(page, {
    "job-attempts": "3",
    "job-backoff": "250",
    "job-backoff-type": "exponential",
    "job-backoff-max": "4000",
    "job-delay": "3600",
    "job-priority": "7",
    "job-payload": "echo later",
    "job-env": "TOKEN=abc",
  });
  expect(said).toMatch(/^submitted /);
  const id = said.replace("submitted ", "");
  const job = jobFromHash(await redis.hgetall(keys.job(id)));
  // Every field as typed, and the browser's signature holds in Node over Node's bytes.
  expect(job).toMatchObject({
    max_attempts: 3,
    backoff: { type: "exponential", delay_ms: 250, max_delay_ms: 4000 },
    priority: 7,
    env_vars: { TOKEN: "abc" },
  });
  const due = Date.parse(job.run_at as string);
  expect(due).toBeGreaterThanOrEqual(before + 3600_000);
  expect(due).toBeLessThanOrEqual(Date.now() + 3600_000);
  expect(verifyJobSignatures(job)).toEqual({ valid: [signer.public_key], invalid: [] });
  // The bytes the browser signs, computed in the browser, are Node's canonical bytes.
  // (A string, not a function: vitest would rewrite the import() inside a function.)
  const inBrowser = await page.evaluate<string>(`(async () => {
    const { canonicalBytes } = await import("/lib/job/canonical.js");
    return new TextDecoder().decode(canonicalBytes(${JSON.stringify(job)}));
  })()`);
  expect(inBrowser).toBe(Buffer.from(canonicalBytes(job)).toString("utf8"));
  expect(inBrowser).toContain('"max_attempts":3');
  expect(inBrowser).toContain('"priority":7');

  // The job page says it is scheduled, and when it runs.
  await expect.poll(() => page.textContent("#detail-id")).toBe(id);
  await expect.poll(() => page.textContent("#detail-status")).toBe("scheduled");
  await expect.poll(() => page.getAttribute("#detail-next", "data-at")).toBe(job.run_at);
  expect(await page.textContent("#detail-next")).toMatch(/^next run in (59 min|1 h)$/);
  const lifecycle = await page.textContent("#detail-lifecycle");
  expect(lifecycle).toContain("attempts 0 of 3");
  expect(lifecycle).toContain("backoff exponential 250 ms, at most 4000 ms");
  expect(lifecycle).toContain("priority 7");
  expect(await redis.zscore(keys.delayed(RUNNER), id)).toBe(String(due));
  await screenshot(page, "supervisor-console-lifecycle-form.png");

  // A time typed in local time (here +05:30) is signed as that instant.
  const at = await submitForm(page, { "job-at": "2030-01-02T03:04:05", "job-payload": "echo at" });
  const atJob = jobFromHash(await redis.hgetall(keys.job(at.replace("submitted ", ""))));
  expect(atJob.run_at).toBe("2030-01-01T21:34:05.000Z");
  expect(verifyJobSignatures(atJob).valid).toEqual([signer.public_key]);
  // Without any of the four, the job carries none of them: its bytes are what they were.
  const plain = await submitForm(page, { "job-payload": "echo plain" });
  const plainJob = jobFromHash(await redis.hgetall(keys.job(plain.replace("submitted ", ""))));
  for (const field of ["max_attempts", "backoff", "run_at", "priority"])
    expect(plainJob, field).not.toHaveProperty(field);

  // Mistakes are named before anything is signed.
  expect(await submitForm(page, { "job-delay": "10", "job-at": "2030-01-02T03:04:05" })).toBe(
    "a delay and a time both say when: give one",
  );
  expect(await submitForm(page, { "job-backoff": "100" })).toBe(
    "a backoff applies between attempts: give the attempts too",
  );
  expect(await submitForm(page, { "job-attempts": "1.5" })).toBe(
    'attempts: expected a whole number, got "1.5"',
  );
  // Ranges are the schema's, checked by the supervisor, which names the field.
  expect(await submitForm(page, { "job-attempts": "1000" })).toContain(
    "job.max_attempts: must be at most 100",
  );

  for (const j of [id, atJob.id]) await httpCall(sup.url, "job.cancel", { job_id: j }, userKey);
  expect(sent.filter((s) => s.includes(signer.private_key))).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});

test("the job page shows each attempt: its start, end, error and when the next was due", async () => {
  const { page, problems } = await consolePage();
  const said = await submitForm(page, {
    "job-attempts": "3",
    "job-backoff": "200",
    "job-payload": "log trying\nfail not this time",
  });
  const id = said.replace("submitted ", "");
  const rows = page.locator("#detail-attempts tbody tr");
  // The status follows the attempts live: error only once the third has failed.
  await expect.poll(() => page.textContent("#detail-status"), { timeout: 20_000 }).toBe("error");
  await expect.poll(() => rows.count()).toBe(3);
  // A time cell's ISO time is its <time>'s datetime; any other cell's, its text.
  const cells = (n: number) =>
    rows
      .nth(n)
      .locator("td")
      .evaluateAll((tds) =>
        tds.map((td) => td.querySelector("time")?.getAttribute("datetime") ?? td.textContent),
      );
  const [first, second, third] = [await cells(0), await cells(1), await cells(2)];
  expect(first.slice(0, 1)).toEqual(["1"]);
  expect(first[4]).toBe("script: not this time");
  // Each failed attempt but the last says when the next was due; the next began no sooner.
  expect(Date.parse(second[2] as string)).toBeGreaterThanOrEqual(Date.parse(first[5] as string));
  expect(Date.parse(third[2] as string)).toBeGreaterThanOrEqual(Date.parse(second[5] as string));
  expect(third[0]).toBe("3");
  expect(third[4]).toContain("not this time (attempt 3 of 3, the last)");
  expect(third[5]).toBe("");
  expect(await page.textContent("#detail-lifecycle")).toContain("attempts 3 of 3");
  expect(await page.textContent("#detail-next")).toBe("");
  expect(await page.textContent("#detail-id")).toBe(id);
  expect(problems).toEqual([]);
  await screenshot(page, "supervisor-console-attempts.png");
  await page.close();
});

test("the dead letters page pages, shows, retries (signed in the browser) and purges with a confirm", async () => {
  const keys = new RedisKeys(ns);
  await httpCall(sup.url, "dead.purge", { runner: RUNNER }, sup.adminKey);
  const letterIds = async () => {
    const page = await httpCall<{ letters: { id: string }[] }>(
      sup.url,
      "dead.list",
      { runner: RUNNER, limit: 500 },
      sup.adminKey,
    );
    return page.result?.letters.map((l) => l.id) ?? [];
  };
  const run = async (payload: string, env_vars: Record<string, string> = {}) => {
    const job = signJob(createJob({ payload, runner: RUNNER, env_vars }), signer.private_key);
    const answer = await httpCall(sup.url, "job.run", { job }, userKey);
    expect(answer.result).toEqual({ error: expect.any(String) });
    return job;
  };
  // Twenty-one letters of the user's (more than a page), one of them with a secret.
  const plain = [];
  for (let i = 0; i < 20; i++) plain.push(await run(`fail letter ${i}`));
  const secret = await run("fail with a secret", { TOKEN: "s3cret" });

  const { page, problems, sent } = await consolePage();
  // And one made in the browser, with two attempts.
  const said = await submitForm(page, {
    "job-attempts": "2",
    "job-backoff": "100",
    "job-payload": "fail twice over",
  });
  const twice = said.replace("submitted ", "");
  await until(async () => (await letterIds()).includes(twice), { what: "the form's job to die" });

  await openPage(page, "dead");
  await page.selectOption("#dead-runner", RUNNER);
  const rows = page.locator("#dead tbody tr");
  // Newest first (the page refreshes itself: the last letter shows within a refresh).
  await expect.poll(() => rows.first().getAttribute("data-dead")).toBe(twice);
  expect(await page.textContent("#dead-page")).toBe("1–20 of more");
  expect(await rows.count()).toBe(20);
  await page.click("#dead-next");
  await expect.poll(() => page.textContent("#dead-page")).toBe("21–22");
  expect(await rows.evaluateAll((r) => r.map((x) => x.getAttribute("data-dead")))).toEqual([
    plain[1]?.id,
    plain[0]?.id,
  ]);
  await page.click("#dead-prev");
  await expect.poll(() => page.textContent("#dead-page")).toBe("1–20 of more");

  // A letter: its attempts and last error; a retry signed here runs it again.
  await page.locator(`#dead tr[data-dead='${twice}']`).click();
  await expect.poll(() => page.textContent("#dead-id")).toBe(twice);
  expect(await page.textContent("#dead-summary")).toContain(
    `dead letter of runner ${RUNNER} · 2 attempt(s)`,
  );
  expect(await page.textContent("#dead-error")).toContain("script: twice over");
  expect(await page.locator("#dead-attempts tbody tr").count()).toBe(2);
  expect(await page.isHidden("#dead-env")).toBe(true);
  await page.click("#dead-retry");
  await expect.poll(() => page.textContent("#dead-message")).toMatch(/^retried as /);
  const retryId = ((await page.textContent("#dead-message")) as string).replace("retried as ", "");
  const original = jobFromHash(await redis.hgetall(keys.job(twice)));
  const retry = jobFromHash(await redis.hgetall(keys.job(retryId)));
  expect(verifyJobSignatures(retry)).toEqual({ valid: [signer.public_key], invalid: [] });
  expect(retryMismatch(original, retry)).toBeUndefined();
  expect(retry.env_vars).toEqual({ HORUS_RETRY_OF: twice });
  expect(await page.textContent("#dead-summary")).toContain("no dead letter (now error)");
  expect(await page.isDisabled("#dead-retry")).toBe(true);
  await expect.poll(() => page.locator(`#dead tr[data-dead='${twice}']`).count()).toBe(0);

  // A letter whose env values the key may not see: they are typed in, and must be right.
  await page.locator(`#dead tr[data-dead='${secret.id}']`).click();
  await expect.poll(() => page.isVisible("#dead-env")).toBe(true);
  const token = page.locator("#dead-env-fields input[data-env='TOKEN']");
  await page.click("#dead-retry");
  await expect
    .poll(() => page.textContent("#dead-message"))
    .toBe("type the value of TOKEN: your API key may not see it");
  await token.fill("guess");
  await page.click("#dead-retry");
  await expect.poll(() => page.textContent("#dead-message")).toContain("env_vars (TOKEN) differs");
  await token.fill("s3cret");
  await page.click("#dead-retry");
  await expect.poll(() => page.textContent("#dead-message")).toMatch(/^retried as /);
  const secretRetry = ((await page.textContent("#dead-message")) as string).slice(11);
  const stored = jobFromHash(await redis.hgetall(keys.job(secretRetry)));
  expect(stored.env_vars).toEqual({ TOKEN: "s3cret", HORUS_RETRY_OF: secret.id });

  // A letter changed in Redis since it was signed offers no retry, and says why.
  const changed = plain[7]?.id as string;
  await redis.hset(keys.job(changed), "payload", "echo pwned");
  await page.locator(`#dead tr[data-dead='${changed}']`).click();
  await expect
    .poll(() => page.textContent("#dead-message"))
    .toContain(`job ${changed}'s signatures do not hold`);
  expect(await page.isDisabled("#dead-retry")).toBe(true);

  // Purge asks first: dismissed, the letter stays; confirmed, it goes with its job.
  const victim = plain[5]?.id as string;
  await page.locator(`#dead tr[data-dead='${victim}']`).click();
  await expect.poll(() => page.textContent("#dead-id")).toBe(victim);
  const asked: string[] = [];
  page.once("dialog", (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await page.click("#dead-purge");
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain(`Purge dead letter ${victim}?`);
  expect(await letterIds()).toContain(victim);
  await screenshot(page, "supervisor-console-dead-letters.png");
  page.once("dialog", (d) => void d.accept());
  await page.click("#dead-purge");
  await expect.poll(() => page.textContent("#dead-list-message")).toBe("1 dead letter(s) purged");
  expect(await letterIds()).not.toContain(victim);
  expect(await redis.exists(keys.job(victim))).toBe(0);
  expect(await page.isHidden("#dead-detail")).toBe(true);

  // Both retries fail again and die; then every letter goes at once.
  await until(
    async () => {
      const ids = await letterIds();
      return ids.includes(retryId) && ids.includes(secretRetry);
    },
    { what: "the two retries to die in turn" },
  );
  page.once("dialog", (d) => void d.accept());
  await page.click("#dead-purge-all");
  await expect.poll(() => page.textContent("#dead-list-message")).toBe("21 dead letter(s) purged");
  await expect.poll(() => page.textContent("#dead-page")).toBe("no dead letters");
  expect(await letterIds()).toEqual([]);

  expect(sent.filter((f) => f.includes(signer.private_key))).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});

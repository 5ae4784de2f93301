// The console as an operations dashboard, in a real browser (Debian's Chromium through
// playwright-core) against a real supervisor, Redis and runner process: the overview's
// numbers and charts after real jobs (submitted straight to Redis, not through the
// supervisor), pushed updates, the job index's lists with counts, filters and paging, a job
// page (times, wait, duration, attempts, instance, result signature, live logs and what
// changes once the job ends), schedules signed in the browser, dead letters, the admin page
// and the layout at 420 px. Screenshots go to test-results/ (kept as artefacts).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createJob,
  generateKeyPair,
  type Job,
  parseSchedule,
  scheduleBytes,
  signJob,
  verifySignatures,
} from "../../src/job/index.js";
import { JobStore, RedisKeys } from "../../src/protocol/index.js";
import { distBin, type Proc, ROOT, start, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { until } from "../helpers/until.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ns = uniqueNamespace("dash");
const keys = new RedisKeys(ns);
const RUNNER = "dash-runner";
/** Registered, no process serves it: its jobs stay queued. */
const IDLE = "dash-idle";
const signer = generateKeyPair();
const RESULTS = join(ROOT, "test-results");

let redis: Redis;
let store: JobStore;
let sup: RunningSupervisor;
let runner: Proc;
let browser: Browser;
/** The job stored last (the newest in the job index). */
let newest = "";
const finishedIds: string[] = [];
const failedIds: string[] = [];
const idleIds: string[] = [];

function job(payload: string, runnerId = RUNNER): Job {
  return signJob(createJob({ payload, runner: runnerId }), signer.private_key);
}

/** Submits straight to Redis (as `horus` or another language's client would). */
async function submit(payload: string, runnerId = RUNNER): Promise<string> {
  const j = job(payload, runnerId);
  await store.submit(j);
  newest = j.id;
  return j.id;
}

async function ended(ids: string[]): Promise<boolean> {
  for (const id of ids) {
    const status = await redis.hget(keys.job(id), "status");
    if (status !== "finished" && status !== "error") return false;
  }
  return true;
}

/** "215 ms", "1.2 s", "2 min 3 s" back to seconds. */
function seconds(text: string): number {
  const ms = /^(\d+) ms$/.exec(text);
  if (ms) return Number(ms[1]) / 1000;
  const s = /^([\d.]+) s$/.exec(text);
  if (s) return Number(s[1]);
  const min = /^(\d+) min (\d+) s$/.exec(text);
  if (min) return Number(min[1]) * 60 + Number(min[2]);
  throw new Error(`not a duration: "${text}"`);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-browser.sh`);
  }
  mkdirSync(RESULTS, { recursive: true });
  redis = testRedis();
  store = new JobStore(redis, ns);
  sup = await startSupervisor(ns);
  for (const name of [RUNNER, IDLE])
    await httpCall(sup.url, "register_runner", { name }, sup.adminKey);
  runner = await startRunner({
    script: `${ROOT}test/fixtures/test-runner.mjs`,
    runnerId: RUNNER,
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
  });
  for (let i = 0; i < 6; i++)
    finishedIds.push(await submit(`log job ${i} says hello\nsleep 150\necho done ${i}`));
  for (let i = 0; i < 2; i++) failedIds.push(await submit(`sleep 50\nfail broken ${i}`));
  // More than a page of the job list (25), all queued behind nobody.
  for (let i = 0; i < 28; i++) idleIds.push(await submit(`echo never ${i}`, IDLE));
  await until(() => ended([...finishedIds, ...failedIds]), { what: "the jobs to end" });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
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

interface Opened {
  page: Page;
  problems: string[];
  /** Each JSON-RPC method the page called, with when (ms). */
  calls: { method: string; at: number }[];
}

async function open(width = 1280, key = sup.adminKey): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems: string[] = [];
  const calls: Opened["calls"] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("websocket", (ws) =>
    ws.on("framesent", (f) => {
      const method = /"method":"([^"]+)"/.exec(String(f.payload))?.[1];
      if (method) calls.push({ method, at: Date.now() });
    }),
  );
  await page.goto(`${sup.url}/console/`);
  await page.waitForSelector("body[data-ready='1']");
  await page.fill("#api-key", key);
  await page.click("#connect");
  await expect.poll(() => page.textContent("#connection")).toContain("connected as");
  return { page, problems, calls };
}

async function go(page: Page, name: string) {
  await page.click(`nav a[data-page='${name}']`);
  await page.waitForSelector(`#page-${name}:not([hidden])`);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(RESULTS, name), fullPage: true });

/**
 * The pixels of a chart's canvas that have (about) this colour: how many, and how far apart
 * the highest and lowest are (a line of zeros lies flat; ends at some time rise above it).
 */
function pixelsOf(
  page: Page,
  runner: string,
  chart: string,
  [r, g, b]: [number, number, number],
): Promise<{ count: number; rise: number }> {
  const selector = `.chart-card[data-runner='${runner}'] [data-chart='${chart}'] canvas`;
  // A string, not a function: the test's TypeScript has no DOM types.
  return page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const ctx = canvas && canvas.getContext("2d");
    if (!ctx) return { count: -1, rise: 0 };
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0, top = Infinity, bottom = -1;
    for (let i = 0; i < data.length; i += 4) {
      const near = Math.abs(data[i] - ${r}) < 24 && Math.abs(data[i + 1] - ${g}) < 24 &&
        Math.abs(data[i + 2] - ${b}) < 24 && data[i + 3] > 200;
      if (!near) continue;
      n++;
      const y = Math.floor(i / 4 / canvas.width);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
    return { count: n, rise: n === 0 ? 0 : bottom - top };
  })()`);
}

describe("the overview", () => {
  test("shows per runner id what the jobs did, with charts drawn from it; pushed, not polled", async () => {
    const { page, problems, calls } = await open();
    const opened = Date.now();
    const row = page.locator(`#overview tr[data-runner='${RUNNER}']`);
    const field = (r: typeof row, name: string) => r.locator(`td[data-field='${name}']`);
    await expect.poll(() => field(row, "finished").textContent()).toBe("6");
    expect(await field(row, "failed").textContent()).toBe("2");
    expect(await field(row, "instances").textContent()).toBe("1");
    expect(await field(row, "queued").textContent()).toBe("0");
    expect(await field(row, "running").textContent()).toBe("0");
    expect(await field(row, "dead").textContent()).toBe("2");
    // Per minute over the last 5 minutes: the 6 and 2 ended within them.
    expect(Number(await field(row, "finished_per_min").textContent())).toBeCloseTo(6 / 5, 2);
    expect(Number(await field(row, "failed_per_min").textContent())).toBeCloseTo(2 / 5, 2);

    // The durations shown lie within what the jobs took (their records, Redis's clock).
    const took: number[] = [];
    for (const id of [...finishedIds, ...failedIds]) {
      const [s, f] = await redis.hmget(keys.job(id), "started_at", "finished_at");
      took.push((Date.parse(f as string) - Date.parse(s as string)) / 1000);
    }
    const p50 = seconds((await field(row, "p50").textContent()) as string);
    const p95 = seconds((await field(row, "p95").textContent()) as string);
    expect(p50).toBeGreaterThanOrEqual(Math.min(...took) - 0.05);
    expect(p95).toBeLessThanOrEqual(Math.max(...took) + 0.05);
    expect(p95).toBeGreaterThanOrEqual(p50);
    // The finishing jobs slept 150 ms: the median attempt did too.
    expect(p50).toBeGreaterThanOrEqual(0.15);

    // The idle runner id: no instance, its jobs queued, the oldest waiting since submitted.
    const idle = page.locator(`#overview tr[data-runner='${IDLE}']`);
    expect(await field(idle, "instances").textContent()).toBe("0");
    expect(await field(idle, "queued").textContent()).toBe(String(idleIds.length));
    const created = Date.parse(
      (await redis.hget(keys.job(idleIds[0] as string), "created_at")) ?? "",
    );
    const oldest = seconds((await field(idle, "oldest").textContent()) as string);
    expect(oldest).toBeGreaterThan(0);
    expect(oldest).toBeLessThanOrEqual((Date.now() - created) / 1000 + 1);

    // The charts hold the same ends and draw them: finished in green, failed in red.
    const card = page.locator(`.chart-card[data-runner='${RUNNER}']`);
    expect(await card.getAttribute("data-finished")).toBe("6");
    expect(await card.getAttribute("data-failed")).toBe("2");
    const green: [number, number, number] = [23, 128, 61];
    await until(async () => (await pixelsOf(page, RUNNER, "ended", green)).rise > 20, {
      what: "the finished jobs drawn rising in the chart",
    });
    expect((await pixelsOf(page, RUNNER, "ended", [180, 35, 24])).rise).toBeGreaterThan(10);
    // Durations: p50 in blue, p95 in orange. All ends in one bucket draw one dot each, and
    // when p50 and p95 are close the orange dot covers the blue one: count both.
    const p50Dots = (await pixelsOf(page, RUNNER, "duration", [36, 88, 166])).count;
    const p95Dots = (await pixelsOf(page, RUNNER, "duration", [199, 119, 0])).count;
    expect(p50Dots + p95Dots).toBeGreaterThan(10);
    // The idle runner id ended nothing: nothing rises above zero, and it has no durations.
    expect((await pixelsOf(page, IDLE, "ended", green)).rise).toBeLessThan(6);
    expect((await pixelsOf(page, IDLE, "duration", [36, 88, 166])).count).toBe(0);
    await shot(page, "console-overview.png");

    // A new job: the page learns of it from the event stream and shows it.
    const more = await submit("sleep 100\necho one more");
    finishedIds.push(more);
    await expect.poll(() => field(row, "finished").textContent()).toBe("7");
    expect(await card.getAttribute("data-finished")).toBe("7");

    // Nothing asks more often than once a second: the overview's reads are at most one a
    // second since the page opened (and one to start with).
    const reads = calls.filter((c) => c.method === "stats.overview");
    expect(reads.length).toBeLessThanOrEqual((Date.now() - opened) / 1000 + 2);
    expect(calls.filter((c) => c.method === "events.subscribe")).toHaveLength(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe("jobs", () => {
  test("lists every job with counts per state, filters and pages them", async () => {
    const { page, problems } = await open();
    await go(page, "jobs");
    const count = (name: string) =>
      page.locator(`#job-counts [data-count='${name}'] .n`).textContent();
    await expect.poll(() => count("finished")).toBe(String(finishedIds.length));
    expect(await count("error")).toBe("2");
    expect(await count("dead")).toBe("2");
    expect(await count("queued")).toBe(String(idleIds.length));
    expect(await count("running")).toBe("0");

    const rows = page.locator("#jobs tbody tr");
    const total = finishedIds.length + failedIds.length + idleIds.length;
    expect(await page.textContent("#jobs-page")).toBe("1–25 of more");
    // Newest first (by storing time), the oldest last.
    expect(await rows.first().getAttribute("data-job")).toBe(newest);
    await page.click("#jobs-next");
    await expect.poll(() => page.textContent("#jobs-page")).toBe(`26–${total}`);
    expect(await rows.last().getAttribute("data-job")).toBe(finishedIds[0]);
    await page.click("#jobs-prev");
    await expect.poll(() => page.textContent("#jobs-page")).toBe("1–25 of more");

    await page.selectOption("#filter-status", "error");
    await expect.poll(() => rows.count()).toBe(2);
    expect(
      (await rows.evaluateAll((r) => r.map((x) => x.getAttribute("data-job")))).sort(),
    ).toEqual([...failedIds].sort());
    expect(await rows.first().locator("td[data-field='error_kind']").textContent()).toBe("script");
    await page.selectOption("#filter-status", "");
    await page.selectOption("#filter-runner", IDLE);
    await expect.poll(() => page.textContent("#jobs-page")).toBe("1–25 of more");
    await page.selectOption("#filter-status", "dispatched");
    await page.click("#jobs-next");
    await expect.poll(() => page.textContent("#jobs-page")).toBe(`26–${idleIds.length}`);
    // The counts follow the runner chosen.
    expect(await count("finished")).toBe("0");
    await shot(page, "console-jobs.png");
    expect(problems).toEqual([]);
    await page.close();
  });

  test("a job page shows the times, wait, duration, attempts, instance and signature it had", async () => {
    const { page, problems } = await open();
    const id = finishedIds[0] as string;
    const h = await redis.hgetall(keys.job(id));
    await go(page, "jobs");
    await page.selectOption("#filter-runner", RUNNER);
    await page.selectOption("#filter-status", "finished");
    await page.locator(`#jobs tr[data-job='${id}'] a.id`).click();
    await expect.poll(() => page.textContent("#detail-id")).toBe(id);
    const fact = (name: string) => page.locator(`#detail-facts dd[data-field='${name}']`);
    await expect.poll(() => fact("runner").textContent()).toBe(RUNNER);
    expect(await fact("instance").textContent()).toBe(h.runner_instance);
    expect(await fact("created").locator("time").getAttribute("datetime")).toBe(h.created_at);
    expect(await fact("started").locator("time").getAttribute("datetime")).toBe(h.started_at);
    expect(await fact("finished").locator("time").getAttribute("datetime")).toBe(h.finished_at);
    const wait = (Date.parse(h.started_at as string) - Date.parse(h.created_at as string)) / 1000;
    const took = (Date.parse(h.finished_at as string) - Date.parse(h.started_at as string)) / 1000;
    expect(seconds((await fact("queue_wait").textContent()) as string)).toBeCloseTo(wait, 1);
    expect(seconds((await fact("duration").textContent()) as string)).toBeCloseTo(took, 1);
    expect(took).toBeGreaterThanOrEqual(0.15);
    expect(await fact("attempts").textContent()).toBe("1 of 1");
    expect(await fact("error_kind").textContent()).toBe("–");
    if (h.result_signature) {
      expect(await fact("result_signature").locator(".id").getAttribute("title")).toBe(
        h.result_signature,
      );
    }
    // Local time, and how long ago, for a person; the instant itself in the tooltip.
    const created = fact("created").locator("time");
    expect(await created.textContent()).toMatch(/ · (\d+ (s|min) ago|now)$/);
    expect(await created.getAttribute("title")).toContain(h.created_at as string);
    await expect.poll(() => page.textContent("#detail-logs")).toBe("job 0 says hello\n");
    expect(await page.textContent("#detail-result")).toBe("done 0");
    expect(await page.isHidden("#detail-live")).toBe(true);
    expect(await page.isHidden("#detail-cancel")).toBe(true);

    // A failed job says how.
    await page.goto(`${sup.url}/console/#/job/${failedIds[0]}`);
    await expect.poll(() => fact("error_kind").textContent()).toBe("script");
    expect(await page.textContent("#detail-result")).toBe("error: broken 0");

    // A running job: its logs arrive live and it may be cancelled, until it ends.
    const live = await submit("log first\nsleep 6000\nlog second\necho live done");
    finishedIds.push(live);
    await page.goto(`${sup.url}/console/#/job/${live}`);
    await expect.poll(() => page.textContent("#detail-logs")).toBe("first\n");
    expect(await page.textContent("#detail-status")).toBe("started");
    expect(await page.isVisible("#detail-live")).toBe(true);
    expect(await page.isEnabled("#detail-cancel")).toBe(true);
    await shot(page, "console-job-running.png");
    await expect.poll(() => page.textContent("#detail-result")).toBe("live done");
    expect(await page.textContent("#detail-logs")).toBe("first\nsecond\n");
    expect(await page.textContent("#detail-status")).toBe("finished");
    expect(await page.isHidden("#detail-live")).toBe(true);
    expect(await page.isHidden("#detail-cancel")).toBe(true);
    await shot(page, "console-job.png");

    // Cancel stops a running job; the page then says it ended, cancelled, with no Cancel.
    const long = await submit("log waiting\nsleep 30000\necho never");
    await page.goto(`${sup.url}/console/#/job/${long}`);
    await expect.poll(() => page.textContent("#detail-logs")).toBe("waiting\n");
    await page.click("#detail-cancel");
    await expect.poll(() => page.textContent("#detail-status")).toBe("error");
    await expect.poll(() => fact("error_kind").textContent()).toBe("cancelled");
    expect(await redis.hget(keys.job(long), "error_kind")).toBe("cancelled");
    expect(await page.isHidden("#detail-live")).toBe(true);
    expect(await page.isHidden("#detail-cancel")).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});

test("schedules: signed in the browser, their runs listed as they happen, removed by admin", async () => {
  const { page, problems, calls } = await open();
  await go(page, "submit");
  await page.fill("#sign-key", signer.private_key);
  await go(page, "schedules");
  await page.fill("#sched-name", "dash-every-second");
  await expect.poll(() => page.locator(`#sched-runner option[value='${RUNNER}']`).count()).toBe(1);
  await page.selectOption("#sched-runner", RUNNER);
  await page.fill("#sched-every", "1");
  await page.fill("#sched-payload", "echo tick");
  await page.click("#sched-add");
  await expect.poll(() => page.textContent("#sched-message")).toMatch(/^added dash-every-second/);

  // Stored as signed here: the runners' own check of the bytes holds.
  const stored = parseSchedule(
    JSON.parse((await redis.hget(keys.schedules(), "dash-every-second")) ?? "null"),
  );
  expect(stored.every_ms).toBe(1000);
  const verdict = verifySignatures(scheduleBytes(stored), stored.signatures);
  expect(verdict).toEqual({ valid: [signer.public_key], invalid: [] });

  const row = page.locator("#schedules tr[data-schedule='dash-every-second']");
  await row.click();
  // Its runs appear as the runner mints and runs them (pushed: the page refreshes itself).
  const done = page.locator("#schedule-runs tbody tr td.status.finished");
  await expect.poll(() => done.count()).toBeGreaterThanOrEqual(2);
  const firstRun = await page.locator("#schedule-runs tbody tr").first().getAttribute("data-run");
  expect(firstRun).toMatch(/^sched:dash-every-second:\d+$/);
  expect(await redis.hget(keys.job(firstRun as string), "status")).toBe("finished");
  await shot(page, "console-schedules.png");

  page.once("dialog", (d) => void d.accept());
  await row.locator("button[data-remove]").click();
  await expect.poll(() => row.count()).toBe(0);
  expect(await redis.hget(keys.schedules(), "dash-every-second")).toBeNull();
  expect(calls.filter((c) => c.method === "schedule.add")).toHaveLength(1);
  expect(problems).toEqual([]);
  await page.close();
});

test("dead letters list the failed jobs with their error", async () => {
  const { page, problems } = await open();
  await go(page, "dead");
  await page.selectOption("#dead-runner", RUNNER);
  const rows = page.locator("#dead tbody tr");
  await expect.poll(() => rows.count()).toBe(2);
  expect((await rows.evaluateAll((r) => r.map((x) => x.getAttribute("data-dead")))).sort()).toEqual(
    [...failedIds].sort(),
  );
  await page.locator(`#dead tr[data-dead='${failedIds[1]}']`).click();
  await expect.poll(() => page.textContent("#dead-error")).toBe("script: broken 1");
  expect(await page.textContent("#dead-summary")).toContain(`dead letter of runner ${RUNNER}`);
  await shot(page, "console-dead-letters.png");
  expect(problems).toEqual([]);
  await page.close();
});

test("admin: makes an API key shown once, lists it, registers a runner", async () => {
  const { page, problems } = await open();
  await go(page, "admin");
  await page.fill("#key-name", "made in the console");
  await page.selectOption("#key-scope", "user");
  await page.click("#key-create");
  await expect.poll(() => page.textContent("#key-message")).toMatch(/^key [0-9a-f]{16} made/);
  const secret = (await page.textContent("#key-secret")) as string;
  const who = await httpCall<{ name: string }>(sup.url, "auth.verify", {}, secret);
  expect(who.result?.name).toBe("made in the console");
  await page.fill("#register-name", "dash-registered");
  await page.click("#register");
  await expect.poll(() => page.textContent("#register-message")).toBe("registered dash-registered");
  await expect
    .poll(() => page.locator("#registered tr[data-runner='dash-registered']").count())
    .toBe(1);
  await shot(page, "console-admin.png");
  // A user key sees neither.
  const user = await open(1280, secret);
  await go(user.page, "admin");
  expect(await user.page.isHidden("#admin-keys")).toBe(true);
  expect(await user.page.isHidden("#admin-runners")).toBe(true);
  expect(problems).toEqual([]);
  expect(user.problems).toEqual([]);
  await user.page.close();
  await page.close();
});

test("at 420 px every page fits the width: tables scroll inside, charts shrink", async () => {
  const { page, problems } = await open(420);
  const fits = () =>
    page.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth");
  await expect.poll(() => page.locator(".chart-card canvas").count()).toBeGreaterThan(0);
  expect(await fits()).toBe(true);
  const widths = await page
    .locator(".chart-card canvas")
    .evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().right));
  for (const right of widths) expect(right).toBeLessThanOrEqual(420);
  await shot(page, "console-narrow-overview.png");
  for (const name of ["jobs", "flows", "dead", "schedules", "submit", "admin"]) {
    await go(page, name);
    expect(await fits(), name).toBe(true);
  }
  await go(page, "jobs");
  await page.locator("#jobs tbody tr").first().waitFor();
  await shot(page, "console-narrow-jobs.png");
  await page.goto(`${sup.url}/console/#/job/${finishedIds[0]}`);
  await expect.poll(() => page.textContent("#detail-result")).toBe("done 0");
  expect(await fits()).toBe(true);
  // A long id stays on one line: cut in lists, whole (scrolling) on its own page.
  const box = await page.locator("#detail-id").boundingBox();
  expect(box?.height ?? 0).toBeLessThan(40);
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(420);
  await shot(page, "console-narrow-job.png");
  expect(problems).toEqual([]);
  await page.close();
});

test("a lost connection is tried again until the supervisor is back, then the page goes on", async () => {
  const { page, problems } = await open();
  const row = page.locator(`#overview tr[data-runner='${RUNNER}']`);
  await row.waitFor();
  // The supervisor goes away and comes back on the same port, with the same admin key.
  const port = new URL(sup.url).port;
  await sup.proc.stop();
  await expect.poll(() => page.textContent("#connection")).toMatch(/^disconnected; trying again/);
  const proc = start(process.execPath, [
    distBin("supervisor"),
    "--redis-url",
    REDIS_URL,
    "--namespace",
    ns,
    "--port",
    port,
    "--admin-key-file",
    sup.adminKeyFile,
  ]);
  sup = { ...sup, proc };
  await proc.waitFor('"msg":"supervisor listening"');
  await expect
    .poll(() => page.textContent("#connection"), { timeout: 60_000 })
    .toBe("connected as admin (admin)");
  // Pushed again: a job ended now shows without a reload.
  const before = Number(await row.locator("td[data-field='finished']").textContent());
  const id = await submit("echo after the restart");
  finishedIds.push(id);
  await expect
    .poll(() => row.locator("td[data-field='finished']").textContent())
    .toBe(String(before + 1));
  // The page's own socket errors while the supervisor was away are expected; nothing else.
  expect(problems.filter((p) => !/WebSocket/.test(p))).toEqual([]);
  await page.close();
});

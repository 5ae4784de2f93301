// The console's Flows page in a real browser (Debian's headless Chromium through
// playwright-core), against a real supervisor, a real runner_sal and Redis: a flow stored
// through flow.create is listed, its graph is drawn by dagre (served by the supervisor from
// node_modules, nothing fetched from elsewhere), and its nodes' states change live as the
// runner runs them. A screenshot is kept under test-results/.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Flow, type FlowNode, generateKeyPair, signFlow } from "../../src/job/index.js";
import { distBin, type Proc, ROOT, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, testRedis, uniqueNamespace } from "../helpers/redis.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ns = uniqueNamespace("console-flows");
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
    { name: "flow user", scope: "user" },
    sup.adminKey,
  );
  userKey = made.result?.key as string;
  runner = await startRunner({
    script: distBin("runner_sal"),
    runnerId: "sal",
    namespace: ns,
    trustedKeys: [signer.public_key],
    redisUrl: REDIS_URL,
    args: ["--concurrency", "2"],
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await runner?.stop("SIGKILL");
  await sup?.proc.stop();
  if (redis) {
    await dropNamespace(redis, ns);
    await redis.quit();
  }
});

const node = (id: string, payload: string, deps: string[] = []): FlowNode => ({
  id,
  runner: "sal",
  payload,
  depends_on: deps,
  timeout: 30,
});

test("the Flows page draws a flow's graph and follows its nodes live", async () => {
  // "gate" waits until the test lets it go on (a key in Redis): the page must show it
  // running first, whatever the machine's speed.
  const gateKey = `${ns}:gate`;
  const flow: Flow = signFlow(
    {
      id: `diamond-${Date.now()}`,
      caller_id: "",
      context_id: "",
      failure_policy: "fail_fast",
      created_at: new Date().toISOString(),
      nodes: [
        node("fetch", '"42"'),
        node("gate", `while redis_get("${gateKey}") == () { sleep(0.1); } "open"`, ["fetch"]),
        node("double", 'parse_int(PARENTS["fetch"]) * 2', ["fetch"]),
        node("report", 'PARENTS["double"] + " / " + PARENTS["gate"]', ["gate", "double"]),
      ],
      signatures: [],
    },
    signer.private_key,
  );
  const created = await httpCall(sup.url, "flow.create", { flow }, userKey);
  expect(created.error).toBeUndefined();

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  const requested: string[] = [];
  page.on("request", (r) => requested.push(r.url()));
  await page.goto(`${sup.url}/console/`);
  await page.waitForSelector("body[data-ready='1'][data-flows-ready='1']");
  await page.fill("#api-key", userKey);
  await page.click("#connect");
  const row = page.locator(`#flows tr[data-flow='${flow.id}']`);
  await row.waitFor();
  await expect.poll(() => row.textContent()).toContain("created");
  await row.click();

  // The graph: four boxes, four arrows, laid out parents left of children.
  const box = (id: string) => page.locator(`#flow-graph [data-node='${id}']`);
  await box("report").waitFor();
  expect(await page.locator("#flow-graph .flow-node").count()).toBe(4);
  expect(await page.locator("#flow-graph .flow-edge").count()).toBe(4);
  const x = async (id: string) => (await box(id).boundingBox())?.x ?? Number.NaN;
  expect(await x("fetch")).toBeLessThan(await x("gate"));
  expect(await x("gate")).toBeLessThan(await x("report"));
  expect(await box("fetch").getAttribute("data-state")).toBe("pending");

  const started = await httpCall(sup.url, "flow.start", { flow_id: flow.id }, userKey);
  expect(started.error).toBeUndefined();
  // Live: the gate runs, double finishes, report waits.
  await expect
    .poll(() => box("gate").getAttribute("data-state"), { timeout: 20_000 })
    .toBe("started");
  await expect
    .poll(() => box("double").getAttribute("data-state"), { timeout: 20_000 })
    .toBe("finished");
  expect(await box("report").getAttribute("data-state")).toBe("pending");
  expect(await page.textContent("#flow-status")).toBe("started");
  mkdirSync(join(ROOT, "test-results"), { recursive: true });
  await page.screenshot({
    path: join(ROOT, "test-results", "supervisor-console-flow-running.png"),
    fullPage: true,
  });

  await redis.set(gateKey, "1");
  await expect.poll(() => page.textContent("#flow-status"), { timeout: 20_000 }).toBe("finished");
  for (const id of ["fetch", "gate", "double", "report"])
    expect(await box(id).getAttribute("data-state")).toBe("finished");
  await box("report").click();
  await expect.poll(() => page.textContent("#flow-node-info")).toContain("output: 84 / open");
  await page.screenshot({
    path: join(ROOT, "test-results", "supervisor-console-flow.png"),
    fullPage: true,
  });

  // dagre came from the supervisor's node_modules; nothing was fetched from elsewhere.
  expect(requested).toContain(`${sup.url}/vendor/@dagrejs/dagre/dist/dagre.esm.js`);
  expect(requested.filter((u) => !u.startsWith(sup.url) && !u.startsWith("data:"))).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});

test("only dagre's ESM file is served from its package", async () => {
  const ok = await fetch(`${sup.url}/vendor/@dagrejs/dagre/dist/dagre.esm.js`);
  expect(ok.status).toBe(200);
  expect(ok.headers.get("content-type")).toContain("text/javascript");
  expect(await ok.text()).toContain("export{");
  const other = await fetch(`${sup.url}/vendor/@dagrejs/dagre/dist/dagre.cjs`);
  expect(other.status).toBe(404);
});

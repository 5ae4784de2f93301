// The console's Flows page in a real browser (Debian's headless Chromium through
// playwright-core), against a real supervisor, a real runner_sal and Redis: a flow stored
// through flow.create is listed on the Flows page (#/flows, and on no other page), its graph
// is drawn by dagre (served by the supervisor from node_modules, nothing fetched from
// elsewhere), its nodes' states change live as the runner runs them (flow.subscribe over
// the console's one WebSocket), the list keeps in step, and leaving the flow unsubscribes.
// Screenshots (1280 px, and 420 px) are kept under test-results/.
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
/** What is pushed (flow.event, events.activity) may wait on a busy machine. */
const LIVE = { timeout: 10_000 };
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

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  const requested: string[] = [];
  page.on("request", (r) => requested.push(r.url()));
  // What the page sends over its WebSocket (one connection: the console's).
  const sockets: string[] = [];
  const sent: string[] = [];
  page.on("websocket", (ws) => {
    sockets.push(ws.url());
    ws.on("framesent", (f) => sent.push(String(f.payload)));
  });
  const calls = (method: string) =>
    sent.filter((f) => f.includes(`"method":"${method}"`)).map((f) => JSON.parse(f).params);
  await page.goto(`${sup.url}/console/`);
  await page.waitForSelector("body[data-ready='1']");
  await page.fill("#api-key", userKey);
  await page.click("#connect");
  await expect.poll(() => page.textContent("#connection")).toBe("connected as flow user (user)");
  // The overview (and every page but Flows) shows nothing of the flows.
  expect(await page.isVisible("#page-overview")).toBe(true);
  for (const id of ["#page-flows", "#flows", "#flow-detail", "#flow-graph"])
    expect(await page.isHidden(id), id).toBe(true);

  await page.click("nav a[data-page='flows']");
  expect(page.url()).toMatch(/#\/flows$/);
  const row = page.locator(`#flows tr[data-flow='${flow.id}']`);
  await row.waitFor();
  const rowStatus = row.locator("td[data-field='status']");
  const rowNodes = row.locator("td[data-field='nodes']");
  expect(await rowStatus.textContent()).toBe("created");
  expect(await rowNodes.textContent()).toBe("0/4 finished · 4 pending");
  expect(await page.isHidden("#flow-detail")).toBe(true);
  await row.click();
  await expect.poll(() => page.url(), LIVE).toMatch(new RegExp(`#/flows/${flow.id}$`));

  // The graph: four boxes, four arrows, laid out parents left of children.
  const box = (id: string) => page.locator(`#flow-graph [data-node='${id}']`);
  await box("report").waitFor();
  expect(await page.locator("#flow-graph .flow-node").count()).toBe(4);
  expect(await page.locator("#flow-graph .flow-edge").count()).toBe(4);
  const x = async (id: string) => (await box(id).boundingBox())?.x ?? Number.NaN;
  expect(await x("fetch")).toBeLessThan(await x("gate"));
  expect(await x("gate")).toBeLessThan(await x("report"));
  expect(await box("fetch").getAttribute("data-state")).toBe("pending");
  await expect.poll(() => calls("flow.subscribe"), LIVE).toEqual([{ flow_id: flow.id }]);

  const started = await httpCall(sup.url, "flow.start", { flow_id: flow.id }, userKey);
  expect(started.error).toBeUndefined();
  // Live: the gate runs, double finishes, report waits; the list says the same.
  await expect
    .poll(() => box("gate").getAttribute("data-state"), { timeout: 20_000 })
    .toBe("started");
  await expect
    .poll(() => box("double").getAttribute("data-state"), { timeout: 20_000 })
    .toBe("finished");
  expect(await box("report").getAttribute("data-state")).toBe("pending");
  expect(await page.textContent("#flow-status")).toBe("started");
  await expect.poll(() => rowStatus.textContent(), LIVE).toBe("started");
  await expect.poll(() => rowNodes.textContent(), LIVE).toBe("2/4 finished · 1 queued · 1 pending");
  mkdirSync(join(ROOT, "test-results"), { recursive: true });
  await page.screenshot({
    path: join(ROOT, "test-results", "supervisor-console-flow-running.png"),
    fullPage: true,
  });

  // A flow not shown: its row follows the supervisor's pushed activity.
  const other = signFlow(
    {
      id: `single-${Date.now()}`,
      caller_id: "",
      context_id: "",
      failure_policy: "fail_fast",
      created_at: new Date().toISOString(),
      nodes: [node("only", '"one"')],
      signatures: [],
    },
    signer.private_key,
  );
  expect((await httpCall(sup.url, "flow.create", { flow: other }, userKey)).error).toBeUndefined();
  const otherRow = page.locator(`#flows tr[data-flow='${other.id}']`);
  await expect
    .poll(() => otherRow.locator("td[data-field='status']").textContent(), LIVE)
    .toBe("created");
  expect(
    (await httpCall(sup.url, "flow.start", { flow_id: other.id }, userKey)).error,
  ).toBeUndefined();
  await expect
    .poll(() => otherRow.locator("td[data-field='status']").textContent(), { timeout: 20_000 })
    .toBe("finished");
  expect(await otherRow.locator("td[data-field='nodes']").textContent()).toBe("1/1 finished");
  // The shown flow is still the diamond, selected in the list, its gate still running.
  expect(await row.getAttribute("class")).toBe("selected");
  expect(await box("gate").getAttribute("data-state")).toBe("started");

  await redis.set(gateKey, "1");
  await expect.poll(() => page.textContent("#flow-status"), { timeout: 20_000 }).toBe("finished");
  for (const id of ["fetch", "gate", "double", "report"])
    expect(await box(id).getAttribute("data-state")).toBe("finished");
  // The list agrees with the graph.
  await expect.poll(() => rowStatus.textContent(), LIVE).toBe("finished");
  expect(await rowNodes.textContent()).toBe("4/4 finished");
  expect(await page.isHidden("#flow-live")).toBe(true);

  // A node's facts: its job (a link to the job's page), times, output.
  await box("report").click();
  const fact = (name: string) => page.locator(`#flow-node-info [data-field='${name}']`);
  await expect.poll(() => fact("output").textContent(), LIVE).toBe("84 / open");
  const jobLink = fact("job").locator("a");
  expect(await jobLink.textContent()).toBe(`flow:${flow.id}:report`);
  expect(await jobLink.getAttribute("href")).toBe(
    `#/job/${encodeURIComponent(`flow:${flow.id}:report`)}`,
  );
  expect(await fact("started").textContent()).not.toBe("–");
  expect(await fact("finished").textContent()).not.toBe("–");
  expect(await fact("after").textContent()).toBe("gate, double");
  await page.screenshot({
    path: join(ROOT, "test-results", "supervisor-console-flow.png"),
    fullPage: true,
  });

  // The job's page, through the node's link: the Flows section is gone.
  await jobLink.click();
  await expect.poll(() => page.textContent("#detail-result"), LIVE).toBe("84 / open");
  for (const id of ["#page-flows", "#flows", "#flow-graph"])
    expect(await page.isHidden(id), id).toBe(true);
  await page.goBack();
  await expect.poll(() => page.textContent("#flow-status"), LIVE).toBe("finished");

  // A running flow followed, then left for another page: unsubscribed.
  const third = signFlow(
    {
      id: `wait-${Date.now()}`,
      caller_id: "",
      context_id: "",
      failure_policy: "fail_fast",
      created_at: new Date().toISOString(),
      nodes: [node("later", '"later"')],
      signatures: [],
    },
    signer.private_key,
  );
  expect((await httpCall(sup.url, "flow.create", { flow: third }, userKey)).error).toBeUndefined();
  await page.goto(`${sup.url}/console/#/flows/${third.id}`);
  await box("later").waitFor();
  await expect.poll(() => calls("flow.subscribe"), LIVE).toContainEqual({ flow_id: third.id });
  await page.click("nav a[data-page='jobs']");
  await expect.poll(() => calls("flow.unsubscribe"), LIVE).toContainEqual({ flow_id: third.id });
  expect(await page.isHidden("#page-flows")).toBe(true);

  // dagre came from the supervisor's node_modules; nothing was fetched from elsewhere; one
  // WebSocket, the console's, carried the flows too (the goto above changed only the hash).
  expect(requested).toContain(`${sup.url}/vendor/@dagrejs/dagre/dist/dagre.esm.js`);
  expect(requested.filter((u) => !u.startsWith(sup.url) && !u.startsWith("data:"))).toEqual([]);
  expect(sockets).toHaveLength(1);
  expect(problems).toEqual([]);
  await page.close();

  // At 420 px the page fits the width; the graph scrolls sideways inside it.
  const narrow = await browser.newPage({ viewport: { width: 420, height: 900 } });
  narrow.on("pageerror", (e) => problems.push(e.message));
  await narrow.goto(`${sup.url}/console/#/flows/${flow.id}`);
  await narrow.waitForSelector("body[data-ready='1']");
  await narrow.fill("#api-key", userKey);
  await narrow.click("#connect");
  await narrow.locator("#flow-graph [data-node='report']").waitFor();
  await expect.poll(() => narrow.textContent("#flow-status"), LIVE).toBe("finished");
  expect(
    await narrow.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth"),
  ).toBe(true);
  const wrap = narrow.locator(".flow-graph-wrap");
  expect(
    await wrap.evaluate(
      (w) => w.scrollWidth > w.clientWidth && w.getBoundingClientRect().right <= 420,
    ),
  ).toBe(true);
  await narrow.screenshot({
    path: join(ROOT, "test-results", "supervisor-console-flow-narrow.png"),
    fullPage: true,
  });
  expect(problems).toEqual([]);
  await narrow.close();
});

test("only dagre's ESM file is served from its package", async () => {
  const ok = await fetch(`${sup.url}/vendor/@dagrejs/dagre/dist/dagre.esm.js`);
  expect(ok.status).toBe(200);
  expect(ok.headers.get("content-type")).toContain("text/javascript");
  expect(await ok.text()).toContain("export{");
  const other = await fetch(`${sup.url}/vendor/@dagrejs/dagre/dist/dagre.cjs`);
  expect(other.status).toBe(404);
});

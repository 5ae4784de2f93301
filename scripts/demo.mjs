// The demo: a fresh key pair, one runner process of each kind trusting it, one signed job
// for each, and what came back. Everything it starts it stops again.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkResultSignature, HorusClient } from "../dist/client/index.js";
import { createJob, generateKeyPair, signFlow, signJob, signSchedule } from "../dist/job/index.js";
import { jobCounts, ScheduleStore } from "../dist/protocol/index.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const REDIS_URL = process.env.HORUS_REDIS_URL ?? "redis://127.0.0.1:6379";
const NAMESPACE = `demo-${process.pid}`;
const WORK_DIR = mkdtempSync(join(tmpdir(), "horus-demo-"));
// The scripts the tests also run, so the demo shows what is tested.
const script = (path) => readFileSync(`${ROOT}${path}`, "utf8");

/** One runner per kind, and the job the demo gives it. */
const DEMOS = [
  {
    bin: "herorunner",
    runnerId: "demo-hero",
    executor: "hero",
    title: "heroscript: echo, environment placeholder",
    payload: [
      "!!session.env_set key:GREETING value:'hello from heroscript'",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: heroscript placeholders
      "!!play.echo content:'${GREETING}'",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: heroscript placeholders
      "!!play.echo content:'job ran for ${WHO}'",
    ].join("\n"),
    env: { WHO: "the demo" },
  },
  {
    bin: "runner_sal",
    runnerId: "demo-sal",
    executor: "sal",
    title: "Rhai + SAL: write a file, run a command, query PostgreSQL",
    payload: script("test/sal/fixtures/demo.rhai"),
    env: {
      WORK_DIR,
      DATABASE_URL: process.env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test",
    },
  },
  {
    bin: "runner_osiris",
    runnerId: "demo-osiris",
    executor: "osiris",
    title: "Rhai + Osiris: save two notes, find one by tag",
    payload: script("test/osiris/fixtures/demo.rhai"),
    context: "demo-notes",
  },
];

/** A free loopback port, for the Rhai runner's metrics. */
function sparePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
const METRICS_PORT = await sparePort();

function startRunner(demo, publicKey) {
  // The Rhai runner also serves Prometheus metrics and health probes (docs/observability.md).
  const metrics = demo.runnerId === "demo-sal" ? ["--metrics-port", String(METRICS_PORT)] : [];
  const child = spawn(
    process.execPath,
    [
      `${ROOT}dist/cli/${demo.bin}.js`,
      demo.runnerId,
      "--redis-url",
      REDIS_URL,
      "--namespace",
      NAMESPACE,
      "--trusted-keys",
      publicKey,
      "--log-level",
      "warn",
      // Its run ledger and result-signing key (made on first start) live here.
      "--state-dir",
      join(WORK_DIR, "state", demo.runnerId),
      ...metrics,
    ],
    { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, HORUS_LOG_JSON: "1" } },
  );
  return { child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
}

async function waitForInstance(client, runnerId) {
  for (let i = 0; i < 100; i++) {
    if ((await client.runners(runnerId)).length > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`runner ${runnerId} did not come up`);
}

/**
 * A job system's everyday features on the Rhai runner: retries with backoff, a delayed job,
 * a dead letter. Each is part of the job's signed bytes. Returns how many went wrong.
 */
async function lifecycleDemo(keys) {
  let wrong = 0;
  const sign = (payload, extra) =>
    signJob(
      { ...createJob({ payload, runner: "demo-sal", timeout: 10 }), ...extra },
      keys.private_key,
    );
  const flaky = sign('if ATTEMPT < 3 { throw "attempt " + ATTEMPT + ": not yet"; }\n"ok"', {
    max_attempts: 3,
    backoff: { type: "fixed", delay_ms: 200 },
  });
  const record = await client.run(flaky);
  console.log(
    `== retries: a job failing twice, allowed 3 attempts 200 ms apart: ${record.status} on attempt ${record.attempts}`,
  );
  for (const a of (await client.deadLetter(flaky.id)).attempts)
    console.log(
      `   attempt ${a.attempt}: ${a.status}${a.error ? ` (${a.error.split("\n")[0]})` : ""}`,
    );
  if (record.status !== "finished") wrong += 1;

  const runAt = new Date(Date.now() + 2000);
  const later = sign('"ran at " + timestamp()', { run_at: runAt.toISOString() });
  await client.submit(later);
  const before = (await client.status(later.id)).status;
  const done = await client.wait(later.id, 30);
  const late = Date.parse(done.started_at) - runAt.getTime();
  console.log(
    `== a delayed job (run_at in 2 s): ${before} at first, started ${late} ms after its time`,
  );
  if (before !== "scheduled" || done.status !== "finished" || late < 0) wrong += 1;

  const doomed = sign('throw "the service is down"', { max_attempts: 2 });
  await client.run(doomed);
  const { letters } = await client.deadLetters("demo-sal");
  console.log(
    `== dead letters of demo-sal: ${letters.map((l) => `${l.id.slice(0, 8)}… after ${l.record.attempts} attempts: ${l.record.error.split("\n")[0]}`).join("; ")}\n`,
  );
  if (!letters.some((l) => l.id === doomed.id)) wrong += 1;

  // A signed schedule: every second, minted by whichever runner instance holds the lease.
  const schedules = new ScheduleStore(client.store);
  const schedule = signSchedule(
    {
      name: "demo-tick",
      runner: "demo-sal",
      every_ms: 1000,
      template: { payload: '"tick at " + timestamp()', timeout: 10 },
      created_at: new Date().toISOString(),
      signatures: [],
    },
    keys.private_key,
  );
  await schedules.add(schedule);
  let runs = [];
  for (let i = 0; i < 100 && runs.filter((r) => r.status === "finished").length < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    runs = await schedules.runs("demo-tick");
  }
  await schedules.remove("demo-tick");
  const ticks = runs.filter((r) => r.status === "finished");
  console.log(
    `== a schedule every 1 s: ${ticks.length} occurrences ran (${ticks.map((r) => r.id).join(", ")})\n`,
  );
  if (ticks.length < 2) wrong += 1;
  return wrong + (await flowDemo(keys));
}

/** What an operator sees: the Rhai runner's /metrics and /readyz, and every runner's counts. */
async function metricsDemo() {
  const base = `http://127.0.0.1:${METRICS_PORT}`;
  const ready = await fetch(`${base}/readyz`);
  const text = await (await fetch(`${base}/metrics`)).text();
  const ended = text
    .split("\n")
    .filter((l) => l.startsWith("horus_jobs_ended_total{"))
    .map((l) => l.replace(/,?runner_id="demo-sal"/, ""));
  console.log(`== ${base}/metrics of runner_sal (readyz: ${ready.status}):`);
  for (const line of ended) console.log(`   ${line}`);
  const counts = await jobCounts(
    client.store,
    DEMOS.map((d) => d.runnerId),
  );
  console.log("== horus jobs counts:");
  for (const c of counts)
    console.log(`   ${c.runner}: finished ${c.finished}, error ${c.error}, dead ${c.dead}`);
  console.log();
  return ready.status === 200 && ended.length > 0 ? 0 : 1;
}

/** A signed flow across the three runners: a diamond, its last node sees both parents. */
async function flowDemo(keys) {
  const flow = signFlow(
    {
      id: `demo-flow-${process.pid}`,
      failure_policy: "fail_fast",
      created_at: new Date().toISOString(),
      nodes: [
        { id: "start", runner: "demo-sal", payload: '"21"', depends_on: [] },
        {
          id: "double",
          runner: "demo-osiris",
          payload: 'parse_int(PARENTS["start"]) * 2',
          depends_on: ["start"],
        },
        {
          id: "greet",
          runner: "demo-hero",
          executor: "hero",
          payload: "!!play.echo content:'hero saw {parents.start}'",
          depends_on: ["start"],
        },
        {
          id: "report",
          runner: "demo-sal",
          payload: 'PARENTS["double"] + " and " + PARENTS["greet"]',
          depends_on: ["double", "greet"],
        },
      ],
      signatures: [],
    },
    keys.private_key,
  );
  await client.submitFlow(flow);
  const record = await client.waitFlow(flow.id, 60);
  const report = record.nodes.find((n) => n.id === "report")?.job?.result?.success;
  console.log(
    `== a flow across three runners (start -> double, greet -> report): ${record.status}, report says: ${report}\n`,
  );
  return record.status === "finished" ? 0 : 1;
}

const keys = generateKeyPair();
console.log(`signing key: public ${keys.public_key}`);
const client = new HorusClient({ redisUrl: REDIS_URL, namespace: NAMESPACE });
await client.ready();
const runners = DEMOS.map((d) => startRunner(d, keys.public_key));
let failed = 0;
let last;
try {
  for (const demo of DEMOS) await waitForInstance(client, demo.runnerId);
  console.log(`runners up: ${DEMOS.map((d) => d.bin).join(", ")}\n`);
  for (const demo of DEMOS) {
    const job = HorusClient.signedJob(
      {
        payload: demo.payload,
        runner: demo.runnerId,
        executor: demo.executor,
        timeout: 30,
        env_vars: demo.env ?? {},
        context_id: demo.context ?? "",
      },
      [keys.private_key],
    );
    const t0 = performance.now();
    const record = await client.run(job);
    const ms = (performance.now() - t0).toFixed(1);
    console.log(`== ${demo.bin}: ${demo.title} (${record.status}, ${ms} ms)`);
    if (record.status === "finished") {
      console.log(record.result.success);
      // Runners sign what they record: check it against the key the runner publishes.
      const [instance] = await client.runners(demo.runnerId);
      const verdict = checkResultSignature(record, new Set([instance?.public_key]));
      console.log(
        verdict.ok
          ? `-- result signed by runner key ${verdict.signer.slice(0, 16)}… (verified)`
          : `-- result NOT verified: ${verdict.message}`,
      );
      if (!verdict.ok) failed += 1;
    } else {
      failed += 1;
      console.log(`error (${record.error_kind}): ${record.error}`);
    }
    const logs = await client.logs(job.id);
    if (logs.length > 0) console.log(`-- log: ${logs.join(" | ")}`);
    console.log();
    last = job;
  }
  // A signed job runs once: its record deleted (as the supervisor's job.delete does), the
  // same bytes submitted again are still refused, by the claim the runner left.
  const k = client.store.keys;
  await client.store.redis.del(k.job(last.id), k.result(last.id), k.reply(last.id));
  const replay = await client.submit(last).then(
    () => "accepted (it should not have been)",
    (e) => `refused: ${e.message}`,
  );
  console.log(`== the last job, deleted and submitted again: ${replay}\n`);
  if (!replay.startsWith("refused")) failed += 1;
  failed += await lifecycleDemo(keys);
  failed += await metricsDemo();
} finally {
  for (const r of runners) r.child.kill("SIGTERM");
  const codes = await Promise.all(runners.map((r) => r.exited));
  console.log(`runners stopped (exit codes ${codes.join(", ")})`);
  // Leave nothing behind in Redis.
  const redis = client.store.redis;
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${NAMESPACE}:*`, "COUNT", 1000);
    cursor = next;
    if (found.length > 0) await redis.del(...found);
  } while (cursor !== "0");
  await client.close();
  rmSync(WORK_DIR, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);

// Redis's own time per script call, one script at a time: stores N signed jobs, then takes
// and ends them one by one in this process (no runner), reading INFO commandstats around
// each phase. For seeing which script costs what; not run by `npm run bench`. Needs a build.
// `N=5000 node bench/experiments/probe-scripts.mjs`
import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { HorusClient } from "../../dist/client/index.js";
import { generateKeyPair } from "../../dist/job/index.js";
import { startRedis } from "../lib/redis.mjs";

const N = Number(process.env.N ?? 5000);
const redis = await startRedis();
const conn = new Redis(redis.url);
const client = new HorusClient({ redisUrl: redis.url });
await client.ready();
const keys = generateKeyPair();
const store = client.store;

async function stats() {
  const out = new Map();
  for (const line of (await conn.info("commandstats")).split("\n")) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (m) out.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}
// PERF=take (say) records Redis with `perf record -g` during that phase, into /tmp/perf-<phase>.data.
async function phase(label, run) {
  const before = await stats();
  let perf;
  if (process.env.PERF === label) {
    const pid = (await conn.info("server")).match(/process_id:(\d+)/)[1];
    perf = spawn("perf", ["record", "-g", "-o", `/tmp/perf-${label}.data`, "-p", pid], {
      stdio: "ignore",
    });
    await new Promise((r) => setTimeout(r, 500));
  }
  await run();
  if (perf) {
    perf.kill("SIGINT");
    await new Promise((r) => perf.once("exit", r));
  }
  const after = await stats();
  const parts = [];
  let script = 0;
  for (const [name, a] of after) {
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    const us = (a.usec - b.usec) / N;
    if (name === "evalsha") script = us;
    else if (a.calls > b.calls && name !== "info")
      parts.push(`${name} ${((a.calls - b.calls) / N).toFixed(1)}x ${us.toFixed(2)}`);
  }
  console.log(
    `${label.padEnd(8)} evalsha ${script.toFixed(2)} us/job; inside: ${parts.join(", ")}`,
  );
}

const jobs = Array.from({ length: N }, () =>
  HorusClient.signedJob({ payload: "", runner: "probe", timeout: 60 }, [keys.private_key]),
);
await phase("submit", async () => {
  for (const job of jobs) await store.submit(job);
});
const taken = [];
const req = { runnerId: "probe", instance: "i1", max: 1, claimTtlS: 3600 };
await phase("take", async () => {
  for (let i = 0; i < N; i++) taken.push(...(await store.takeAlong(req)).jobs);
});
const opts = {
  instance: "i1",
  mode: "holder",
  active: { runnerId: "probe", instance: "i1" },
  retentionS: 86400,
  keepFinished: 10000,
};
await phase("finish", async () => {
  for (const t of taken) await store.writeEnd(store.prepareSuccess(t.id, "", opts));
});
await client.close();
conn.disconnect();
await redis.stop();

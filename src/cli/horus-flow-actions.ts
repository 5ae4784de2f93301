// What `horus flow ...` does (see horus-flow.ts): read a flow file (JSON or YAML), fill in
// its id and created_at when absent, validate and sign it (graph errors name the nodes,
// before anything is signed), submit and start it, wait for it, print its nodes.
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { HorusClient } from "../client/index.js";
import { type Flow, signFlow } from "../job/index.js";
import type { FlowRecord } from "../protocol/index.js";
import { UsageError } from "./flags.js";
import { exitWhenWritten } from "./horus-actions.js";
import { readSigningKey } from "./horus-job.js";
import { type RedisLocationFlags, redisUrlFromFlags } from "./options.js";

interface GlobalFlags extends RedisLocationFlags {
  namespace: string;
}

function say(message: string): void {
  process.stderr.write(`horus: ${message}\n`);
}

async function guarded(
  cmd: Command,
  action: (client: HorusClient) => Promise<number>,
): Promise<never> {
  let client: HorusClient | undefined;
  let code = 0;
  try {
    const flags = cmd.optsWithGlobals<GlobalFlags>();
    let redisUrl: string;
    try {
      redisUrl = redisUrlFromFlags(flags);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    client = new HorusClient({ redisUrl, namespace: flags.namespace });
    await client.ready();
    code = await action(client);
  } catch (e) {
    say((e as Error).message);
    code = e instanceof UsageError ? 2 : 1;
  } finally {
    await client?.close();
  }
  return exitWhenWritten(code);
}

/**
 * The flow in `path`, signed with `key`. An absent id is made from the file's name and the
 * time (an id can run once); an absent created_at is now.
 */
export function signedFlowFromFile(path: string, key: string, now = new Date()): Flow {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = extname(path) === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(
      `${path} is not ${extname(path) === ".json" ? "JSON" : "YAML"}: ${(e as Error).message}`,
    );
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new UsageError(`${path} does not hold a flow (an object with nodes)`);
  const stem = basename(path, extname(path))
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .slice(0, 40);
  const draft = {
    id: `${stem || "flow"}-${now.getTime()}`,
    created_at: now.toISOString(),
    signatures: [],
    ...(raw as Record<string, unknown>),
  } as unknown as Flow;
  try {
    return signFlow(draft, key);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function describe(record: FlowRecord): string {
  const lines = [`flow ${record.id}: ${record.status}`];
  for (const n of record.nodes) {
    const job = n.job;
    const deps = n.depends_on.length > 0 ? ` (after ${n.depends_on.join(", ")})` : "";
    let outcome = "";
    if (job?.result !== undefined)
      outcome =
        "success" in job.result
          ? ` -> ${JSON.stringify(job.result.success.slice(0, 200))}`
          : ` -> ${job.error_kind ?? "error"}: ${job.result.error.slice(0, 200)}`;
    const times = job?.started_at ? ` [${job.started_at} .. ${job.finished_at ?? ""}]` : "";
    lines.push(`  ${n.id} @${n.runner}${deps}: ${n.state}${outcome}${times}`);
  }
  return lines.join("\n");
}

export function submit(file: string, flags: { key?: string }, cmd: Command) {
  return guarded(cmd, async (client) => {
    const flow = signedFlowFromFile(file, readSigningKey(flags.key));
    process.stdout.write(`${await client.submitFlow(flow)}\n`);
    return 0;
  });
}

export function run(
  file: string,
  flags: { key?: string; wait: string; json?: boolean },
  cmd: Command,
) {
  return guarded(cmd, async (client) => {
    const flow = signedFlowFromFile(file, readSigningKey(flags.key));
    await client.submitFlow(flow);
    const record = await client.waitFlow(flow.id, Number(flags.wait) || 300);
    process.stdout.write(`${flags.json ? JSON.stringify(record, null, 2) : describe(record)}\n`);
    return record.status === "finished" ? 0 : 1;
  });
}

export function status(id: string, flags: { json?: boolean }, cmd: Command) {
  return guarded(cmd, async (client) => {
    const record = await client.flowStatus(id);
    if (record === undefined) {
      say(`no flow "${id}"`);
      return 1;
    }
    process.stdout.write(`${flags.json ? JSON.stringify(record, null, 2) : describe(record)}\n`);
    return 0;
  });
}

export function cancel(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, async (client) => {
    if (!(await client.cancelFlow(id))) {
      say(`no flow "${id}" to cancel (none, or it ended already)`);
      return 1;
    }
    process.stdout.write(`cancelled ${id}\n`);
    return 0;
  });
}

export function list(flags: { limit: string; json?: boolean }, cmd: Command) {
  return guarded(cmd, async (client) => {
    const records = await client.listFlows(Number(flags.limit) || 50);
    if (flags.json) process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    else
      for (const r of records) {
        const done = r.nodes.filter((n) => n.state === "finished").length;
        process.stdout.write(
          `${r.id}  ${r.status}  ${done}/${r.nodes.length} nodes finished  ${r.created_at ?? ""}\n`,
        );
      }
    return 0;
  });
}

// What `horus flow ...` does (see horus-flow.ts): read a flow file (JSON or YAML), fill in
// its id and created_at when absent, validate and sign it (graph errors name the nodes,
// before anything is signed), submit and start it, wait for it, print its nodes.
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { type Flow, parseFlow, signFlow, unknownRunnersMessage } from "../job/index.js";
import type { FlowRecord } from "../protocol/index.js";
import { parseDurationMs } from "./durations.js";
import { seconds, UsageError, wholeNumber } from "./flags.js";
import { globalOptions, guarded, say } from "./horus-actions.js";
import { readSigningKey } from "./horus-job.js";

const json = { json: z.boolean().optional() };
const signOptions = globalOptions.extend({
  key: z.string().optional(),
  expiresIn: z.string().optional(),
  runnerCheck: z.boolean(),
});
const runOptions = signOptions.extend({ wait: seconds(), ...json });
const statusOptions = globalOptions.extend(json);
const listOptions = globalOptions.extend({ limit: wholeNumber(1), ...json });

/**
 * The flow in `path`, signed with `key`. An absent id is made from the file's name and the
 * time (an id can run once); an absent created_at is now.
 */
export async function signedFlowFromFile(
  path: string,
  key: string,
  opts: {
    expiresIn?: string;
    /** Runner ids among those given that nobody serves: refused before anything is signed. */
    unknownRunners?: (ids: string[]) => Promise<string[]>;
  } = {},
  now = new Date(),
): Promise<Flow> {
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
  if (opts.expiresIn !== undefined) {
    if (draft.expires_at !== undefined)
      throw new UsageError(`${path} sets expires_at already: leave out --expires-in`);
    let ms: number;
    try {
      ms = parseDurationMs(opts.expiresIn, "--expires-in");
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    draft.expires_at = new Date(Date.parse(String(draft.created_at)) + ms).toISOString();
  }
  let valid: Flow;
  try {
    valid = parseFlow(draft);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (opts.unknownRunners !== undefined) {
    const unknown = await opts.unknownRunners(valid.nodes.map((n) => n.runner));
    const message = unknownRunnersMessage(valid, unknown, "pass --no-runner-check");
    if (message !== undefined) throw new Error(message);
  }
  return signFlow(valid, key);
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

/** Reads, checks and signs the flow in `file` as the sign options say, through `client`. */
async function signed(
  file: string,
  flags: z.output<typeof signOptions>,
  client: { unknownRunners(ids: string[]): Promise<string[]> },
): Promise<Flow> {
  return signedFlowFromFile(file, readSigningKey(flags.key), {
    ...(flags.expiresIn === undefined ? {} : { expiresIn: flags.expiresIn }),
    ...(flags.runnerCheck ? { unknownRunners: (ids) => client.unknownRunners(ids) } : {}),
  });
}

export function submit(file: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, signOptions, async (flags, connect) => {
    const client = await connect();
    const flow = await signed(file, flags, client);
    process.stdout.write(`${await client.submitFlow(flow, flags.runnerCheck)}\n`);
    return 0;
  });
}

export function run(file: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, runOptions, async (flags, connect) => {
    const client = await connect();
    const flow = await signed(file, flags, client);
    await client.submitFlow(flow, flags.runnerCheck);
    const record = await client.waitFlow(flow.id, flags.wait);
    process.stdout.write(`${flags.json ? JSON.stringify(record, null, 2) : describe(record)}\n`);
    return record.status === "finished" ? 0 : 1;
  });
}

export function status(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, statusOptions, async (flags, connect) => {
    const record = await (await connect()).flowStatus(id);
    if (record === undefined) {
      say(`no flow "${id}"`);
      return 1;
    }
    process.stdout.write(`${flags.json ? JSON.stringify(record, null, 2) : describe(record)}\n`);
    return 0;
  });
}

export function cancel(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, globalOptions, async (_, connect) => {
    if (!(await (await connect()).cancelFlow(id))) {
      say(`no flow "${id}" to cancel (none, or it ended already)`);
      return 1;
    }
    process.stdout.write(`cancelled ${id}\n`);
    return 0;
  });
}

export function list(_flags: unknown, cmd: Command) {
  return guarded(cmd, listOptions, async (flags, connect) => {
    const records = await (await connect()).listFlows(flags.limit);
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

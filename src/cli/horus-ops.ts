// `horus dead ...` and `horus events`: what operators look at, the dead letters (jobs that
// used their attempts and failed; straight in Redis, or through a supervisor's dead.*
// methods) and the stream of job state changes. Loaded only when one of these commands runs
// (see horus.ts).

import type { Command } from "commander";
import { z } from "zod";
import { HorusClient, SupervisorClient } from "../client/index.js";
import {
  type JobStateEvent,
  jobCounts,
  listJobs,
  readEvents,
  recentEvents,
} from "../protocol/index.js";
import { parseTime } from "./durations.js";
import { UsageError } from "./flags.js";
import { globalOptions, guarded, printJson, say } from "./horus-actions.js";
import { parseEnv, readSigningKey } from "./horus-job.js";

/** Events and the job index are read from Redis; the dead letters either way (dead.*). */
function direct(client: unknown): HorusClient {
  if (client instanceof HorusClient) return client;
  throw new UsageError(
    "this command works on Redis directly (--redis-url); a supervisor has no method for it",
  );
}

/** `--limit`, `--last`: how many to list, 1 to 1000 (horus.ts gives the default). */
const pageSize = z.string().transform((text, ctx) => {
  const n = Number(text);
  if (Number.isSafeInteger(n) && n >= 1 && n <= 1000) return n;
  ctx.addIssue({ code: "custom", message: `expected a whole number 1-1000, got '${text}'` });
  return z.NEVER;
});

const json = { json: z.boolean().optional() };

const deadListOptions = globalOptions.extend({ runner: z.string(), limit: pageSize, ...json });

export function deadList(_flags: unknown, cmd: Command) {
  return guarded(cmd, deadListOptions, async (flags, connect) => {
    const { limit } = flags;
    const client = await connect();
    // `total` is left out through a supervisor with a user key (it sees only its letters).
    const { total, letters, has_more } = await client.deadLetters(flags.runner, { limit });
    if (flags.json) {
      printJson({ total, letters, has_more });
      return 0;
    }
    process.stdout.write("ID\tDIED\tATTEMPTS\tERROR_KIND\tERROR\n");
    for (const { id, died_at, record } of letters)
      process.stdout.write(
        `${id}\t${died_at}\t${record.attempts}\t${record.error_kind ?? ""}\t${(record.error ?? "").replace(/\s+/g, " ").slice(0, 120)}\n`,
      );
    if (has_more) say(`${letters.length} of ${total ?? "more"} shown (--limit)`);
    return 0;
  });
}

export function deadShow(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, globalOptions, async (_, connect) => {
    const client = await connect();
    const detail = await client.deadLetter(id);
    if (detail === undefined) throw new Error(`no job with id ${id}`);
    printJson(detail);
    return detail.dead ? 0 : 1;
  });
}

const deadRetryOptions = globalOptions.extend({
  key: z.string().optional(),
  env: z.array(z.string()),
});

export function deadRetry(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, deadRetryOptions, async (flags, connect) => {
    const key = readSigningKey(flags.key);
    const env = parseEnv(flags.env);
    if (Object.keys(env).length > 0 && !flags.supervisor)
      throw new UsageError(
        "--env gives the env_vars values a supervisor's API key may not see: it goes with --supervisor",
      );
    const client = await connect();
    // Signed here either way: a supervisor is only ever given the signed job.
    const job =
      client instanceof SupervisorClient
        ? await client.retryDead(id, key, env)
        : await client.retryDead(id, key);
    say(`job ${id} queued again as a new job, signed by your key`);
    process.stdout.write(`${job.id}\n`);
    return 0;
  });
}

/** `horus events`: the namespace's job state changes, and with --follow those to come. */
const eventsOptions = globalOptions.extend({
  runner: z.string().optional(),
  last: pageSize,
  follow: z.boolean().optional(),
  ...json,
});

export function events(_flags: unknown, cmd: Command) {
  return guarded(cmd, eventsOptions, async (flags, connect) => {
    const { last } = flags;
    const client = direct(await connect());
    const { keys } = client.store;
    const show = (e: JobStateEvent) => {
      if (flags.runner !== undefined && e.runner !== flags.runner) return;
      if (flags.json) process.stdout.write(`${JSON.stringify(e)}\n`);
      else {
        const { stream_id: _s, at, event, job, runner, ...rest } = e;
        const extra = Object.entries(rest)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ");
        process.stdout.write(`${at}  ${event.padEnd(11)} ${runner.padEnd(12)} ${job} ${extra}\n`);
      }
    };
    const recent = await recentEvents(client.store.redis, keys, last);
    for (const e of recent) show(e);
    if (!flags.follow) return 0;
    // Blocking reads on a connection of their own, from the last event shown on.
    const conn = client.store.redis.duplicate();
    let after = recent.at(-1)?.stream_id ?? "$";
    const stop = new Promise<void>((resolve) => process.once("SIGINT", resolve));
    let stopped = false;
    void stop.then(() => {
      stopped = true;
      conn.disconnect();
    });
    try {
      while (!stopped) {
        const batch = await readEvents(conn, keys, { after, blockMs: 5000, count: 500 }).catch(
          (e: unknown) => {
            if (stopped) return [];
            throw e;
          },
        );
        for (const e of batch) show(e);
        after = batch.at(-1)?.stream_id ?? after;
      }
    } finally {
      conn.disconnect();
    }
    return 0;
  });
}

const STATUSES = ["created", "scheduled", "dispatched", "started", "finished", "error"];

const jobsListOptions = globalOptions.extend({
  runner: z.string().optional(),
  status: z
    .string()
    .superRefine((status, ctx) => {
      if (!STATUSES.includes(status))
        ctx.addIssue({
          code: "custom",
          message: `expected one of ${STATUSES.join(", ")}, got '${status}'`,
        });
    })
    .optional(),
  // Read in the action: parseTime's message names the flag itself.
  since: z.string().optional(),
  limit: pageSize,
  ...json,
});

/** `horus jobs list`: jobs newest first, whoever submitted them, filtered. */
export function jobsList(_flags: unknown, cmd: Command) {
  return guarded(cmd, jobsListOptions, async (flags, connect) => {
    const { limit } = flags;
    let sinceMs: number | undefined;
    try {
      if (flags.since !== undefined) sinceMs = parseTime(flags.since, "--since").getTime();
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const client = direct(await connect());
    const page = await listJobs(client.store, {
      ...(flags.runner === undefined ? {} : { runner: flags.runner }),
      ...(flags.status === undefined ? {} : { status: flags.status }),
      ...(sinceMs === undefined ? {} : { sinceMs }),
      limit,
    });
    if (flags.json) {
      printJson(page);
      return 0;
    }
    process.stdout.write("ID\tRUNNER\tSTATUS\tSTORED\tATTEMPTS\tERROR_KIND\n");
    for (const j of page.jobs)
      process.stdout.write(
        `${j.id}\t${j.runner}\t${j.status}\t${j.stored_at}\t${j.attempts}\t${j.error_kind ?? ""}\n`,
      );
    if (page.next !== undefined) say(`more jobs are older than these (--limit ${limit})`);
    return 0;
  });
}

/** `horus jobs counts`: per runner id, jobs queued, scheduled, running, and ended totals. */
export function jobsCounts(_flags: unknown, cmd: Command) {
  const schema = globalOptions.extend({ runner: z.string().optional(), ...json });
  return guarded(cmd, schema, async (flags, connect) => {
    const client = direct(await connect());
    const ids =
      flags.runner !== undefined
        ? [flags.runner]
        : (await client.store.redis.smembers(client.store.keys.runnerIds())).sort();
    const rows = await jobCounts(client.store, ids);
    if (flags.json) {
      printJson(rows);
      return 0;
    }
    process.stdout.write("RUNNER\tQUEUED\tSCHEDULED\tRUNNING\tFINISHED\tERROR\tDEAD\n");
    for (const r of rows)
      process.stdout.write(
        `${r.runner}\t${r.queued}\t${r.scheduled}\t${r.running}\t${r.finished}\t${r.error}\t${r.dead}\n`,
      );
    return 0;
  });
}

export function deadPurge(ids: string[], _flags: unknown, cmd: Command) {
  const schema = globalOptions.extend({ runner: z.string(), all: z.boolean().optional() });
  return guarded(cmd, schema, async (flags, connect) => {
    if (ids.length === 0 && !flags.all)
      throw new UsageError(
        "give the ids to purge, or --all for every dead letter of the runner id",
      );
    const client = await connect();
    const purged = await client.purgeDead(flags.runner, ids.length === 0 ? undefined : ids);
    say(`${purged.length} dead letter(s) purged`);
    return 0;
  });
}

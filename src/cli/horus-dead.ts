// `horus dead ...`: the dead letters, jobs that used their attempts and failed. Loaded only
// when one of these commands runs (see horus.ts).
import type { Command } from "commander";
import { HorusClient } from "../client/index.js";
import { guarded, printJson, say } from "./horus-actions.js";
import { readSigningKey, UsageError } from "./horus-job.js";

/** The dead letters are read from Redis: the supervisor has its own methods for them. */
function direct(client: unknown): HorusClient {
  if (client instanceof HorusClient) return client;
  throw new UsageError(
    "horus dead works on Redis directly (--redis-url); through a supervisor use its dead.* methods",
  );
}

function pageSize(text: string | undefined): number {
  const n = text === undefined ? 50 : Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > 1000)
    throw new UsageError(`--limit: expected a whole number 1-1000, got "${text}"`);
  return n;
}

export function deadList(flags: { runner: string; json?: boolean; limit?: string }, cmd: Command) {
  return guarded(cmd, async (connect) => {
    const limit = pageSize(flags.limit);
    const client = direct(await connect());
    const { total, letters } = await client.deadLetters(flags.runner, { limit });
    if (flags.json) {
      printJson({ total, letters });
      return 0;
    }
    process.stdout.write("ID\tDIED\tATTEMPTS\tERROR_KIND\tERROR\n");
    for (const { id, died_at, record } of letters)
      process.stdout.write(
        `${id}\t${died_at}\t${record.attempts}\t${record.error_kind ?? ""}\t${(record.error ?? "").replace(/\s+/g, " ").slice(0, 120)}\n`,
      );
    if (total > letters.length) say(`${letters.length} of ${total} shown (--limit)`);
    return 0;
  });
}

export function deadShow(id: string, _flags: unknown, cmd: Command) {
  return guarded(cmd, async (connect) => {
    const client = direct(await connect());
    const detail = await client.deadLetter(id);
    if (detail === undefined) throw new Error(`no job with id ${id}`);
    printJson(detail);
    return detail.dead ? 0 : 1;
  });
}

export function deadRetry(id: string, flags: { key?: string }, cmd: Command) {
  return guarded(cmd, async (connect) => {
    const key = readSigningKey(flags.key);
    const client = direct(await connect());
    const job = await client.retryDead(id, key);
    say(`job ${id} queued again as a new job, signed by your key`);
    process.stdout.write(`${job.id}\n`);
    return 0;
  });
}

export function deadPurge(ids: string[], flags: { runner: string; all?: boolean }, cmd: Command) {
  return guarded(cmd, async (connect) => {
    if (ids.length === 0 && !flags.all)
      throw new UsageError(
        "give the ids to purge, or --all for every dead letter of the runner id",
      );
    const client = direct(await connect());
    const purged = await client.purgeDead(flags.runner, ids.length === 0 ? undefined : ids);
    say(`${purged} dead letter(s) purged`);
    return 0;
  });
}

// Runs the Lua scripts of `scripts.ts` by SHA, loading them on first use (or after a
// Redis restart wiped the script cache).
import { createHash } from "node:crypto";
import { type Command, type Redis, ReplyError } from "ioredis";
import { sendTogether, textCommand } from "./one-write.js";
import { type ScriptDef, scriptSource } from "./scripts.js";

const shas = new WeakMap<ScriptDef, string>();

function shaOf(def: ScriptDef): string {
  let sha = shas.get(def);
  if (sha === undefined) {
    sha = createHash("sha1").update(scriptSource(def)).digest("hex");
    shas.set(def, sha);
  }
  return sha;
}

function checkKeyCount(def: ScriptDef, keys: readonly string[]): void {
  if (def.keysPerItem === true) {
    if (keys.length === 0 || keys.length % def.keys !== 0)
      throw new Error(`${def.name} takes ${def.keys} keys per item, got ${keys.length}`);
  } else if (keys.length !== def.keys) {
    throw new Error(`${def.name} takes ${def.keys} keys, got ${keys.length}`);
  }
}

export async function runScript(
  redis: Redis,
  def: ScriptDef,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  checkKeyCount(def, keys);
  try {
    return await redis.evalsha(shaOf(def), keys.length, ...keys, ...args);
  } catch (e) {
    if (!isNoScript(e)) throw e;
    return await redis.eval(scriptSource(def), keys.length, ...keys, ...args);
  }
}

/**
 * The script call by SHA as a command of its own (see one-write.ts): its promise settles
 * with its own reply, before the commands sent after it have answered.
 */
export function scriptCommand(
  def: ScriptDef,
  keys: readonly string[],
  args: readonly (string | number)[],
): Command {
  checkKeyCount(def, keys);
  return textCommand("evalsha", shaOf(def), keys.length, ...keys, ...args);
}

export function isNoScript(error: unknown): boolean {
  return String((error as Error | undefined)?.message).includes("NOSCRIPT");
}

interface PendingCall {
  def: ScriptDef;
  keys: readonly string[];
  args: readonly (string | number)[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const pendingByConnection = new WeakMap<Redis, PendingCall[]>();

/**
 * Like `runScript`, but calls made on one connection in the same tick (a runner starting or
 * finishing several jobs at once, a client submitting many) go out together: one write
 * instead of one per call. Each call still gets its own reply or error, a call whose
 * script Redis has forgotten is retried on its own, and several such writes may be in flight
 * at once (unlike ioredis's auto-pipelining, which holds every command behind the one
 * pipeline it has running).
 */
export function runScriptBatched(
  redis: Redis,
  def: ScriptDef,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  checkKeyCount(def, keys);
  return new Promise((resolve, reject) => {
    let pending = pendingByConnection.get(redis);
    if (pending === undefined) {
      pending = [];
      pendingByConnection.set(redis, pending);
      process.nextTick(() => flush(redis));
    }
    pending.push({ def, keys, args, resolve, reject });
  });
}

function flush(redis: Redis): void {
  const calls = pendingByConnection.get(redis) ?? [];
  pendingByConnection.delete(redis);
  // Carried off by another connection's write meanwhile (see carryBatchedCalls).
  if (calls.length === 0) return;
  if (calls.length === 1) {
    const [c] = calls as [PendingCall];
    runScript(redis, c.def, c.keys, c.args).then(c.resolve, c.reject);
    return;
  }
  sendTogether(
    redis,
    calls.map((c) => scriptCommand(c.def, c.keys, c.args)),
  ).then(
    (replies) => {
      calls.forEach((c, i) => {
        const [error, value] = replies[i] ?? [new Error("no reply for a script call"), null];
        if (error === null) c.resolve(value);
        else if (isNoScript(error))
          runScript(redis, c.def, c.keys, c.args).then(c.resolve, c.reject);
        else c.reject(error);
      });
    },
    (error: unknown) => {
      for (const c of calls) c.reject(error);
    },
  );
}

/**
 * Takes the script calls waiting for this tick's flush on `from`, as commands to send on
 * another connection to the same server, ahead of whatever that connection sends next in the
 * same write (see writeTogether). A runner uses it to send a job's end in the same write as
 * its next blocking take. Each call still settles with its own reply, before the later
 * commands have answered. A call whose script Redis has forgotten, or whose reply the
 * carrying connection lost (closed to interrupt a blocking command, say), runs again on
 * `from`. Not for a Cluster, whose pipelines resend commands without settling the ones given
 * to them.
 */
export function carryBatchedCalls(from: Redis): Command[] {
  const calls = pendingByConnection.get(from);
  if (calls === undefined) return [];
  pendingByConnection.delete(from);
  return calls.map((c) => {
    const command = scriptCommand(c.def, c.keys, c.args);
    command.promise.then(c.resolve, (error: unknown) => {
      if (error instanceof ReplyError && !isNoScript(error)) c.reject(error);
      else runScript(from, c.def, c.keys, c.args).then(c.resolve, c.reject);
    });
    return command;
  });
}

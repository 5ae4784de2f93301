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

type Args = readonly (string | number)[];

interface PendingCall {
  def: ScriptDef;
  keys: readonly string[];
  /** Read when the call is sent (see runScriptBatched). */
  args: Args | (() => Args);
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const pendingByConnection = new WeakMap<Redis, PendingCall[]>();

/**
 * Like `runScript`, but calls made on one connection in the same tick (a runner starting or
 * finishing several jobs at once, a client submitting many) go out together: one write
 * instead of one per call, and calls of a script that has a `many` form as one call of it.
 * Each call still gets its own reply or error, a call whose script Redis has forgotten is
 * retried on its own, and several such writes may be in flight at once (unlike ioredis's
 * auto-pipelining, which holds every command behind the one pipeline it has running).
 * `args` may be a function: it is called when the call is sent, at the end of the tick, so
 * a caller can still change what it asks for (JobStore.takeAlong adds to a take's count).
 */
export function runScriptBatched(
  redis: Redis,
  def: ScriptDef,
  keys: readonly string[],
  args: Args | (() => Args),
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

/**
 * One script call for one pending call, or for all of a tick's calls of a script with a
 * `many` form (then `def` is that form, with every call's keys and arguments in turn).
 */
interface Outgoing {
  calls: PendingCall[];
  def: ScriptDef;
  keys: readonly string[];
  args: Args;
  command: Command;
}

function outgoingCall(calls: PendingCall[], def: ScriptDef, keys: readonly string[], args: Args) {
  return { calls, def, keys, args, command: scriptCommand(def, keys, args) };
}

/** The tick's calls as script calls, in order; a merged one stands where its first call was. */
function outgoing(calls: readonly PendingCall[]): Outgoing[] {
  const groups: PendingCall[][] = [];
  const byScript = new Map<ScriptDef, PendingCall[]>();
  for (const call of calls) {
    if (call.def.many === undefined) {
      groups.push([call]);
      continue;
    }
    let group = byScript.get(call.def);
    if (group === undefined) {
      group = [];
      byScript.set(call.def, group);
      groups.push(group);
    }
    group.push(call);
  }
  return groups.map((group) => {
    const [first] = group as [PendingCall];
    const args = group.map((c) => (typeof c.args === "function" ? c.args() : c.args));
    if (group.length === 1 || first.def.many === undefined)
      return outgoingCall(group, first.def, first.keys, args[0] as Args);
    return outgoingCall(
      group,
      first.def.many,
      group.flatMap((c) => c.keys),
      args.flat(),
    );
  });
}

/**
 * Settles each call of a sent script call with its share of the reply. A script Redis had
 * forgotten (or a reply the carrying connection lost) runs again on `redis`, loaded anew.
 */
function settle(redis: Redis, sent: Outgoing, error: unknown, value: unknown): void {
  const { calls } = sent;
  if (error === RUN_AGAIN || isNoScript(error)) {
    runScript(redis, sent.def, sent.keys, sent.args).then(
      (again) => settle(redis, sent, null, again),
      (failed: unknown) => settle(redis, sent, failed, null),
    );
    return;
  }
  if (error !== null && error !== undefined) {
    for (const c of calls) c.reject(error);
    return;
  }
  if (calls.length === 1) {
    calls[0]?.resolve(value);
    return;
  }
  if (!Array.isArray(value) || value.length !== calls.length) {
    const wrong = new Error(`${sent.def.name} answered ${String(value)}`);
    for (const c of calls) c.reject(wrong);
    return;
  }
  // An item's own error comes as an error inside the array.
  calls.forEach((c, i) => {
    if (value[i] instanceof Error) c.reject(value[i]);
    else c.resolve(value[i]);
  });
}

/** What settle() is given for a call whose reply was lost: run it again. */
const RUN_AGAIN = Symbol("run again");

function flush(redis: Redis): void {
  const calls = pendingByConnection.get(redis) ?? [];
  pendingByConnection.delete(redis);
  // Carried off by another connection's write meanwhile (see carryBatchedCalls).
  if (calls.length === 0) return;
  if (calls.length === 1) {
    const [c] = calls as [PendingCall];
    runScript(redis, c.def, c.keys, typeof c.args === "function" ? c.args() : c.args).then(
      c.resolve,
      c.reject,
    );
    return;
  }
  const sent = outgoing(calls);
  sendTogether(
    redis,
    sent.map((o) => o.command),
  ).then(
    (replies) => {
      sent.forEach((o, i) => {
        const [error, value] = replies[i] ?? [new Error("no reply for a script call"), null];
        settle(redis, o, error, value);
      });
    },
    (error: unknown) => {
      for (const o of sent) for (const c of o.calls) c.reject(error);
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
  return outgoing(calls).map((o) => {
    o.command.promise.then(
      (value: unknown) => settle(from, o, null, value),
      (error: unknown) => {
        // A reply error is the script's answer; anything else (the carrier closed) is not.
        if (error instanceof ReplyError) settle(from, o, error, null);
        else settle(from, o, RUN_AGAIN, null);
      },
    );
    return o.command;
  });
}

// Runs the Lua scripts of `scripts.ts` by SHA, loading them on first use (or after a
// Redis restart wiped the script cache).
import { createHash } from "node:crypto";
import { type ChainableCommander, Command, type Pipeline, type Redis, ReplyError } from "ioredis";
import type { ScriptDef } from "./scripts.js";

const shas = new WeakMap<ScriptDef, string>();

function shaOf(def: ScriptDef): string {
  let sha = shas.get(def);
  if (sha === undefined) {
    sha = createHash("sha1").update(def.lua).digest("hex");
    shas.set(def, sha);
  }
  return sha;
}

function checkKeyCount(def: ScriptDef, keys: readonly string[]): void {
  if (keys.length !== def.keys) {
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
    return await redis.evalsha(shaOf(def), def.keys, ...keys, ...args);
  } catch (e) {
    if (!isNoScript(e)) throw e;
    return await redis.eval(def.lua, def.keys, ...keys, ...args);
  }
}

/**
 * Adds the script to a pipeline by its SHA (the cheap form). Its reply may be a NOSCRIPT
 * error after Redis lost its script cache: the caller then runs it again with `runScript`.
 */
export function queueScriptBySha(
  pipeline: ChainableCommander,
  def: ScriptDef,
  keys: readonly string[],
  args: readonly (string | number)[],
): void {
  checkKeyCount(def, keys);
  pipeline.evalsha(shaOf(def), def.keys, ...keys, ...args);
}

/**
 * The script call by SHA as a command of its own, for `pipeline.sendCommand`: its promise
 * settles with its own reply, before the pipeline's later commands have answered.
 */
export function scriptCommand(
  def: ScriptDef,
  keys: readonly string[],
  args: readonly (string | number)[],
): Command {
  checkKeyCount(def, keys);
  return new Command("evalsha", [shaOf(def), def.keys, ...keys, ...args], {
    replyEncoding: "utf8",
  });
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
 * finishing several jobs at once, a client submitting many) go out as one pipeline: one
 * write instead of one per call. Each call still gets its own reply or error, a call whose
 * script Redis has forgotten is retried on its own, and several pipelines may be in flight
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
  // Carried off by another connection's pipeline meanwhile (see carryBatchedCalls).
  if (calls.length === 0) return;
  if (calls.length === 1) {
    const [c] = calls as [PendingCall];
    runScript(redis, c.def, c.keys, c.args).then(c.resolve, c.reject);
    return;
  }
  const pipeline = redis.pipeline();
  for (const c of calls) pipeline.evalsha(shaOf(c.def), c.def.keys, ...c.keys, ...c.args);
  pipeline.exec().then(
    (replies) => {
      calls.forEach((c, i) => {
        const [error, value] = replies?.[i] ?? [new Error("no reply in the pipeline"), null];
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
 * Moves the script calls waiting for this tick's flush on `from` into `pipeline`, a pipeline
 * on another connection to the same server, ahead of whatever is added to it next. A runner
 * uses it to send a job's end in the same write as its next blocking take. Each call still
 * settles with its own reply, before the pipeline's later commands have answered. A call
 * whose script Redis has forgotten, or whose reply the carrying connection lost (closed to
 * interrupt a blocking command, say), runs again on `from`. Not for a Cluster, whose
 * pipelines resend commands without settling the ones given to them.
 */
export function carryBatchedCalls(from: Redis, pipeline: Pipeline): void {
  const calls = pendingByConnection.get(from);
  if (calls === undefined) return;
  pendingByConnection.delete(from);
  for (const c of calls) {
    const command = new Command("evalsha", [shaOf(c.def), c.def.keys, ...c.keys, ...c.args], {
      replyEncoding: "utf8",
    });
    pipeline.sendCommand(command);
    command.promise.then(c.resolve, (error: unknown) => {
      if (error instanceof ReplyError && !isNoScript(error)) c.reject(error);
      else runScript(from, c.def, c.keys, c.args).then(c.resolve, c.reject);
    });
  }
}

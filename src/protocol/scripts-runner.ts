// Runs the Lua scripts of `scripts.ts` by SHA, loading them on first use (or after a
// Redis restart wiped the script cache).
import { createHash } from "node:crypto";
import type { ChainableCommander, Redis } from "ioredis";
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
    if (!String((e as Error).message).includes("NOSCRIPT")) throw e;
    return await redis.eval(def.lua, def.keys, ...keys, ...args);
  }
}

/** Adds the script to a pipeline by its full text (pipelines cannot recover from NOSCRIPT). */
export function queueScript(
  pipeline: ChainableCommander,
  def: ScriptDef,
  keys: readonly string[],
  args: readonly (string | number)[],
): void {
  checkKeyCount(def, keys);
  pipeline.eval(def.lua, def.keys, ...keys, ...args);
}

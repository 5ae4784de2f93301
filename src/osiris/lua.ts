// A Lua script run by its SHA1, loaded on first use (or after a server restart or failover
// flushed the script cache).

import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export class LuaScript {
  private readonly sha: string;

  constructor(
    /** A name for error messages. */
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith("NOSCRIPT")) throw e;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

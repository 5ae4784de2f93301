// A Lua script run by its SHA1, loaded on first use (or after a server restart or failover
// flushed the script cache).

import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export class LuaScript {
  private readonly sha: string;
  /** What is sent: a `#!lua` flags line (see the protocol's scriptSource), then the Lua. */
  private readonly source: string;

  constructor(
    /** A name for error messages. */
    readonly name: string,
    lua: string,
    /** A script that never writes runs even when Redis is out of memory. */
    options: { readOnly?: boolean } = {},
  ) {
    // Flagged, a writing script is refused as a whole when Redis is out of memory, instead
    // of failing half-way at its first write that Redis judges.
    this.source = `#!lua${options.readOnly ? " flags=no-writes" : ""}\n${lua}`;
    this.sha = createHash("sha1").update(this.source).digest("hex");
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

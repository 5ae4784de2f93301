// Reads what the test executor recorded (see test/fixtures/test-runner.mjs).
import type { Redis } from "ioredis";

/** Job ids in the order their executions started, one entry per real execution. */
export async function executedIds(redis: Redis, recordKey: string): Promise<string[]> {
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const entry of await redis.lrange(recordKey, 0, -1)) {
    if (seen.has(entry)) continue; // the same RPUSH delivered twice, not a second execution
    seen.add(entry);
    ids.push(entry.split(" ")[0] ?? entry);
  }
  return ids;
}

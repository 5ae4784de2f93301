// Each test works under its own namespace on the real Redis and removes it afterwards.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_URL = process.env.HORUS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function uniqueNamespace(label = "t"): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

export function testRedis(url = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3 });
}

/** Deletes every key under `namespace:` (SCAN, never KEYS). */
export async function dropNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

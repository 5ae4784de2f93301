// Shared set-up of the Osiris tests: a real Redis, a runner namespace unique to each test
// (so tests never see each other's keys) and cleanup of everything under it.
import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_URL = "redis://127.0.0.1:6379";

export function connect(): Redis {
  return new Redis(REDIS_URL);
}

/** A fresh runner namespace: every key a test writes starts with it. */
export function uniqueNamespace(): string {
  return `test-osiris-${randomUUID()}`;
}

/** A random compressed public key (33 bytes, hex); real enough for access lists. */
export function publicKey(): string {
  return (Math.random() < 0.5 ? "02" : "03") + randomBytes(32).toString("hex");
}

/** Every key under a runner namespace. */
export async function keysUnder(redis: Redis, namespace: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return found.sort();
}

export async function removeNamespace(redis: Redis, namespace: string): Promise<void> {
  const keys = await keysUnder(redis, namespace);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

// SCAN over every key matching a pattern. On one server that is one cursor loop; a Redis
// Cluster keeps each key on one master and SCAN sees only the node it runs on, so there the
// loop runs on every master.
import type { Redis } from "ioredis";
import { masterNodes } from "./connection.js";

async function scanNode(node: Redis, pattern: string, into: Set<string>): Promise<void> {
  let cursor = "0";
  do {
    const [next, batch] = await node.scan(cursor, "MATCH", pattern, "COUNT", 500);
    cursor = next;
    for (const key of batch) into.add(key);
  } while (cursor !== "0");
}

/** Every key matching `pattern` (SCAN, never KEYS), each once. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  // A key moving between masters while we scan may be seen on both: the set keeps it once.
  for (const node of masterNodes(redis)) await scanNode(node, pattern, found);
  return [...found];
}

// API keys and scopes. A key is a random secret shown once; only its SHA-256 is stored, so a
// leaked Redis dump does not leak working keys. The admin key comes from a file on the
// supervisor's own disk and is never written to Redis.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { ApiKeyRecord, SupervisorStore } from "../protocol/index.js";

export const SCOPES = ["admin", "registrar", "user"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, once their key checked out. */
export interface Caller {
  /** Public id of the key ("admin" for the key from the admin key file). */
  keyId: string;
  name: string;
  scope: Scope;
}

export function newApiKey(): string {
  return `hsk_${randomBytes(32).toString("hex")}`;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The public id of a key: short enough to type, long enough not to collide. */
export function keyIdOf(hash: string): string {
  return hash.slice(0, 16);
}

/**
 * Reads the admin key from `path`, or generates one and writes it there (mode 600) when the
 * file does not exist. Returns the key and whether it was created.
 */
export function loadOrCreateAdminKey(path: string): { key: string; created: boolean } {
  if (existsSync(path)) {
    const key = readFileSync(path, "utf8").trim();
    if (key.length < 16) throw new Error(`admin key file ${path} holds no usable key`);
    return { key, created: false };
  }
  const key = newApiKey();
  // flag "wx": never overwrite a file another process created in the meantime.
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: "wx" });
  return { key, created: true };
}

export class Authenticator {
  private readonly adminHash: string;

  constructor(
    private readonly store: SupervisorStore,
    adminKey: string,
  ) {
    this.adminHash = hashApiKey(adminKey);
  }

  /** The caller a key belongs to, or undefined for an unknown key. */
  async identify(key: string): Promise<Caller | undefined> {
    const hash = hashApiKey(key);
    if (hash === this.adminHash) return { keyId: "admin", name: "admin", scope: "admin" };
    const record = await this.store.apiKey(hash);
    if (record === undefined) return undefined;
    return { keyId: record.id, name: record.name, scope: record.scope as Scope };
  }

  /** Makes a key; the secret is returned once and never again. */
  async create(
    name: string,
    scope: Scope,
  ): Promise<{ key: string } & ApiKeyRecord & { scope: Scope }> {
    const key = newApiKey();
    const hash = hashApiKey(key);
    const record = {
      id: keyIdOf(hash),
      name,
      scope,
      created_at: new Date().toISOString(),
    };
    await this.store.addApiKey(hash, record);
    return { key, ...record };
  }
}

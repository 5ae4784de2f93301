// What the supervisor keeps in Redis beyond the job keys of docs/protocol.md: its API keys (hashed),
// the runners registered with it and an index of the jobs it stored, so jobs.list can page
// without scanning the key space. Key strings live here and nowhere else in the supervisor.
import type { Redis } from "ioredis";
import { EVENT_FN, QUEUE_FN } from "./lua-parts.js";
import type { ScriptDef } from "./scripts.js";
import { runScript } from "./scripts-runner.js";
import type { JobStore } from "./store.js";

export class SupervisorKeys {
  private readonly prefix: string;

  constructor(namespace = "") {
    this.prefix = namespace === "" ? "" : `${namespace}:`;
  }
  /** Hash: sha256(api key) hex -> JSON of the key's record. */
  apiKeys(): string {
    return `${this.prefix}supervisor:api_keys`;
  }
  /** Hash: runner name -> JSON of its registration. */
  runners(): string {
    return `${this.prefix}supervisor:runners`;
  }
  /** Sorted set: job id scored by its creation time (ms). */
  jobIndex(): string {
    return `${this.prefix}supervisor:jobs`;
  }
}

export interface ApiKeyRecord {
  /** Short public id of the key (a prefix of its hash): what auth.remove_key takes. */
  id: string;
  name: string;
  scope: string;
  created_at: string;
}

export interface RunnerRegistration {
  name: string;
  queue: string;
  registered_at: string;
}

/** Marks a stored job as queued (`dispatched`) and pushes it, once: a second start is refused. */
const QUEUE_STORED: ScriptDef = {
  name: "horusSupervisorQueueStored",
  keys: 3,
  lua: `
-- KEYS[1] job hash, KEYS[2] runner queue, KEYS[3] the runner id's delayed set
-- ARGV[1] job id, ARGV[2] now (RFC 3339), ARGV[3] its run_at in ms when that lies ahead
-- (0: now), ARGV[4] the runner id's control channel
-- returns 1 queued (or scheduled), -1 no such job, -2 queued before, -3 the job has ended
${QUEUE_FN}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'finished' or status == 'error' then return -3 end
if redis.call('HSETNX', KEYS[1], 'queued_at', ARGV[2]) == 0 then return -2 end
local due = tonumber(ARGV[3]) or 0
${EVENT_FN}
local runner = redis.call('HGET', KEYS[1], 'runner')
if due > 0 then
  emit(KEYS[1], ARGV[1], 'scheduled', runner)
  redis.call('HSET', KEYS[1], 'status', 'scheduled', 'updated_at', ARGV[2])
  redis.call('ZADD', KEYS[3], due, ARGV[1])
  redis.call('PUBLISH', ARGV[4], '{"due":' .. string.format('%d', due) .. '}')
  return 1
end
if status == 'created' then
  redis.call('HSET', KEYS[1], 'status', 'dispatched', 'updated_at', ARGV[2])
end
push_queued(KEYS[2], redis.call('HGET', KEYS[1], 'priority'), ARGV[1], false)
emit(KEYS[1], ARGV[1], 'queued', runner)
return 1
`,
};

/**
 * Deletes a job's keys unless it is running. Never its claim (job:{id}:claim): that is the
 * replay guard, and it must outlive every moment the signed job could still be accepted
 * (created_at + max job age + clock skew). The runner gave it that TTL; it expires on its own.
 * Deleting it would let anyone holding the job's bytes store and run the job again.
 */
const DELETE_JOB: ScriptDef = {
  name: "horusSupervisorDeleteJob",
  keys: 5,
  lua: `
-- KEYS[1] job hash, KEYS[2] result, KEYS[3] logs, KEYS[4] reply, KEYS[5] supervisor job index
-- ARGV[1] job id
-- returns 1 deleted, -1 no such job, -2 running
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[5], ARGV[1])
  return -1
end
if redis.call('HGET', KEYS[1], 'status') == 'started' then return -2 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1
`,
};

/**
 * Records which API key stored a job, in fields of the job's own hash (so they go when the
 * job goes), and only if the job is still there: a job deleted in between is not made
 * again as a hash of two fields.
 */
const SET_OWNER: ScriptDef = {
  name: "horusSupervisorSetOwner",
  keys: 1,
  lua: `
-- KEYS[1] job hash
-- ARGV[1] owner field, ARGV[2] key id, ARGV[3] owner name field, ARGV[4] key name
-- returns 1 recorded, 0 no such job
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1
`,
};

/**
 * Fields the supervisor adds to a job's hash: the public id and name of the API key that
 * stored it (never its secret). Runners read only the job's own fields and ignore these.
 */
export const OWNER_FIELD = "submitted_by";
export const OWNER_NAME_FIELD = "submitted_by_name";

/** Who stored a job, and the runner's signature over its outcome, as far as the hash holds them. */
export interface JobExtras {
  /** Whether the job exists at all. */
  exists: boolean;
  /** Public id of the API key that stored it; undefined for a job stored some other way. */
  owner?: string;
  ownerName?: string;
  /** The ending runner's signature over the outcome (hex), when the runner signs. */
  resultSignature?: string;
  /** Its compressed public key (hex). */
  resultSigner?: string;
}

export type QueueOutcome = "queued" | "missing" | "queued-before" | "ended";
export type DeleteOutcome = "deleted" | "missing" | "running";

/** The fields of a job hash that a listing shows (never the payload, which may be large). */
const SUMMARY_FIELDS = [
  "id",
  "runner",
  "status",
  "caller_id",
  "context_id",
  "executor",
  "created_at",
  "started_at",
  "finished_at",
  "error_kind",
  OWNER_FIELD,
] as const;

export type JobSummary = Partial<Record<(typeof SUMMARY_FIELDS)[number], string>> & {
  id: string;
};

export class SupervisorStore {
  readonly keys: SupervisorKeys;

  constructor(
    readonly jobs: JobStore,
    private readonly redis: Redis = jobs.redis,
  ) {
    this.keys = new SupervisorKeys(jobs.keys.namespace);
  }

  // --- API keys -------------------------------------------------------------------------

  async addApiKey(hash: string, record: ApiKeyRecord): Promise<void> {
    await this.redis.hset(this.keys.apiKeys(), hash, JSON.stringify(record));
  }

  async apiKey(hash: string): Promise<ApiKeyRecord | undefined> {
    const text = await this.redis.hget(this.keys.apiKeys(), hash);
    return text === null ? undefined : (JSON.parse(text) as ApiKeyRecord);
  }

  async apiKeys(): Promise<ApiKeyRecord[]> {
    const all = await this.redis.hgetall(this.keys.apiKeys());
    return Object.values(all)
      .map((text) => JSON.parse(text) as ApiKeyRecord)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  /** Removes the key whose public id is `id`; false when there is none. */
  async removeApiKey(id: string): Promise<boolean> {
    const all = await this.redis.hgetall(this.keys.apiKeys());
    for (const [hash, text] of Object.entries(all)) {
      if ((JSON.parse(text) as ApiKeyRecord).id === id) {
        return (await this.redis.hdel(this.keys.apiKeys(), hash)) === 1;
      }
    }
    return false;
  }

  // --- runners --------------------------------------------------------------------------

  async registerRunner(reg: RunnerRegistration): Promise<void> {
    await this.redis.hset(this.keys.runners(), reg.name, JSON.stringify(reg));
  }

  async registeredRunner(name: string): Promise<RunnerRegistration | undefined> {
    const text = await this.redis.hget(this.keys.runners(), name);
    return text === null ? undefined : (JSON.parse(text) as RunnerRegistration);
  }

  async registeredRunners(): Promise<RunnerRegistration[]> {
    const all = await this.redis.hgetall(this.keys.runners());
    return Object.values(all)
      .map((text) => JSON.parse(text) as RunnerRegistration)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** How many job ids wait in each runner's queue. */
  async queueLengths(runnerIds: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    if (runnerIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const id of runnerIds) pipeline.llen(this.jobs.keys.queue(id));
    const replies = (await pipeline.exec()) ?? [];
    runnerIds.forEach((id, i) => {
      out[id] = Number(replies[i]?.[1] ?? 0);
    });
    return out;
  }

  // --- jobs -----------------------------------------------------------------------------

  /** Adds a stored job to the index jobs.list reads. */
  async indexJob(id: string, createdAt: string): Promise<void> {
    const score = Date.parse(createdAt);
    await this.redis.zadd(this.keys.jobIndex(), Number.isNaN(score) ? Date.now() : score, id);
  }

  /** Queues a stored job on `runnerId`'s queue, once. */
  /**
   * The job's run_at in ms when it lies ahead (0 otherwise): a stored job started before
   * its time waits in the delayed set, as a submitted one does.
   */
  private async dueLater(id: string): Promise<number> {
    const runAt = Date.parse((await this.redis.hget(this.jobs.keys.job(id), "run_at")) ?? "");
    return Number.isFinite(runAt) && runAt > Date.now() ? runAt : 0;
  }

  async queueStored(id: string, runnerId: string): Promise<QueueOutcome> {
    const code = await runScript(
      this.redis,
      QUEUE_STORED,
      [this.jobs.keys.job(id), this.jobs.keys.queue(runnerId), this.jobs.keys.delayed(runnerId)],
      [id, new Date().toISOString(), await this.dueLater(id), this.jobs.keys.control(runnerId)],
    );
    if (code === 1) return "queued";
    if (code === -1) return "missing";
    if (code === -2) return "queued-before";
    return "ended";
  }

  /** Records the API key (public id and name) that stored a job; false if the job is gone. */
  async setOwner(id: string, owner: { id: string; name: string }): Promise<boolean> {
    const code = await runScript(
      this.redis,
      SET_OWNER,
      [this.jobs.keys.job(id)],
      [OWNER_FIELD, owner.id, OWNER_NAME_FIELD, owner.name],
    );
    return code === 1;
  }

  /** A job's owner and result signature, in one read. */
  async jobExtras(id: string): Promise<JobExtras> {
    const [jobId, status, owner, ownerName, resultSignature, resultSigner] = await this.redis.hmget(
      this.jobs.keys.job(id),
      "id",
      "status",
      OWNER_FIELD,
      OWNER_NAME_FIELD,
      "result_signature",
      "result_signer",
    );
    const given = (v: string | null | undefined) => (v ? v : undefined);
    return {
      exists: Boolean(jobId) || Boolean(status),
      owner: given(owner),
      ownerName: given(ownerName),
      resultSignature: given(resultSignature),
      resultSigner: given(resultSigner),
    };
  }

  /** The API key (public id) that stored each job, in the order given; undefined for none. */
  async owners(ids: readonly string[]): Promise<(string | undefined)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.jobs.keys.job(id), OWNER_FIELD);
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((_, i) => (replies[i]?.[1] as string | null | undefined) || undefined);
  }

  async deleteJob(id: string): Promise<DeleteOutcome> {
    const k = this.jobs.keys;
    const code = await runScript(
      this.redis,
      DELETE_JOB,
      [k.job(id), k.result(id), k.logs(id), k.reply(id), this.keys.jobIndex()],
      [id],
    );
    if (code === 1) return "deleted";
    if (code === -1) return "missing";
    return "running";
  }

  /**
   * Summaries of indexed jobs, newest first, in batches of `batch` ids; ids whose job has
   * expired are dropped from the index on the way. `wantPayload` also loads payloads (for
   * a search that looks into them).
   */
  async *jobSummaries(
    batch = 200,
    wantPayload = false,
  ): AsyncGenerator<JobSummary & { payload?: string }> {
    let start = 0;
    for (;;) {
      // Payloads may be large: fewer of them per round trip.
      const size = wantPayload ? Math.min(batch, 50) : batch;
      const ids = await this.redis.zrevrange(this.keys.jobIndex(), start, start + size - 1);
      if (ids.length === 0) return;
      const fields: string[] = [...SUMMARY_FIELDS, ...(wantPayload ? ["payload"] : [])];
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hmget(this.jobs.keys.job(id), ...fields);
      const replies = (await pipeline.exec()) ?? [];
      const gone: string[] = [];
      for (let i = 0; i < ids.length; i++) {
        const values = (replies[i]?.[1] ?? []) as (string | null)[];
        const id = ids[i] as string;
        if (values.every((v) => v === null)) {
          gone.push(id);
          continue;
        }
        const summary: Record<string, string> = { id };
        fields.forEach((f, j) => {
          const v = values[j];
          if (v !== null && v !== undefined && v !== "") summary[f] = v;
        });
        summary.id = id;
        yield summary as JobSummary & { payload?: string };
      }
      if (gone.length > 0) {
        await this.redis.zrem(this.keys.jobIndex(), ...gone);
        // The index shrank under us: the next batch starts that much earlier.
        start -= gone.length;
      }
      start += ids.length;
    }
  }
}

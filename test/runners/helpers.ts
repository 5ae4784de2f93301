// A real runner process of one of our commands, a client, and a namespace of their own.
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import { HorusClient } from "../../src/client/index.js";
import {
  createJob,
  generateKeyPair,
  type Job,
  type KeyPair,
  signJob,
} from "../../src/job/index.js";
import type { JobRecord } from "../../src/protocol/index.js";
import { distBin, type Proc, startRunner } from "../helpers/processes.js";
import { dropNamespace, REDIS_URL, uniqueNamespace } from "../helpers/redis.js";

export interface RunnerWorld {
  ns: string;
  runnerId: string;
  keys: KeyPair;
  client: HorusClient;
  runner: Proc;
  job(payload: string, extra?: Partial<Job>, signers?: KeyPair[]): Job;
  run(payload: string, extra?: Partial<Job>, signers?: KeyPair[]): Promise<JobRecord>;
  close(): Promise<void>;
}

export function fixture(area: string, name: string): string {
  return readFileSync(new URL(`../${area}/fixtures/${name}`, import.meta.url), "utf8");
}

export async function runnerWorld(
  bin: string,
  redis: Redis,
  options: { args?: string[]; trusted?: KeyPair[]; runnerId?: string } = {},
): Promise<RunnerWorld> {
  const ns = uniqueNamespace(bin);
  const runnerId = options.runnerId ?? bin;
  const keys = generateKeyPair();
  const trusted = [keys, ...(options.trusted ?? [])];
  const runner = await startRunner({
    script: distBin(bin),
    runnerId,
    namespace: ns,
    trustedKeys: trusted.map((k) => k.public_key),
    redisUrl: REDIS_URL,
    args: options.args ?? [],
  });
  const client = new HorusClient({ redisUrl: REDIS_URL, namespace: ns });
  const job = (payload: string, extra: Partial<Job> = {}, signers: KeyPair[] = [keys]): Job => {
    let j: Job = { ...createJob({ payload, runner: runnerId, timeout: 30 }), ...extra };
    for (const s of signers) j = signJob(j, s.private_key);
    return j;
  };
  return {
    ns,
    runnerId,
    keys,
    client,
    runner,
    job,
    run: (payload, extra, signers) => client.run(job(payload, extra, signers)),
    async close() {
      await runner.stop("SIGKILL");
      await client.close();
      await dropNamespace(redis, ns);
    },
  };
}

/** The output of a finished job, or a readable failure. */
export function outputOf(record: JobRecord): string {
  if (record.status !== "finished" || !record.result || !("success" in record.result)) {
    throw new Error(
      `job ${record.id} ended ${record.status} (${record.error_kind}): ${record.error}`,
    );
  }
  return record.result.success;
}

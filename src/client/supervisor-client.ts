// The client library's way through a supervisor (JSON-RPC over HTTP) instead of straight to
// Redis. Its methods answer like HorusClient's, so `horus --supervisor URL` can use either.
import { type Flow, type Job, parseJob, signJob } from "../job/index.js";
import {
  type DeadLetterDetail,
  type DeadPage,
  type FlowRecord,
  type InstanceInfo,
  type JobRecord,
  type JobResult,
  type LogTail,
  NotDeadError,
} from "../protocol/index.js";
import { WaitTimeoutError } from "./client.js";
import { followLogs } from "./follow.js";

/** Error codes the supervisor answers with that this client acts on (see src/supervisor). */
const CODES = {
  jobNotFound: -32013,
  jobState: -32014,
  waitTimeout: -32040,
  flowNotFound: -32091,
  flowState: -32092,
} as const;

/** How often waitFlow asks for a flow's status. */
const FLOW_POLL_MS = 500;

export class SupervisorRpcError extends Error {
  override readonly name = "SupervisorRpcError";

  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface SupervisorClientOptions {
  /** Base URL of the supervisor, e.g. http://127.0.0.1:3030 */
  url: string;
  /** API key sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
}

interface RunnerStatus {
  name: string;
  instances: InstanceInfo[];
}

/** dead.show's answer: a dead letter's retry comes with it, unsigned. */
interface DeadShow extends DeadLetterDetail {
  retry_job?: unknown;
  retry_refused?: string;
  redacted_env_vars?: string[];
}

export class SupervisorClient {
  private nextId = 1;
  private readonly endpoint: string;

  constructor(private readonly options: SupervisorClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new Error(
        `--supervisor takes a URL such as http://127.0.0.1:3030, got "${options.url}"`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`supervisor URL must be http or https, got ${url.protocol}`);
    }
    this.endpoint = url.href;
  }

  /** Calls one method with by-name params; throws SupervisorRpcError on an error answer. */
  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
      });
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
      throw new Error(`cannot reach the supervisor at ${this.endpoint}: ${cause}`);
    }
    const text = await response.text();
    let body: { result?: T; error?: { code: number; message: string; data?: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(
        `the supervisor answered ${response.status} with no JSON: ${text.slice(0, 200)}`,
      );
    }
    if (body.error)
      throw new SupervisorRpcError(body.error.code, body.error.message, body.error.data);
    return body.result as T;
  }

  /** Checks that the supervisor answers and accepts the key. */
  async ready(): Promise<void> {
    await this.call("auth.verify");
  }

  /** Stores the (signed) job and queues it. */
  async submit(job: Job): Promise<string> {
    await this.call("jobs.create", { job });
    await this.call("job.start", { job_id: job.id });
    return job.id;
  }

  /** Runs the job through the supervisor and returns its final record. */
  async run(job: Job, timeoutS?: number): Promise<JobRecord> {
    try {
      await this.call<JobResult>("job.run", { job, ...(timeoutS ? { timeout: timeoutS } : {}) });
    } catch (e) {
      if (e instanceof SupervisorRpcError && e.code === CODES.waitTimeout) {
        throw new WaitTimeoutError(e.message);
      }
      throw e;
    }
    const record = await this.status(job.id);
    if (record === undefined) throw new Error(`job ${job.id} vanished after it ran`);
    return record;
  }

  async status(id: string): Promise<JobRecord | undefined> {
    try {
      const record = await this.call<JobRecord>("job.status", { job_id: id });
      const result = await this.result(id);
      return result ? { ...record, result } : record;
    } catch (e) {
      if (e instanceof SupervisorRpcError && e.code === CODES.jobNotFound) return undefined;
      throw e;
    }
  }

  /** The job's result, or undefined while it has not ended. */
  async result(id: string): Promise<JobResult | undefined> {
    return (await this.call<JobResult | null>("job.result", { job_id: id })) ?? undefined;
  }

  async logs(id: string, from = 0): Promise<string[]> {
    return (await this.logTail(id, from)).lines;
  }

  /** Log lines from line number `from` on, with where to continue (see JobStore.logTail). */
  logTail(id: string, from = 0): Promise<LogTail> {
    return this.call<LogTail>("job.logs", { job_id: id, from });
  }

  /** Calls `onLine` for each new log line until the job ends, polling over HTTP. */
  followLogs(
    id: string,
    onLine: (line: string) => void,
    pollMs = 300,
    onDropped?: (count: number) => void,
  ): Promise<JobRecord> {
    return followLogs(this, id, onLine, pollMs, onDropped);
  }

  async cancel(id: string): Promise<"cancelled" | "signalled" | "missing" | "already-ended"> {
    try {
      return (await this.call<{ outcome: "cancelled" | "signalled" }>("job.cancel", { job_id: id }))
        .outcome;
    } catch (e) {
      if (e instanceof SupervisorRpcError && e.code === CODES.jobNotFound) return "missing";
      if (e instanceof SupervisorRpcError && e.code === CODES.jobState) return "already-ended";
      throw e;
    }
  }

  /** Live runner instances (of one runner id, or of all). */
  async runners(runnerId?: string): Promise<InstanceInfo[]> {
    const { runners } = await this.call<{ runners: RunnerStatus[] }>("list_runners");
    return runners
      .filter((r) => runnerId === undefined || r.name === runnerId)
      .flatMap((r) => r.instances);
  }

  /**
   * The runner id's dead letters, newest first. `total` only for an admin key: a user key
   * reaches only the letters of jobs it stored, and learns whether there are more.
   */
  async deadLetters(
    runnerId: string,
    page: { offset?: number; limit?: number } = {},
  ): Promise<DeadPage & { total?: number }> {
    const { letters, has_more, total } = await this.call<DeadPage & { total?: number }>(
      "dead.list",
      { runner: runnerId, ...page },
    );
    return { letters, has_more, ...(total === undefined ? {} : { total }) };
  }

  /** A job's record, its attempts and whether it is a dead letter; undefined if gone. */
  async deadLetter(id: string): Promise<DeadLetterDetail | undefined> {
    try {
      const { record, dead, attempts } = await this.call<DeadShow>("dead.show", { job_id: id });
      return { record, dead, attempts };
    } catch (e) {
      if (e instanceof SupervisorRpcError && e.code === CODES.jobNotFound) return undefined;
      throw e;
    }
  }

  /**
   * Runs a dead letter again: signs its retry (dead.show's `retry_job`) here, with
   * `privateKey`, which never leaves this process, and gives it to dead.retry. `env` holds
   * the values of the env_vars the API key may not see (dead.show names them): the original
   * values, or the supervisor refuses the retry. Returns the new job.
   */
  async retryDead(id: string, privateKey: string, env: Record<string, string> = {}): Promise<Job> {
    const shown = await this.call<DeadShow>("dead.show", { job_id: id });
    if (shown.retry_refused !== undefined) throw new Error(shown.retry_refused);
    if (!shown.dead || shown.retry_job === undefined)
      throw new NotDeadError(`job ${id} is not among runner ${shown.record.runner}'s dead letters`);
    const hidden = shown.redacted_env_vars ?? [];
    const missing = hidden.filter((name) => env[name] === undefined);
    if (missing.length > 0)
      throw new Error(
        `the values of job ${id}'s env_vars ${missing.join(", ")} are hidden from this API key: give the original values (horus dead retry --env NAME=VALUE)`,
      );
    const extra = Object.keys(env).filter((name) => !hidden.includes(name));
    if (extra.length > 0)
      throw new Error(
        `${extra.join(", ")}: not among job ${id}'s hidden env_vars (${hidden.join(", ") || "none"}); a retry runs the job as it was`,
      );
    const template = parseJob(shown.retry_job);
    const job = signJob({ ...template, env_vars: { ...template.env_vars, ...env } }, privateKey);
    await this.call("dead.retry", { job_id: id, job });
    return job;
  }

  /** Deletes the runner id's dead letters (all the key reaches, or the ids given). */
  async purgeDead(runnerId: string, ids?: readonly string[]): Promise<string[]> {
    const { job_ids } = await this.call<{ job_ids: string[] }>("dead.purge", {
      runner: runnerId,
      ...(ids === undefined ? {} : { job_ids: ids }),
    });
    return job_ids;
  }

  // Flows (docs/flows.md): signed here by the caller (signFlow), verified by the supervisor.

  /**
   * Stores a signed flow and starts it (flow.create, flow.start). With `checkRunners` false
   * the supervisor takes nodes for runner ids nobody serves yet.
   */
  async submitFlow(flow: Flow, checkRunners = true): Promise<string> {
    await this.call("flow.create", { flow, check_runners: checkRunners });
    await this.call("flow.start", { flow_id: flow.id });
    return flow.id;
  }

  /** Cancels a flow; false when there is none (for this key) or it ended already. */
  async cancelFlow(id: string): Promise<boolean> {
    try {
      await this.call("flow.cancel", { flow_id: id });
      return true;
    } catch (e) {
      if (
        e instanceof SupervisorRpcError &&
        (e.code === CODES.flowNotFound || e.code === CODES.flowState)
      )
        return false;
      throw e;
    }
  }

  /** The newest flows (a user key: those it stored), with their nodes' states. */
  async listFlows(max = 50): Promise<FlowRecord[]> {
    const { flows } = await this.call<{ flows: FlowRecord[] }>("flow.list", {
      limit: Math.min(500, max),
    });
    return flows;
  }

  async flowStatus(id: string): Promise<FlowRecord | undefined> {
    try {
      return await this.call<FlowRecord>("flow.status", { flow_id: id });
    } catch (e) {
      if (e instanceof SupervisorRpcError && e.code === CODES.flowNotFound) return undefined;
      throw e;
    }
  }

  /** Waits until the flow ends (finished or error), asking twice a second; its record. */
  async waitFlow(id: string, timeoutS = 300): Promise<FlowRecord> {
    const deadline = Date.now() + timeoutS * 1000;
    for (;;) {
      const record = await this.flowStatus(id);
      if (record === undefined) throw new Error(`no flow "${id}"`);
      if (record.status === "finished" || record.status === "error") return record;
      if (Date.now() > deadline)
        throw new WaitTimeoutError(`flow ${id} did not end within ${timeoutS} s`);
      await new Promise((r) => setTimeout(r, FLOW_POLL_MS));
    }
  }

  /**
   * The runner ids among those given with no live instance and no registration with the
   * supervisor (list_runners).
   */
  async unknownRunners(runnerIds: Iterable<string>): Promise<string[]> {
    const { runners } = await this.call<{
      runners: { name: string; registered: boolean; online: boolean }[];
    }>("list_runners");
    const known = new Set(runners.filter((r) => r.registered || r.online).map((r) => r.name));
    return [...new Set(runnerIds)].filter((id) => !known.has(id)).sort();
  }

  /** Nothing to release (HTTP requests are independent); here so callers treat both alike. */
  async close(): Promise<void> {}
}

// What each JSON-RPC method does and who may call it. Params arrive validated against
// `SCHEMAS` (rpc.ts does that); handlers deal only with meaning.
import {
  InvalidScheduleError,
  type Job,
  longestSpanS,
  nextOccurrence,
  parseJob,
  parseSchedule,
  retryJobOf,
  retryMismatch,
  retryRefusal,
  scheduleBytes,
  verifyEnvelope,
  verifySignatures,
} from "../job/index.js";
import {
  attemptHistory,
  type DeadFilter,
  deadLetterOf,
  JobExistsError,
  type JobRecord,
  jobCounts,
  listDead,
  listDeadWhere,
  listInstances,
  listJobs,
  NotDeadError,
  purgeDead,
  resubmitDead,
  ScheduleExistsError,
  ScheduleStore,
  type SupervisorStore,
} from "../protocol/index.js";
import type { Caller, Scope } from "./auth.js";
import {
  type CallContext,
  type ConnectionState,
  callerOf,
  JOBS,
  type MethodSpec,
  type Services,
} from "./context.js";
import { RPC_ERRORS, RpcError } from "./errors.js";
import { FLOW_METHODS } from "./flow-methods.js";
import { type JobView, mayAccess, readView, redactFor } from "./job-access.js";
import type { MethodName, ResultOf } from "./schemas.js";
import { verifyJobOrThrow } from "./verify.js";

/** How long past a job's whole span job.run keeps waiting (queueing, a busy runner). */
export const RUN_WAIT_MARGIN_S = 30;

type MethodTable = { [M in MethodName]: MethodSpec<M> };

function notFound(id: string): RpcError {
  return new RpcError(RPC_ERRORS.jobNotFound, `no job with id ${id}`);
}

/**
 * A job's record as the caller may see it. A job of another key reads as missing (admin
 * reaches all): the same answer as for an id never used, so nothing is learned from it.
 */
async function viewOrThrow(ctx: CallContext, id: string): Promise<JobView> {
  const read = await readView(ctx.services.jobs, ctx.services.sup, id);
  if (read === undefined || !mayAccess(ctx.caller, read.owner)) throw notFound(id);
  return read.view;
}

/** Throws "no such job" unless the job exists and the caller may act on it. */
async function requireAccess(ctx: CallContext, id: string): Promise<void> {
  const extras = await ctx.services.sup.jobExtras(id);
  if (!extras.exists || !mayAccess(ctx.caller, extras.owner)) throw notFound(id);
}

async function requireRegistered(sup: SupervisorStore, runner: string): Promise<void> {
  if ((await sup.registeredRunner(runner)) === undefined) {
    throw new RpcError(
      RPC_ERRORS.runnerNotRegistered,
      `runner "${runner}" is not registered with this supervisor (register_runner)`,
    );
  }
}

async function runnerStatus(s: Services, name: string): Promise<ResultOf<"get_runner_status">> {
  const [reg, instances, lengths] = await Promise.all([
    s.sup.registeredRunner(name),
    listInstances(s.jobs.redis, s.jobs.keys, name),
    s.sup.queueLengths([name]),
  ]);
  return {
    name,
    registered: reg !== undefined,
    ...(reg ? { queue: reg.queue, registered_at: reg.registered_at } : {}),
    online: instances.length > 0,
    queue_length: lengths[name] ?? 0,
    instances,
  };
}

/** The runner ids worth a row: registered ones and those with a registered instance. */
async function knownRunners(s: Services): Promise<string[]> {
  const [regs, live] = await Promise.all([
    s.sup.registeredRunners(),
    s.jobs.redis.smembers(s.jobs.keys.runnerIds()),
  ]);
  return [...new Set([...regs.map((r) => r.name), ...live])].sort();
}

/** The job validated and its signatures verified: nothing unverified is ever stored. */
function verifiedJob(input: unknown): Job {
  const job = parseJob(input);
  verifyJobOrThrow(job);
  return job;
}

/**
 * Stores a verified job (not queued, unless `submit`: then queued at once, as SUBMIT does),
 * records the key that stored it and indexes it for jobs.list. Until the key is recorded
 * only admin reaches the job, so a failure in between leaves it hidden rather than open.
 */
async function storeJob(s: Services, job: Job, caller: Caller, submit = false): Promise<void> {
  try {
    await (submit ? s.jobs.submit(job) : s.jobs.store(job));
  } catch (e) {
    if (e instanceof JobExistsError) throw new RpcError(RPC_ERRORS.jobExists, e.message);
    throw e;
  }
  await s.sup.setOwner(job.id, { id: caller.keyId, name: caller.name });
  await s.sup.indexJob(job.id, job.created_at);
}

async function queue(s: Services, id: string, runner: string): Promise<void> {
  const outcome = await s.sup.queueStored(id, runner);
  if (outcome === "missing") throw notFound(id);
  if (outcome === "queued-before") {
    throw new RpcError(RPC_ERRORS.jobState, `job ${id} was started already`);
  }
  if (outcome === "ended") throw new RpcError(RPC_ERRORS.jobState, `job ${id} has ended`);
}

/**
 * Which dead letters the caller reaches, as lifecycle.ts's listings and purges take it:
 * none to filter for admin (it reaches every job), a user key's own jobs otherwise.
 */
function deadFilter(ctx: CallContext): DeadFilter | undefined {
  if (ctx.caller?.scope === "admin") return undefined;
  return async (ids) =>
    (await ctx.services.sup.owners(ids)).map((owner) => mayAccess(ctx.caller, owner));
}

function resultOf(record: JobRecord | JobView): ResultOf<"job.run"> {
  return record.result ?? { error: record.error ?? `job ended with status ${record.status}` };
}

/**
 * A schedule as the supervisor stores it: valid, signed, every signature holding, with an
 * occurrence still to come. Which keys to trust is the runners' business, as for jobs.
 */
function verifiedSchedule(input: unknown) {
  let schedule: ReturnType<typeof parseSchedule>;
  try {
    schedule = parseSchedule(input);
  } catch (e) {
    if (e instanceof InvalidScheduleError) throw new RpcError(RPC_ERRORS.invalidJob, e.message);
    throw e;
  }
  const bytes = scheduleBytes(schedule);
  const signers = new Set(verifySignatures(bytes, schedule.signatures).valid);
  const verdict = verifyEnvelope(bytes, schedule.signatures, signers, "schedule");
  if (!verdict.ok)
    throw new RpcError(
      RPC_ERRORS.jobRefused,
      `schedule ${schedule.name} refused: ${verdict.message}`,
      { kind: verdict.kind },
    );
  const next = nextOccurrence(schedule, Date.now());
  if (next === undefined)
    throw new RpcError(
      RPC_ERRORS.jobRefused,
      `schedule ${schedule.name} refused: it has no occurrence from now on`,
      { kind: "invalid_job" },
    );
  return { schedule, next };
}

export const METHODS: MethodTable = {
  "rpc.discover": {
    summary: "This OpenRPC document",
    access: "public",
    handle: async (_p, ctx) => ctx.services.discover(),
  },

  "auth.verify": {
    summary:
      "Checks a key (the one given, else the caller's) and tells its scope; over WebSocket a key given here authenticates the connection",
    access: "self",
    async handle(p, ctx) {
      let caller = ctx.caller;
      if (p.key !== undefined) caller = await ctx.services.auth.identify(p.key);
      if (caller === undefined) {
        throw new RpcError(
          RPC_ERRORS.unauthenticated,
          p.key !== undefined || ctx.keyGiven
            ? "unknown API key"
            : 'no API key: send "Authorization: Bearer <key>" or give {key}',
        );
      }
      if (p.key !== undefined && ctx.connection) ctx.connection.caller = caller;
      return { valid: true, id: caller.keyId, name: caller.name, scope: caller.scope };
    },
  },

  "auth.create_key": {
    summary: "Makes an API key with a scope; its secret is returned only this once",
    access: ["admin"],
    handle: (p, ctx) => ctx.services.auth.create(p.name, p.scope),
  },

  "auth.list_keys": {
    summary: "Lists the API keys (never their secrets)",
    access: ["admin"],
    handle: async (_p, ctx) => ({
      keys: (await ctx.services.sup.apiKeys()).map((k) => ({ ...k, scope: k.scope as Scope })),
    }),
  },

  "auth.remove_key": {
    summary: "Removes an API key by its public id",
    access: ["admin"],
    async handle(p, ctx) {
      if (!(await ctx.services.sup.removeApiKey(p.id))) {
        throw new RpcError(RPC_ERRORS.keyNotFound, `no API key with id ${p.id}`);
      }
      return { removed: true };
    },
  },

  register_runner: {
    summary: "Registers a runner so jobs can be queued for it",
    access: ["admin", "registrar"],
    async handle(p, ctx) {
      if (p.queue !== undefined && p.queue !== p.name) {
        throw new RpcError(
          RPC_ERRORS.invalidParams,
          `queue "${p.queue}" differs from the name: a runner reads the queue of its own id, so queue must be "${p.name}" or left out`,
        );
      }
      await ctx.services.sup.registerRunner({
        name: p.name,
        queue: p.name,
        registered_at: new Date().toISOString(),
      });
      return runnerStatus(ctx.services, p.name);
    },
  },

  list_runners: {
    summary: "Registered runners and runners with live instances, with queue lengths",
    access: "any",
    async handle(_p, ctx) {
      const s = ctx.services;
      const [regs, instances] = await Promise.all([
        s.sup.registeredRunners(),
        listInstances(s.jobs.redis, s.jobs.keys),
      ]);
      const names = [
        ...new Set([...regs.map((r) => r.name), ...instances.map((i) => i.runner_id)]),
      ].sort();
      const lengths = await s.sup.queueLengths(names);
      return {
        runners: names.map((name) => {
          const reg = regs.find((r) => r.name === name);
          const mine = instances.filter((i) => i.runner_id === name);
          return {
            name,
            registered: reg !== undefined,
            ...(reg ? { queue: reg.queue, registered_at: reg.registered_at } : {}),
            online: mine.length > 0,
            queue_length: lengths[name] ?? 0,
            instances: mine,
          };
        }),
      };
    },
  },

  get_runner_status: {
    summary: "One runner: registration, live instances, queue length",
    access: "any",
    handle: (p, ctx) => runnerStatus(ctx.services, p.name),
  },

  "jobs.create": {
    summary: "Verifies and stores a signed job without queueing it (see job.start)",
    access: JOBS,
    async handle(p, ctx) {
      const job = verifiedJob(p.job);
      await storeJob(ctx.services, job, callerOf(ctx));
      return { job_id: job.id };
    },
  },

  "jobs.get": {
    summary:
      "A job as stored (payload included; env_vars values only for admin), its status record and its attempts",
    access: JOBS,
    async handle(p, ctx) {
      const status = await viewOrThrow(ctx, p.job_id);
      const jobs = ctx.services.jobs;
      const [job, history] = await Promise.all([
        jobs.loadJob(p.job_id),
        attemptHistory(jobs.redis, jobs.keys, p.job_id),
      ]);
      if (job === undefined) throw notFound(p.job_id);
      return { job: redactFor(ctx.caller, job), status, history };
    },
  },

  "jobs.list": {
    summary:
      "Jobs stored through this supervisor (a user key: those it stored), newest first, filtered and paged",
    access: JOBS,
    async handle(p, ctx) {
      const search = p.search?.trim().toLowerCase() || undefined;
      const jobs: ResultOf<"jobs.list">["jobs"] = [];
      let skipped = 0;
      let hasMore = false;
      for await (const job of ctx.services.sup.jobSummaries(200, search !== undefined)) {
        if (!mayAccess(ctx.caller, job.submitted_by)) continue;
        if (p.status !== undefined && (job.status ?? "unknown") !== p.status) continue;
        if (p.runner !== undefined && job.runner !== p.runner) continue;
        if (search !== undefined) {
          const text = [job.id, job.caller_id, job.context_id, job.payload]
            .filter((v) => v !== undefined)
            .join("\n")
            .toLowerCase();
          if (!text.includes(search)) continue;
        }
        if (skipped < p.offset) {
          skipped++;
          continue;
        }
        if (jobs.length === p.limit) {
          hasMore = true;
          break;
        }
        const { payload: _payload, ...summary } = job;
        jobs.push(summary);
      }
      return { jobs, offset: p.offset, limit: p.limit, has_more: hasMore };
    },
  },

  "jobs.index": {
    summary:
      "Every job of the namespace's job index, however it was submitted (a user key: those it stored), newest first, filtered by runner, status and time, paged by cursor; with the counts per state",
    access: JOBS,
    async handle(p, ctx) {
      const s = ctx.services;
      const admin = ctx.caller?.scope === "admin";
      const [page, counts] = await Promise.all([
        listJobs(s.jobs, {
          runner: p.runner,
          status: p.status,
          sinceMs: p.since === undefined ? undefined : Date.parse(p.since),
          after: p.after,
          limit: p.limit,
          ...(admin
            ? {}
            : {
                keep: async (id: string) => mayAccess(ctx.caller, (await s.sup.owners([id]))[0]),
              }),
        }),
        jobCounts(s.jobs, p.runner === undefined ? await knownRunners(s) : [p.runner]),
      ]);
      const total = { queued: 0, scheduled: 0, running: 0, finished: 0, error: 0, dead: 0 };
      for (const row of counts)
        for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += row[k];
      return {
        jobs: page.jobs.map(({ result: _result, ...job }) => job),
        ...(page.next === undefined ? {} : { next: page.next }),
        counts: total,
      };
    },
  },

  "stats.overview": {
    summary:
      "Per runner id: live instances, queue depth, running, oldest queued age, totals, and from the event stream over a window the ends per minute, attempt durations and queue waits (p50, p95), with chart buckets",
    access: "any",
    handle: (p, ctx) => ctx.services.overview.get({ windowS: p.window_s, bucketS: p.bucket_s }),
  },

  "events.subscribe": {
    summary:
      "WebSocket only: sends events.activity notifications (how many state changes of which kind on which runner ids; never job ids), at most one a second",
    access: "any",
    websocketOnly: true,
    async handle(_p, ctx) {
      await ctx.services.activity.subscribe((ctx.connection as ConnectionState).activity);
      return { subscribed: true };
    },
  },

  "events.unsubscribe": {
    summary: "WebSocket only: stops the events.activity notifications",
    access: "any",
    websocketOnly: true,
    handle: async (_p, ctx) => ({
      unsubscribed: ctx.services.activity.unsubscribe((ctx.connection as ConnectionState).activity),
    }),
  },

  "job.run": {
    summary:
      'Verifies, stores and queues a job, waits for it to end and returns {"success": output} or {"error": message}',
    access: JOBS,
    async handle(p, ctx) {
      const s = ctx.services;
      const job = verifiedJob(p.job);
      await requireRegistered(s.sup, job.runner);
      await storeJob(s, job, callerOf(ctx));
      await queue(s, job.id, job.runner);
      // Its run_at, every attempt and the backoffs between them: the whole of its span.
      const waitS = p.timeout ?? longestSpanS(job) + RUN_WAIT_MARGIN_S;
      const record = await s.waiter.wait(job.id, waitS);
      if (record === undefined) {
        throw new RpcError(
          RPC_ERRORS.waitTimeout,
          `job ${job.id} did not end within ${waitS} s; it goes on (job.status, job.result)`,
          { job_id: job.id },
        );
      }
      return resultOf(record);
    },
  },

  "job.start": {
    summary: "Queues a job stored with jobs.create on its runner's queue",
    access: JOBS,
    async handle(p, ctx) {
      const s = ctx.services;
      const record = await viewOrThrow(ctx, p.job_id);
      await requireRegistered(s.sup, record.runner);
      await queue(s, p.job_id, record.runner);
      return { job_id: p.job_id, queued: true };
    },
  },

  "job.status": {
    summary:
      "A job's status record: status, times, attempts, instance, error, the key that stored it and the result's signature",
    access: JOBS,
    async handle(p, ctx) {
      const { result: _result, ...record } = await viewOrThrow(ctx, p.job_id);
      return record;
    },
  },

  "job.result": {
    summary: "A job's result, or null while it has not ended",
    access: JOBS,
    async handle(p, ctx) {
      const record = await viewOrThrow(ctx, p.job_id);
      if (record.status !== "finished" && record.status !== "error") return null;
      return resultOf(record);
    },
  },

  "job.logs": {
    summary:
      "A job's log lines from line `from` on (0 is the first it ever logged); `next` is where to continue, `dropped` how many of those asked for are no longer kept",
    access: JOBS,
    async handle(p, ctx) {
      await requireAccess(ctx, p.job_id);
      return ctx.services.jobs.logTail(p.job_id, p.from);
    },
  },

  "job.cancel": {
    summary: "Stops a job: a queued one never starts, a running one is told to stop",
    access: JOBS,
    async handle(p, ctx) {
      await requireAccess(ctx, p.job_id);
      const outcome = await ctx.services.jobs.cancel(p.job_id);
      if (outcome === "missing") throw notFound(p.job_id);
      if (outcome === "already-ended") {
        throw new RpcError(RPC_ERRORS.jobState, `job ${p.job_id} has ended already`);
      }
      return { outcome };
    },
  },

  "job.delete": {
    summary:
      "Deletes a job that is not running, with its result and logs (its claim stays: a signed job runs once)",
    access: JOBS,
    async handle(p, ctx) {
      await requireAccess(ctx, p.job_id);
      const outcome = await ctx.services.sup.deleteJob(p.job_id);
      if (outcome === "missing") throw notFound(p.job_id);
      if (outcome === "running") {
        throw new RpcError(RPC_ERRORS.jobState, `job ${p.job_id} is running: cancel it first`);
      }
      return { deleted: true };
    },
  },

  "job.subscribe": {
    summary: "WebSocket only: sends job.event notifications (status, log lines, end) for the job",
    access: JOBS,
    websocketOnly: true,
    async handle(p, ctx) {
      await requireAccess(ctx, p.job_id);
      // websocketOnly guarantees a connection.
      ctx.services.events.subscribe(p.job_id, (ctx.connection as ConnectionState).sink);
      return { subscribed: true, job_id: p.job_id };
    },
  },

  "job.unsubscribe": {
    summary: "WebSocket only: stops the job.event notifications of a job",
    access: JOBS,
    websocketOnly: true,
    async handle(p, ctx) {
      const sink = (ctx.connection as ConnectionState).sink;
      return { unsubscribed: ctx.services.events.unsubscribe(p.job_id, sink) };
    },
  },

  "schedule.add": {
    summary:
      "Verifies and stores a schedule signed by the client; the runners of its runner id mint and run its occurrences",
    access: JOBS,
    async handle(p, ctx) {
      const { schedule, next } = verifiedSchedule(p.schedule);
      try {
        await new ScheduleStore(ctx.services.jobs).add(schedule);
      } catch (e) {
        if (e instanceof ScheduleExistsError)
          throw new RpcError(RPC_ERRORS.scheduleExists, e.message);
        throw e;
      }
      return { name: schedule.name, next: new Date(next).toISOString() };
    },
  },

  "schedule.list": {
    summary:
      "The namespace's schedules: runner, expression, bounds, signers, next and last minted occurrence",
    access: JOBS,
    handle: async (_p, ctx) => ({
      schedules: await new ScheduleStore(ctx.services.jobs).views(),
    }),
  },

  "schedule.remove": {
    summary:
      "Removes a schedule: nothing more is minted from it (its signature still authorises its occurrences until not_after)",
    access: ["admin"],
    async handle(p, ctx) {
      if (!(await new ScheduleStore(ctx.services.jobs).remove(p.name)))
        throw new RpcError(RPC_ERRORS.scheduleNotFound, `no schedule named "${p.name}"`);
      return { removed: true };
    },
  },

  "schedule.runs": {
    summary: "A schedule's minted occurrences, newest first, with their jobs' statuses",
    access: JOBS,
    handle: async (p, ctx) => ({
      runs: await new ScheduleStore(ctx.services.jobs).runs(p.name, p.limit),
    }),
  },

  "dead.list": {
    summary:
      "A runner id's dead letters (jobs that used their attempts and failed), newest first, paged; a user key sees those it stored",
    access: JOBS,
    async handle(p, ctx) {
      const keep = deadFilter(ctx);
      const page =
        keep === undefined
          ? await listDead(ctx.services.jobs, p.runner, p)
          : await listDeadWhere(ctx.services.jobs, p.runner, keep, p);
      return { runner: p.runner, ...page, offset: p.offset, limit: p.limit };
    },
  },

  "dead.show": {
    summary:
      "A job's record, its attempts and whether it is a dead letter; for a dead letter also its retry, unsigned, for the caller to sign",
    access: JOBS,
    async handle(p, ctx) {
      await requireAccess(ctx, p.job_id);
      const detail = await deadLetterOf(ctx.services.jobs, p.job_id);
      if (detail === undefined) throw notFound(p.job_id);
      if (!detail.dead) return detail;
      const job = await ctx.services.jobs.loadJob(p.job_id);
      if (job === undefined) throw notFound(p.job_id);
      // No retry to sign for work its signer did not sign (changed in Redis since).
      const refusal = retryRefusal(job);
      if (refusal !== undefined) return { ...detail, retry_refused: refusal };
      // Made from the job as the caller may see it: env_vars values it may not see stay
      // hidden, and are named for the signer to fill in.
      const seen = redactFor(ctx.caller, job);
      const hidden = Object.keys(job.env_vars).filter(
        (name) => seen.env_vars[name] !== job.env_vars[name],
      );
      return { ...detail, retry_job: retryJobOf(seen), redacted_env_vars: hidden };
    },
  },

  "dead.retry": {
    summary:
      "Runs a dead letter again as the new job given, signed by the caller: it must be the letter's retry (dead.show's retry_job, signed); the letter leaves the dead letters",
    access: JOBS,
    async handle(p, ctx) {
      const s = ctx.services;
      await requireAccess(ctx, p.job_id);
      const original = await s.jobs.loadJob(p.job_id);
      if (original === undefined) throw notFound(p.job_id);
      const refusal = retryRefusal(original);
      if (refusal !== undefined)
        throw new RpcError(RPC_ERRORS.jobRefused, refusal, { kind: "unauthorized" });
      const retry = verifiedJob(p.job);
      const mismatch = retryMismatch(original, retry);
      if (mismatch !== undefined)
        throw new RpcError(RPC_ERRORS.jobRefused, `job ${retry.id} refused: ${mismatch}`, {
          kind: "invalid_job",
        });
      await requireRegistered(s.sup, original.runner);
      try {
        await resubmitDead(s.jobs, original, retry, (job) => storeJob(s, job, callerOf(ctx), true));
      } catch (e) {
        if (e instanceof NotDeadError) throw new RpcError(RPC_ERRORS.jobState, e.message);
        throw e;
      }
      return { job_id: retry.id, retry_of: original.id };
    },
  },

  "dead.purge": {
    summary:
      "Deletes a runner id's dead letters and their jobs (the ids given, or all; a user key only those it stored); their claims stay, so they never run again",
    access: JOBS,
    async handle(p, ctx) {
      const purged = await purgeDead(ctx.services.jobs, p.runner, p.job_ids, deadFilter(ctx));
      return { purged: purged.length, job_ids: purged };
    },
  },

  ...FLOW_METHODS,
};

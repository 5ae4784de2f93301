// The only place that knows Redis key strings (docs/protocol.md). With a namespace every key starts
// with `NS:`.

/** The hash tag Redis hashes a key by: what lies between its first `{` and the next `}`. */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf("{");
  if (open < 0) return undefined;
  const close = key.indexOf("}", open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/**
 * The namespace as used in a Redis Cluster. The Lua scripts touch a runner's queue and active
 * list and a job's keys together, and build job key names from ids, so every key of a
 * namespace must hash to one slot: the namespace becomes a hash tag ("" -> `{horus}`, "prod"
 * -> `{prod}`), unless it carries one already (`app{prod}` stays as it is). One namespace is
 * therefore one slot, on one master; load is spread by giving groups of runners namespaces
 * of their own.
 */
export function clusterNamespace(namespace: string): string {
  if (hashTagOf(namespace) !== undefined) return namespace;
  return `{${namespace === "" ? "horus" : namespace}}`;
}

export interface KeyOptions {
  /** The keys live in a Redis Cluster: the namespace becomes a hash tag (`clusterNamespace`). */
  cluster?: boolean;
}

export class RedisKeys {
  /** The namespace the keys are under (in a Cluster, with its hash tag). */
  readonly namespace: string;
  private readonly prefix: string;
  private readonly cluster: boolean;

  constructor(namespace = "", options: KeyOptions = {}) {
    if (namespace.includes(" ")) throw new Error("a namespace may not contain spaces");
    this.cluster = options.cluster === true;
    this.namespace = this.cluster ? clusterNamespace(namespace) : namespace;
    this.prefix = this.namespace === "" ? "" : `${this.namespace}:`;
  }

  /**
   * What to pass for a script's optional key when there is none: "" on one server; in a
   * Cluster a name in the namespace's slot that is never written (Redis refuses a script
   * call whose keys span slots, and "" hashes to slot 0).
   */
  none(): string {
    return this.cluster ? `${this.prefix}none` : "";
  }

  job(id: string): string {
    return `${this.prefix}job:${id}`;
  }
  result(id: string): string {
    return `${this.prefix}job:${id}:result`;
  }
  logs(id: string): string {
    return `${this.prefix}job:${id}:logs`;
  }
  reply(id: string): string {
    return `${this.prefix}job:${id}:reply`;
  }
  /** The job's attempts, one JSON entry each, when it may run more than once. */
  attempts(id: string): string {
    return `${this.prefix}job:${id}:attempts`;
  }
  /**
   * Set once when a runner starts the job's first attempt: what makes a replayed job id
   * visible. A later attempt n claims `<claim>:<n>` (lua-parts.ts, CLAIM_FN).
   */
  claim(id: string): string {
    return `${this.prefix}job:${id}:claim`;
  }
  /**
   * The runner id's finished jobs by end time (ms): the oldest are deleted past the count
   * kept (`--keep-finished`), whatever their retention.
   */
  done(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:done`;
  }
  /**
   * The namespace's event stream: every state change of every job (lua-parts.ts, EVENT_FN,
   * which builds this name from the job keys' prefix).
   */
  events(): string {
    return `${this.prefix}events`;
  }
  /**
   * Every job of the namespace by the time it was stored (ms): what `horus jobs list` and
   * the console page through, whoever submitted the jobs (lua-parts.ts, INDEX_FN).
   */
  jobs(): string {
    return `${this.prefix}jobs`;
  }
  /** A runner id's totals of ended jobs: `finished`, `error`, `dead` (INDEX_FN). */
  counts(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:counts`;
  }
  /** The queue of priority 5, the default (see queueAt). */
  queue(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:jobs`;
  }
  /**
   * The queue of one priority: 5 is `queue` itself, any other its own list, named in the
   * scripts as the queue's name and `:p<priority>` (lua-parts.ts, QUEUE_FN).
   */
  queueAt(runnerId: string, priority: number): string {
    const queue = this.queue(runnerId);
    return priority === 5 ? queue : `${queue}:p${priority}`;
  }
  /** The priorities other than 5 whose queues may hold jobs (a ZSET, scored by priority). */
  priorities(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:jobs:prios`;
  }
  /** Jobs waiting for a later time (run_at, or a retry's backoff), scored by due time (ms). */
  delayed(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:delayed`;
  }
  /** Jobs that used their attempts and failed, scored by end time (ms). */
  dead(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:dead`;
  }
  /**
   * Jobs running across the runner id's instances, scored by when their lease runs out
   * (ms): what `--global-concurrency` counts. Kept only by instances with that limit.
   */
  running(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:running`;
  }
  /** Jobs started in the current window of `--rate`, expiring with the window. */
  rate(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:rate`;
  }
  active(runnerId: string, instance: string): string {
    return `${this.prefix}runner:${runnerId}:active:${instance}`;
  }
  /**
   * Where a blocking take drops the id it waited for, for the TAKE pipelined behind it to move
   * into the active list with its hash read (one round trip for both). Empty between takes.
   */
  taking(runnerId: string, instance: string): string {
    return `${this.prefix}runner:${runnerId}:taking:${instance}`;
  }
  /** Held for a moment by the one instance that sweeps for crashed instances' jobs. */
  sweepGuard(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:sweep`;
  }
  /** An instance's heartbeat (docs/protocol.md): its lease on the jobs its lists hold. */
  instance(runnerId: string, instance: string): string {
    return `${this.prefix}runner:${runnerId}:instance:${instance}`;
  }
  /**
   * The instances of a runner that may hold jobs: added with every heartbeat, removed once
   * an instance has stopped (or been swept) with its lists empty. The sweep and the listing
   * read this set instead of scanning a keyspace that grows with every job retained.
   */
  instances(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:instances`;
  }
  /**
   * Every runner id with a registered instance (for listing all instances). Under `runner:`
   * like the rest, and no runner's key: those all go on after the id.
   */
  runnerIds(): string {
    return `${this.prefix}runner:ids`;
  }
  /** Queue items that were not job ids, kept for a person to look at. */
  invalid(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:invalid`;
  }
  /** Pub/sub channel on which a runner's instances hear control messages (cancel). */
  control(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:control`;
  }
  // Schedules (docs/protocol.md, "Schedules").
  /** The namespace's schedules: name to the signed schedule's JSON. */
  schedules(): string {
    return `${this.prefix}schedules`;
  }
  /** A schedule's minted occurrences: ids scored by occurrence time (ms), the newest 100. */
  scheduleRuns(name: string): string {
    return `${this.prefix}schedule:${name}:runs`;
  }
  /** The time (ms) of a schedule's latest minted occurrence. */
  scheduleLast(name: string): string {
    return `${this.prefix}schedule:${name}:last`;
  }
  /** The minting lease: the one instance of a runner id that mints its schedules' occurrences. */
  minter(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:minter`;
  }
  // Flows (docs/flows.md); flow-lua.ts builds job key names from `flow`'s prefix.
  /** A flow: its signed JSON, status, times, plan, and each node's SUBMIT arguments. */
  flow(id: string): string {
    return `${this.prefix}flow:${id}`;
  }
  /** A flow's node states: node id to pending, queued, finished, error or cancelled. */
  flowNodes(id: string): string {
    return `${this.prefix}flow:${id}:nodes`;
  }
  /** Started flows not yet ended, scored by start time (ms): what the runners' sweep advances. */
  flows(): string {
    return `${this.prefix}flows`;
  }
  /** Every flow by creation time (ms), for listing; trimmed past the retention at creates. */
  flowIndex(): string {
    return `${this.prefix}flows:all`;
  }
}

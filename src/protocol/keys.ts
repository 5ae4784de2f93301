// The only place that knows Redis key strings (DESIGN §3). With a namespace every key starts
// with `NS:`.

export class RedisKeys {
  private readonly prefix: string;

  constructor(readonly namespace: string = "") {
    if (namespace.includes(" ")) throw new Error("a namespace may not contain spaces");
    this.prefix = namespace === "" ? "" : `${namespace}:`;
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
  /** Set once when a runner starts the job: what makes a replayed job id visible. */
  claim(id: string): string {
    return `${this.prefix}job:${id}:claim`;
  }
  queue(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:jobs`;
  }
  active(runnerId: string, instance: string): string {
    return `${this.prefix}runner:${runnerId}:active:${instance}`;
  }
  /** Pattern matching the active lists of every instance of a runner. */
  activePattern(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:active:*`;
  }
  /** The instance an active list belongs to (inverse of `active`). */
  instanceOfActive(runnerId: string, activeKey: string): string {
    return activeKey.slice(`${this.prefix}runner:${runnerId}:active:`.length);
  }
  /** Held for a moment by the one instance that sweeps for crashed instances' jobs. */
  sweepGuard(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:sweep`;
  }
  instance(runnerId: string, instance: string): string {
    return `${this.prefix}runner:${runnerId}:instance:${instance}`;
  }
  /** Pattern matching every live instance of a runner (or of all runners). */
  instancePattern(runnerId = "*"): string {
    return `${this.prefix}runner:${runnerId}:instance:*`;
  }
  /** Queue items that were not job ids, kept for a person to look at. */
  invalid(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:invalid`;
  }
  /** Pub/sub channel on which a runner's instances hear control messages (cancel). */
  control(runnerId: string): string {
    return `${this.prefix}runner:${runnerId}:control`;
  }
}

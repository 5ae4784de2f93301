// Ids in an instance's own active list that nothing handles: a take ran on the server but its
// reply was lost with the connection (ioredis then resends the command, which takes other
// ids). Two ways find them: on the next round trip that works after a cut or a failed take
// (recoverLostTakes), and, as a backstop, an id seen unhandled at two orphan checks in a row
// (far longer than a reply takes), run with each sweep.
import type { Logger } from "./logger.js";

export interface OrphanHooks {
  /** The instance's active list, as Redis has it now. */
  activeIds(): Promise<string[]>;
  /** True when a handler owns the id, or it waits for its turn to start. */
  handled(id: string): boolean;
  /** Starts handling an id adopted (read and started afresh). */
  adopt(id: string): void;
  stopping(): boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

export class OrphanWatch {
  /** Ids seen in the active list with no handler at the last check. */
  private suspects = new Set<string>();
  private recovering: Promise<void> | undefined;

  constructor(
    private readonly hooks: OrphanHooks,
    private readonly log: Logger,
  ) {}

  private adopt(id: string): void {
    this.log.warn({ job_id: id }, "adopting a job taken by a command whose reply was lost");
    this.hooks.adopt(id);
  }

  /** The backstop: adopts ids unhandled at this check and the one before. */
  async check(): Promise<void> {
    const unhandled = new Set(
      (await this.hooks.activeIds()).filter((id) => !this.hooks.handled(id)),
    );
    for (const id of unhandled) {
      if (this.suspects.has(id) && !this.hooks.stopping()) {
        this.adopt(id);
        unhandled.delete(id);
      }
    }
    this.suspects = unhandled;
  }

  /**
   * After a cut or a failed take: once Redis answers, adopts every unhandled id at once. An
   * id whose take answers meanwhile is launched once (the runner ignores an id it handles).
   */
  recoverLostTakes(): void {
    this.recovering ??= (async () => {
      for (let n = 0; !this.hooks.stopping(); n++) {
        let ids: string[];
        try {
          ids = await this.hooks.activeIds();
        } catch {
          await sleep(Math.min(50 * 2 ** n, 1000));
          continue;
        }
        for (const id of ids) {
          if (this.hooks.handled(id) || this.hooks.stopping()) continue;
          this.adopt(id);
        }
        return;
      }
    })().finally(() => {
      this.recovering = undefined;
    });
  }
}

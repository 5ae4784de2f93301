// The actions a playbook engine knows, by `actor.action`.
import type { Params } from "./params.js";
import type { Action } from "./parser.js";
import { editDistance } from "./text.js";

/** What an action's handler is given. */
export interface PlayContext {
  readonly action: Action;
  /** The action's parameters, placeholders already replaced. */
  readonly params: Params;
  /** The session environment: the job's env vars plus `!!session.env_set` values. */
  readonly env: Map<string, string>;
  /** Aborted when the run must stop (job timeout or cancel): stop and clean up. */
  readonly signal: AbortSignal;
  /** The folder relative paths in this action are resolved against (its file's folder). */
  readonly baseDir: string;
  /** Adds text to the run's output (and to the job log); one line per '\n'. */
  print(text: string): void;
  /** Adds a line to the job log only. */
  log(line: string): void;
  /**
   * Runs another script file (or every script of a folder) here, each path once; `vars` fill
   * its placeholders when actions run, `replace` its text before it is read.
   */
  include(
    path: string,
    vars: ReadonlyMap<string, string>,
    replace?: Readonly<Record<string, string>>,
  ): Promise<void>;
}

export type ActionHandler = (ctx: PlayContext) => void | Promise<void>;

export interface ActionDefinition {
  /** `actor.action`, lowercase. */
  readonly name: string;
  /** One line for `hero actions` and the docs. */
  readonly summary: string;
  /**
   * The parameter keys the action reads. When given, a script naming any other key fails
   * before anything runs (a misspelt key would otherwise be silently ignored); leave it out
   * for actions that take free-form keys (`play.include` passes them on).
   */
  readonly params?: readonly string[];
  readonly run: ActionHandler;
}

const FULL_NAME = /^[a-z0-9_]+\.[a-z0-9_]+$/;

export class ActionRegistry {
  readonly #actions = new Map<string, ActionDefinition>();

  register(...definitions: ActionDefinition[]): this {
    for (const d of definitions) {
      if (!FULL_NAME.test(d.name)) {
        throw new Error(`action name '${d.name}' must be actor.action in lowercase`);
      }
      if (this.#actions.has(d.name)) throw new Error(`action '${d.name}' is registered twice`);
      this.#actions.set(d.name, d);
    }
    return this;
  }

  get(name: string): ActionDefinition | undefined {
    return this.#actions.get(name);
  }

  get names(): string[] {
    return [...this.#actions.keys()].sort();
  }

  get definitions(): ActionDefinition[] {
    return this.names.map((n) => this.#actions.get(n) as ActionDefinition);
  }

  /** Known names close to an unknown one: a small edit away, or the same action elsewhere. */
  closeNames(name: string): string[] {
    const [, action] = name.split(".");
    return this.names
      .map((n) => ({ n, d: editDistance(n, name) }))
      .filter(({ n, d }) => d <= 2 || n.endsWith(`.${action}`))
      .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
      .slice(0, 3)
      .map(({ n }) => n);
  }
}

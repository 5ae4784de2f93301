// A playbook as upstream's `playbook` module has it: the actions of one or more scripts,
// numbered in order, which a program looks through by filter (`find`), orders by priority
// (`filtersort`), marks as done and gives results. The engine (engine.ts) runs scripts; this
// is for programs that read heroscript as data, the way herolib's `play` functions do.
import { createHash } from "node:crypto";
import { Params } from "./params.js";
import { type Action, type Heroscript, type ParseOptions, parseHeroscript } from "./parser.js";
import { writeAction } from "./writer.js";

/** An action in a playbook: its number, priority, whether it was handled, and its result. */
export interface PlaybookAction extends Action {
  /** 1, 2, 3... in the order the actions were added. */
  readonly id: number;
  /** Lower runs first; set by `filtersort` (50 for what no filter picked). */
  priority: number;
  /** Set by whoever handled the action; `find` skips done actions unless asked not to. */
  done: boolean;
  /** Whatever the handler wants to remember about it. */
  result: Params;
}

export interface FindOptions {
  /** Done actions are left out unless this is true. */
  includeDone?: boolean;
}

/** The highest priority `filtersort` accepts; what no filter picks gets 50. */
export const MAX_PRIORITY = 49;
const REST_PRIORITY = 50;

export class Playbook {
  readonly actions: PlaybookAction[] = [];
  /** Lines outside actions, from every script added. */
  readonly otherText: string[] = [];
  /** Action ids by priority, as the last `filtersort` left them. */
  priorities = new Map<number, number[]>();

  /** A playbook of one script. */
  static parse(text: string, options: ParseOptions = {}): Playbook {
    return new Playbook().add(text, options);
  }

  /** Adds a script's actions after the ones already here (their ids go on counting). */
  add(text: string, options: ParseOptions = {}): this {
    return this.addScript(parseHeroscript(text, options));
  }

  addScript(script: Heroscript): this {
    for (const action of script.actions) {
      this.actions.push({
        ...action,
        id: this.actions.length + 1,
        priority: 10,
        done: false,
        result: new Params(),
      });
    }
    this.otherText.push(...script.otherText);
    return this;
  }

  /**
   * The actions matching `filter`, in script order: comma-separated `actor.name` patterns
   * (':' works as '.'); a pattern without '.' means actor `core`; `*`, `?` and `[...]` are
   * globs; an empty actor or name matches any (`*.` is everything).
   */
  find(filter: string, options: FindOptions = {}): PlaybookAction[] {
    return this.actions.filter((a) => (options.includeDone || !a.done) && filterMatch(a, filter));
  }

  /** Whether `find` finds anything. */
  exists(filter: string, options: FindOptions = {}): boolean {
    return this.find(filter, options).length > 0;
  }

  /** Whether `find` finds exactly one. */
  existsOnce(filter: string, options: FindOptions = {}): boolean {
    return this.find(filter, options).length === 1;
  }

  /** The one action matching `filter`; an error when there is none or more than one. */
  findOne(filter: string, options: FindOptions = {}): PlaybookAction {
    const found = this.find(filter, options);
    if (found.length === 0) throw new Error(`no action matches '${filter}'`);
    if (found.length > 1) {
      throw new Error(`${found.length} actions match '${filter}', expected one`);
    }
    return found[0] as PlaybookAction;
  }

  /** At most one action matching `filter`; an error when there are more. */
  findMaxOne(filter: string, options: FindOptions = {}): PlaybookAction[] {
    const found = this.find(filter, options);
    if (found.length > 1) {
      throw new Error(`${found.length} actions match '${filter}', expected at most one`);
    }
    return found;
  }

  /**
   * Orders the actions: each priority (0 to 49, lowest first) takes the not-done actions its
   * filter finds that no lower priority took; every other action gets priority 50. Returns
   * `actionsSorted()`.
   */
  filtersort(priorities: Readonly<Record<number, string>>): PlaybookAction[] {
    const numbers = Object.keys(priorities)
      .map(Number)
      .sort((a, b) => a - b);
    for (const n of numbers) {
      if (!Number.isInteger(n) || n < 0 || n > MAX_PRIORITY) {
        throw new Error(`a priority is a whole number from 0 to ${MAX_PRIORITY}, got ${n}`);
      }
    }
    this.priorities = new Map();
    const placed = new Set<number>();
    for (const n of numbers) {
      for (const action of this.find(priorities[n] as string)) {
        if (placed.has(action.id)) continue;
        action.priority = n;
        this.#place(n, action.id);
        placed.add(action.id);
      }
    }
    for (const action of this.actions) {
      if (placed.has(action.id)) continue;
      action.priority = REST_PRIORITY;
      this.#place(REST_PRIORITY, action.id);
      placed.add(action.id);
    }
    return this.actionsSorted();
  }

  /**
   * The actions by priority (script order within one), as the last `filtersort` decided; in
   * script order before any. `prioOnly` leaves out what no filter picked.
   */
  actionsSorted(options: { prioOnly?: boolean } = {}): PlaybookAction[] {
    if (this.priorities.size === 0) return [...this.actions];
    const out: PlaybookAction[] = [];
    for (const n of [...this.priorities.keys()].sort((a, b) => a - b)) {
      if (options.prioOnly && n > MAX_PRIORITY) continue;
      for (const id of this.priorities.get(n) ?? [])
        out.push(this.actions[id - 1] as PlaybookAction);
    }
    return out;
  }

  /** The actions not done yet: an error listing them, if any. */
  emptyCheck(): void {
    const left = this.actions.filter((a) => !a.done);
    if (left.length === 0) return;
    const list = left.map((a) => `${a.actor}.${a.name} (line ${a.line})`).join(", ");
    throw new Error(`${left.length} actions were not handled: ${list}`);
  }

  /** The playbook as heroscript, in sorted order (done ones too unless `showDone` is false). */
  heroscript(options: { showDone?: boolean } = {}): string {
    return this.actionsSorted()
      .filter((a) => options.showDone !== false || !a.done)
      .map(writeAction)
      .join("\n");
  }

  /** A digest of every action (see `actionHashkey`): equal playbooks have equal keys. */
  hashkey(): string {
    return digest(this.actions.map(actionHashkey).join("\n"));
  }

  #place(priority: number, id: number): void {
    const ids = this.priorities.get(priority) ?? [];
    ids.push(id);
    this.priorities.set(priority, ids);
  }
}

/**
 * A digest (40 hex digits) of what an action means: kind, actor, name, parameters in order
 * and arguments; comments and layout do not count, so writing a script out and reading it
 * back keeps the key.
 */
export function actionHashkey(action: Action): string {
  const canonical = JSON.stringify([
    action.bangs,
    action.actor,
    action.name,
    action.params.entries.map((p) => [p.key, p.value]),
    action.params.args.map((a) => a.value),
  ]);
  return digest(canonical);
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 40);
}

/** Upstream's `match_items`: whether the action matches one of the comma-separated patterns. */
export function filterMatch(action: Pick<Action, "actor" | "name">, filter: string): boolean {
  const patterns = filter.replaceAll(":", ".").trim().split(",");
  return patterns.some((pattern) => {
    const p = pattern.trim();
    const dot = p.indexOf(".");
    const actor = dot === -1 ? "core" : p.slice(0, dot).trim();
    const name = dot === -1 ? p : p.slice(p.lastIndexOf(".") + 1).trim();
    return matchPart(action.actor, actor) && matchPart(action.name, name);
  });
}

function matchPart(value: string, pattern: string): boolean {
  if (pattern === "") return true;
  if (!/[*?[]/.test(pattern)) return value === pattern.toLowerCase().trim();
  return globRegExp(pattern).test(value);
}

/** `*` any text, `?` one character, `[abc]` / `[a-z]` / `[!a]` a class; the rest literal. */
function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end === -1) {
        re += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, end).replace(/[\\\]^]/g, "\\$&");
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

// The playbook engine: runs a script's actions in order through a registry of handlers.
// Every action is checked before the first one runs, so a misspelt action at the end of a
// script fails the script before it changes anything. An action that fails stops the run
// with an `ActionError` naming the action and its line.
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { TailLines } from "../host/index.js";
import type { HostCallTracer } from "../tracing/index.js";
import { coerceError } from "../util/index.js";
import { ActionError } from "./errors.js";
import { type Action, actionName, type Heroscript, parseHeroscript } from "./parser.js";
import { replacePlaceholders, scopedLookup } from "./placeholders.js";
import type { ActionDefinition, ActionRegistry, PlayContext } from "./registry.js";

export interface PlayOptions {
  /** The session environment to start with (a job's env vars, say). */
  env?: Readonly<Record<string, string>>;
  /** Stops the run between actions and inside actions that wait (processes). */
  signal?: AbortSignal;
  /** Called for each output line as it is printed. */
  print?(line: string): void;
  /** Called for each log-only line (what actions report without printing). */
  log?(line: string): void;
  /** Where relative paths of the top-level script resolve; default: the current folder. */
  baseDir?: string;
  /**
   * Placeholders filled in the top-level script's text before it is read (upstream's
   * `playbook.new(replace:)`; see `ParseOptions.replace`).
   */
  replace?: Readonly<Record<string, string>>;
  /**
   * Given when the run is traced (a traced job's): each action runs in a span of its own,
   * named by its registered name (never by its parameters).
   */
  traceAction?: HostCallTracer;
}

export interface PlayResult {
  /** What the actions printed, one line per print line; the last 16 MiB of it (capture.ts). */
  readonly output: string;
  /** The session environment at the end. */
  readonly env: ReadonlyMap<string, string>;
}

/** Thrown when the run stops because its signal was aborted; `cause` is the signal's reason. */
export class PlayAbortedError extends Error {
  override readonly name = "PlayAbortedError";
}

/** Script files a folder include picks up (Markdown too, as upstream: its `!!` lines are actions). */
const SCRIPT_FILE = /\.(hero|heroscript|md)$/;

export class PlaybookEngine {
  constructor(readonly registry: ActionRegistry) {}

  /** Runs a script given as text. */
  async run(text: string, options: PlayOptions = {}): Promise<PlayResult> {
    const session = new PlaySession(this.registry, options);
    const script = parseHeroscript(text, options.replace ? { replace: options.replace } : {});
    await session.play(script, options.baseDir ?? process.cwd(), new Map());
    return session.result();
  }

  /** Runs a script file; its includes resolve against its folder. */
  async runFile(path: string, options: PlayOptions = {}): Promise<PlayResult> {
    const session = new PlaySession(this.registry, options);
    const full = resolve(options.baseDir ?? process.cwd(), path);
    await session.playFile(full, path, new Map(), options.replace);
    return session.result();
  }

  /** Fails (with the first problem) unless every action of the script has a handler. */
  check(script: Heroscript): void {
    for (const action of script.actions) this.#checkAction(action, script.source);
  }

  #checkParams(action: Action, definition: ActionDefinition, source: string | undefined): void {
    const known = definition.params;
    if (known === undefined) return;
    for (const param of action.params.entries) {
      if (known.includes(param.key)) continue;
      const list = known.length > 0 ? `known: ${known.join(", ")}` : "it takes none";
      throw new ActionError(
        actionName(action),
        param.line > 0 ? param.line : action.line,
        `unknown parameter '${param.key}' (${list})`,
        source,
      );
    }
  }

  #checkAction(action: Action, source: string | undefined): void {
    const name = actionName(action);
    if (action.bangs !== 2) {
      throw new ActionError(
        name,
        action.line,
        `only '!!' actions run; '${"!".repeat(action.bangs)}' actions are read but have no handlers`,
        source,
      );
    }
    const definition = this.registry.get(name);
    if (definition !== undefined) {
      this.#checkParams(action, definition, source);
      return;
    }
    const close = this.registry.closeNames(name);
    const hint =
      close.length > 0
        ? `close names: ${close.join(", ")}`
        : `known actors: ${[...new Set(this.registry.names.map((n) => n.split(".")[0]))].join(", ")}`;
    throw new ActionError(name, action.line, `unknown action (${hint})`, source);
  }
}

/** The state of one run: environment, output, files already included. */
class PlaySession {
  readonly env: Map<string, string>;
  /** The output, capped: a script printing without end must not fill the runner's memory. */
  readonly #lines = new TailLines();
  readonly #included = new Set<string>();
  readonly #signal: AbortSignal;
  readonly #engine: PlaybookEngine;

  constructor(
    readonly registry: ActionRegistry,
    readonly options: PlayOptions,
  ) {
    this.env = new Map(Object.entries(options.env ?? {}));
    this.#signal = options.signal ?? new AbortController().signal;
    this.#engine = new PlaybookEngine(registry);
  }

  result(): PlayResult {
    return { output: this.#lines.text(), env: this.env };
  }

  async play(
    script: Heroscript,
    baseDir: string,
    vars: ReadonlyMap<string, string>,
  ): Promise<void> {
    this.#engine.check(script);
    for (const action of script.actions) {
      this.#throwIfAborted();
      await this.#runAction(action, script.source, baseDir, vars);
    }
  }

  /** Runs one file (`shown` is how messages name it), unless it already ran. */
  async playFile(
    path: string,
    shown: string,
    vars: ReadonlyMap<string, string>,
    replace?: Readonly<Record<string, string>>,
  ): Promise<void> {
    let real: string;
    let text: string;
    try {
      real = await realpath(path);
      text = this.#included.has(real) ? "" : await readFile(real, "utf8");
    } catch (e) {
      throw new Error(`cannot read script '${shown}': ${coerceError(e).message}`, { cause: e });
    }
    if (this.#included.has(real)) {
      this.options.log?.(`${shown}: already included, skipped`);
      return;
    }
    this.#included.add(real);
    const script = parseHeroscript(text, { source: shown, ...(replace ? { replace } : {}) });
    await this.play(script, dirname(real), vars);
  }

  async #include(
    path: string,
    baseDir: string,
    vars: ReadonlyMap<string, string>,
    replace?: Readonly<Record<string, string>>,
  ): Promise<void> {
    const full = resolve(baseDir, path);
    const info = await stat(full).catch(() => undefined);
    if (info === undefined) throw new Error(`cannot include '${path}': no such file or folder`);
    if (!info.isDirectory()) {
      await this.playFile(full, full, vars, replace);
      return;
    }
    const entries = await readdir(full, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile() && SCRIPT_FILE.test(e.name))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    for (const file of files) await this.playFile(file, file, vars, replace);
  }

  async #runAction(
    action: Action,
    source: string | undefined,
    baseDir: string,
    vars: ReadonlyMap<string, string>,
  ): Promise<void> {
    const name = actionName(action);
    const definition = this.registry.get(name);
    if (definition === undefined)
      throw new ActionError(name, action.line, "unknown action", source);
    const lookup = scopedLookup(vars, this.env);
    try {
      const ctx: PlayContext = {
        action,
        // Inside the try: a value that would grow past the cap fails with the action's line.
        params: action.params.mapValues((v) => replacePlaceholders(v, lookup)),
        env: this.env,
        signal: this.#signal,
        baseDir,
        print: (text) => this.#print(text),
        log: (line) => this.options.log?.(line),
        include: (path, includeVars, replace) => this.#include(path, baseDir, includeVars, replace),
      };
      const trace = this.options.traceAction;
      if (trace === undefined) await definition.run(ctx);
      else
        await trace({ kind: "action", module: action.actor, function: action.name }, async () =>
          definition.run(ctx),
        );
    } catch (e) {
      this.#throwIfAborted();
      const detail = coerceError(e).message;
      throw new ActionError(name, action.line, detail, source, { cause: e });
    }
  }

  #print(text: string): void {
    const lines = text.split("\n");
    if (lines.length > 1 && lines.at(-1) === "") lines.pop();
    for (const line of lines) {
      this.#lines.push(line);
      this.options.print?.(line);
    }
  }

  #throwIfAborted(): void {
    if (this.#signal.aborted) {
      throw new PlayAbortedError("the run was stopped", { cause: this.#signal.reason });
    }
  }
}

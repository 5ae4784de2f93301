// Errors of the heroscript parser and playbook engine. Every message carries where it
// happened, because a script author reads it from a job result, far from the script.

/**
 * The script does not follow heroscript's syntax. The message reads
 * "line L, column C: <what is wrong>" and says what was expected.
 */
export class HeroscriptSyntaxError extends Error {
  override readonly name = "HeroscriptSyntaxError";
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
    readonly source?: string,
  ) {
    super(`${where(source, line)}, column ${column}: ${detail}`);
  }
}

/**
 * A parameter is missing or does not have the type an action asked for. The engine turns it
 * into an `ActionError` that names the action and its line.
 */
export class ParamError extends Error {
  override readonly name = "ParamError";
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An action could not run: unknown, bad parameters, or its handler failed. The message reads
 * "line L: !!actor.name: <why>" (with the file name for included files).
 */
export class ActionError extends Error {
  override readonly name = "ActionError";
  constructor(
    readonly action: string,
    readonly line: number,
    readonly detail: string,
    readonly source?: string,
    options?: { cause?: unknown },
  ) {
    super(`${where(source, line)}: !!${action}: ${detail}`, options);
  }
}

function where(source: string | undefined, line: number): string {
  return source === undefined ? `line ${line}` : `${source} line ${line}`;
}

// Typed errors of the engine. Codes are the reference engine's variant names, so the
// conformance corpus compares them directly: runtime errors as `EvalAltResult` variants,
// parse errors as `ParseErrorType` variants (a lexer error is `BadInput`).

import { normalise } from "./int.js";

/** A position in the source: 1-based line and column; line 0 means "none". */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export const NO_POSITION: Position = { line: 0, column: 0 };

export type RuntimeErrorCode =
  | "ErrorSystem"
  | "ErrorParsing"
  | "ErrorVariableExists"
  | "ErrorForbiddenVariable"
  | "ErrorVariableNotFound"
  | "ErrorPropertyNotFound"
  | "ErrorIndexNotFound"
  | "ErrorFunctionNotFound"
  | "ErrorModuleNotFound"
  | "ErrorInFunctionCall"
  | "ErrorInModule"
  | "ErrorUnboundThis"
  | "ErrorMismatchDataType"
  | "ErrorMismatchOutputType"
  | "ErrorIndexingType"
  | "ErrorArrayBounds"
  | "ErrorStringBounds"
  | "ErrorBitFieldBounds"
  | "ErrorFor"
  | "ErrorDataRace"
  | "ErrorNonPureMethodCallOnConstant"
  | "ErrorAssignmentToConstant"
  | "ErrorDotExpr"
  | "ErrorArithmetic"
  | "ErrorTooManyOperations"
  | "ErrorTooManyVariables"
  | "ErrorTooManyModules"
  | "ErrorStackOverflow"
  | "ErrorDataTooLarge"
  | "ErrorTerminated"
  | "ErrorCustomSyntax"
  | "ErrorRuntime";

/** The human message of a runtime error: some codes carry only a name as their detail. */
function describe(code: string, detail: string): string {
  switch (code) {
    case "ErrorFunctionNotFound":
      return `Function not found: ${detail}`;
    case "ErrorIndexingType":
      return `Indexer unavailable: ${detail}`;
  }
  return detail;
}

/** The reference's message for an index out of bounds (`what` is Array, String or Bit-field). */
export function boundsError(
  what: "Array" | "String" | "Bit-field",
  length: number,
  index: number | bigint,
): RhaiRuntimeError {
  const code =
    what === "Array"
      ? "ErrorArrayBounds"
      : what === "String"
        ? "ErrorStringBounds"
        : "ErrorBitFieldBounds";
  const noun = what === "Array" ? "element" : what === "String" ? "character" : "bit";
  const container = what === "Array" ? "array" : what === "String" ? "string" : "bit-field";
  const tail =
    length === 0 && what !== "Bit-field"
      ? `${container} is empty`
      : `only ${length} ${noun}${length === 1 ? "" : "s"} in ${container}`;
  return new RhaiRuntimeError(
    code,
    `${what} index ${index} out of bounds: ${tail}`,
    NO_POSITION,
    undefined,
    undefined,
    // Beyond 2^53 the index stays exact (a bigint), as the message shows it.
    { index: typeof index === "bigint" ? normalise(index) : index, length },
  );
}

/** ErrorMismatchDataType as the reference words it. */
export function typeMismatch(requested: string, actual: string): RhaiRuntimeError {
  return new RhaiRuntimeError(
    "ErrorMismatchDataType",
    `Data type incorrect: ${actual} (expecting ${requested})`,
    NO_POSITION,
    undefined,
    undefined,
    { requested, actual },
  );
}

/** ErrorMismatchOutputType as the reference words it. */
export function outputMismatch(requested: string, actual: string): RhaiRuntimeError {
  return new RhaiRuntimeError(
    "ErrorMismatchOutputType",
    `Output type incorrect: ${actual} (expecting ${requested})`,
    NO_POSITION,
    undefined,
    undefined,
    { requested, actual },
  );
}

function where(pos: Position): string {
  return pos.line > 0 ? ` (line ${pos.line}, position ${pos.column})` : "";
}

/** A type name as the reference writes it in a function signature (strings have three). */
export function signatureType(name: string): string {
  return name === "string" ? "&str | ImmutableString | String" : name;
}

/** `name (type, type)`: a call as the reference names it in ErrorFunctionNotFound. */
export function signatureOf(name: string, types: readonly string[]): string {
  return `${name} (${types.map(signatureType).join(", ")})`;
}

/**
 * A runtime error. Native functions throw these (position left empty: the evaluator fills
 * in the call site). `value` carries the thrown value for `ErrorRuntime` (`throw x`).
 */
export class RhaiRuntimeError extends Error {
  override readonly name = "RhaiRuntimeError";
  readonly phase = "eval" as const;
  constructor(
    readonly code: RuntimeErrorCode,
    readonly detail: string,
    public position: Position = NO_POSITION,
    readonly value?: unknown,
    /** For `ErrorInFunctionCall`: the error raised inside the function. */
    readonly inner?: RhaiRuntimeError,
    /**
     * The variant's own fields as a caught error map shows them (`index`, `length`,
     * `requested`, `actual`...); `function`, `variable` and `property` are derived.
     */
    readonly fields: Readonly<Record<string, string | number | bigint>> = {},
  ) {
    super(describe(code, detail) + where(position));
  }

  /**
   * Built-in operators report their errors without a position in the reference: a caught
   * error map then has no `line`/`position`. The position is kept for our own messages.
   */
  unplaced = false;

  /** Marks the error as one the reference reports without a position. */
  withoutReferencePosition(): this {
    this.unplaced = true;
    return this;
  }

  /** The reference's Display of this error, without its own position. */
  referenceMessage(): string {
    if (this.code === "ErrorInFunctionCall" && this.inner !== undefined) {
      const fn = String(this.fields.function ?? "");
      const tail = fn.startsWith("anon$") ? "in closure call" : `in call to function '${fn}'`;
      return `${this.inner.referenceDisplay()}\n${tail}`;
    }
    return describe(this.code, this.detail);
  }

  /** The reference's Display of this error, with its position when it has one. */
  referenceDisplay(): string {
    return this.referenceMessage() + (this.unplaced ? "" : where(this.position));
  }

  /** The innermost error, looking through `ErrorInFunctionCall` wrappers. */
  innermost(): RhaiRuntimeError {
    let e: RhaiRuntimeError = this;
    while (e.code === "ErrorInFunctionCall" && e.inner !== undefined) e = e.inner;
    return e;
  }

  /** Sets the position once (the innermost call site wins) and refreshes the message. */
  at(pos: Position): this {
    if (this.position.line === 0 && pos.line > 0) {
      this.position = pos;
      this.message = describe(this.code, this.detail) + where(pos);
    }
    return this;
  }
}

/** A lexing or parsing error. For `BadInput`, `lexError` names the lexer's variant. */
export class RhaiParseError extends Error {
  override readonly name = "RhaiParseError";
  readonly phase = "parse" as const;
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly position: Position,
    readonly lexError?: string,
    readonly args: readonly unknown[] = [],
  ) {
    super(detail + where(position));
  }
}

export type RhaiError = RhaiRuntimeError | RhaiParseError;

export function isRhaiError(e: unknown): e is RhaiError {
  return e instanceof RhaiRuntimeError || e instanceof RhaiParseError;
}

// Typed errors of the engine. Codes are the reference engine's variant names, so the
// conformance corpus compares them directly: runtime errors as `EvalAltResult` variants,
// parse errors as `ParseErrorType` variants (a lexer error is `BadInput`).

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
  return code === "ErrorFunctionNotFound" ? `Function not found: ${detail}` : detail;
}

function where(pos: Position): string {
  return pos.line > 0 ? ` (line ${pos.line}, position ${pos.column})` : "";
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
  ) {
    super(describe(code, detail) + where(position));
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

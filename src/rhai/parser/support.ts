// What the parser's layers share: the per-function context (declared variables, captures,
// loop depth), error builders, and the literal-type checks the reference makes while parsing.

import type { CaptureRef, Node, VarDecl } from "../ast.js";
import { type Position, RhaiParseError } from "../errors.js";
import { type Token, tokenize } from "../lexer/index.js";
import { Char, Float } from "../value.js";
import type { ParseOptions } from "./options.js";

/** Type names accepted in `fn TYPE.method()`, mapped to `type_of` names. */
export const METHOD_TYPES: Readonly<Record<string, string>> = {
  int: "i64",
  float: "f64",
  INT: "i64",
  FLOAT: "f64",
};

/** The end of an open range (`a..`): the reference uses i64::MAX. */
export const I64_MAX = 9223372036854775807n;

/** One function being parsed (the script itself is the outermost). */
export interface FnContext {
  readonly parent: FnContext | undefined;
  readonly isClosure: boolean;
  readonly isFunction: boolean;
  readonly vars: VarDecl[];
  readonly captures: CaptureRef[];
  usesThis: boolean;
  /** Whether a call to `eval` appears here (outside nested closures). */
  usesEval: boolean;
  loopDepth: number;
  /** Module aliases imported in this context (for strict variables). */
  readonly imports: string[];
}

export function perr(
  code: string,
  detail: string,
  pos: Position,
  args: unknown[] = [],
): RhaiParseError {
  return new RhaiParseError(code, detail, pos, undefined, args);
}

/** A `BadInput` parse error; like the reference, it names the lexer-level cause. */
export function badInput(
  detail: string,
  pos: Position,
  lexError = "UnexpectedInput",
): RhaiParseError {
  return new RhaiParseError("BadInput", detail, pos, lexError, [detail]);
}

export function posOf(t: Token): Position {
  return { line: t.line, column: t.column };
}

export const ASSIGN_OPS = new Set([
  "=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "**=",
  "<<=",
  ">>=",
  "&=",
  "|=",
  "^=",
]);

export const BLOCK_LIKE = new Set(["Block", "If", "Switch", "While", "Do", "For", "Try"]);

export function lex(src: string, options: ParseOptions): Token[] {
  return tokenize(src, {
    disabled: options.disabledSymbols,
    // Interpolations nest no deeper than expressions may (each level is an expression).
    maxInterpolationDepth: options.maxExprDepth,
  });
}

/**
 * The reference's description of a literal's type ("a number"), for the type checks it
 * makes while parsing; undefined when the node is not a literal.
 */
export function literalKind(n: Node): string | undefined {
  switch (n.type) {
    case "Const": {
      const v = n.value;
      if (typeof v === "number" || typeof v === "bigint") return "a number";
      if (v instanceof Float) return "a floating-point number";
      if (typeof v === "boolean") return "a boolean";
      if (typeof v === "string") return "a string";
      if (v instanceof Char) return "a character";
      if (v === undefined) return "()";
      return undefined;
    }
    case "Unary": {
      // `-1`, `-(1)`: the reference folds negated number literals (not `-()`).
      const inner = n.op === "-" || n.op === "+" ? literalKind(n.arg) : undefined;
      return inner === "a number" || inner === "a floating-point number" ? inner : undefined;
    }
    case "Array":
      return "an array";
    case "MapLit":
      return "an object map";
    case "Interp":
      return "a string";
    default:
      return undefined;
  }
}

/** A literal condition must be a boolean (`if 1 {}` is a parse error in the reference). */
export function ensureBool(n: Node): Node {
  const kind = literalKind(n);
  if (kind !== undefined && kind !== "a boolean") {
    throw perr("MismatchedType", `Expecting a boolean expression, not ${kind}`, n.position, [
      "a boolean expression",
      kind,
    ]);
  }
  return n;
}

/** A literal `for` iterable must be one that can be iterated (strings and arrays can). */
export function ensureIterable(n: Node): Node {
  const kind = literalKind(n);
  if (kind !== undefined && kind !== "a string" && kind !== "an array") {
    throw perr("MismatchedType", `Expecting an iterable value, not ${kind}`, n.position, [
      "an iterable value",
      kind,
    ]);
  }
  return n;
}

/** Statements that end with their own block, as the reference's `is_self_terminated`. */
export const SELF_TERMINATED = new Set(["Block", "If", "Switch", "While", "For", "Try"]);

export function newContext(
  parent: FnContext | undefined,
  isClosure: boolean,
  isFunction: boolean,
): FnContext {
  return {
    parent,
    isClosure,
    isFunction,
    vars: [],
    captures: [],
    usesThis: false,
    usesEval: false,
    loopDepth: 0,
    imports: [],
  };
}

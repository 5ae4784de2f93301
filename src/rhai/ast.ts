// The syntax tree the parser produces and the compiler consumes.
//
// One discriminated union for expressions and statements (in Rhai most statements are
// expressions: blocks, `if`, `switch` and loops have values). Every node carries its
// position. Variable declarations share a `VarDecl` record with the references that the
// parser resolved to them, so the compiler can give each variable a frame slot and knows
// which ones closures capture (those live in shared cells).

import type { Position } from "./errors.js";
import type { Value } from "./value.js";

/** One declared variable (let, const, parameter, loop or catch variable). */
export interface VarDecl {
  readonly name: string;
  readonly constant: boolean;
  /** Set by the parser when a closure captures the variable: it then lives in a shared cell. */
  captured: boolean;
}

export interface FnDef {
  readonly name: string;
  readonly params: readonly VarDecl[];
  /** Variables a closure captures from where it was written, in order. */
  readonly captures: readonly CaptureRef[];
  readonly body: Node;
  readonly isPrivate: boolean;
  readonly position: Position;
  /** Whether the body mentions `this` (such a function is a method). */
  readonly usesThis: boolean;
  /** Whether the body calls `eval` (outside nested closures); unset: not known. */
  readonly usesEval?: boolean;
  readonly isClosure: boolean;
  /** `fn TYPE.name()`: callable as a method only on values of this `type_of` name. */
  readonly thisType?: string;
}

/** A captured variable: the outer declaration and the closure's own parameter for it. */
export interface CaptureRef {
  readonly outer: VarDecl;
  readonly inner: VarDecl;
}

export interface SwitchCase {
  readonly condition?: Node;
  readonly body: Node;
}

export interface SwitchRange {
  readonly start: Value;
  readonly end: Value;
  readonly inclusive: boolean;
  readonly case: SwitchCase;
}

type At<T> = T & { readonly position: Position };

export type Node =
  | At<{ readonly type: "Const"; readonly value: Value }>
  | At<{ readonly type: "Interp"; readonly parts: readonly Node[] }>
  | At<{ readonly type: "Var"; readonly name: string; readonly decl: VarDecl | undefined }>
  | At<{ readonly type: "GlobalVar"; readonly name: string }>
  | At<{ readonly type: "This" }>
  | At<{ readonly type: "Array"; readonly items: readonly Node[] }>
  | At<{ readonly type: "MapLit"; readonly entries: readonly (readonly [string, Node])[] }>
  | At<{ readonly type: "Unary"; readonly op: "-" | "+" | "!"; readonly arg: Node }>
  | At<{ readonly type: "Binary"; readonly op: string; readonly left: Node; readonly right: Node }>
  | At<{ readonly type: "And" | "Or" | "Coalesce"; readonly left: Node; readonly right: Node }>
  | At<{
      readonly type: "Index";
      readonly target: Node;
      readonly index: Node;
      readonly safe: boolean;
    }>
  | At<{
      readonly type: "Prop";
      readonly target: Node;
      readonly name: string;
      readonly safe: boolean;
    }>
  | At<{
      readonly type: "Call";
      readonly name: string;
      readonly args: readonly Node[];
      /** `f!(...)`: the function may see the caller's variables. */
      readonly capture: boolean;
      readonly namespace?: string;
    }>
  | At<{
      readonly type: "Method";
      readonly target: Node;
      readonly name: string;
      readonly args: readonly Node[];
      readonly safe: boolean;
    }>
  | At<{ readonly type: "Closure"; readonly fn: FnDef }>
  | At<{ readonly type: "Block"; readonly body: readonly Node[] }>
  | At<{ readonly type: "If"; readonly cond: Node; readonly then: Node; readonly else?: Node }>
  | At<{
      readonly type: "Switch";
      readonly subject: Node;
      readonly table: ReadonlyMap<unknown, readonly SwitchCase[]>;
      readonly ranges: readonly SwitchRange[];
      readonly default?: Node;
    }>
  | At<{ readonly type: "While"; readonly cond: Node | undefined; readonly body: Node }>
  | At<{
      readonly type: "Do";
      readonly body: Node;
      readonly cond: Node;
      /** `do ... until` stops when the condition holds. */
      readonly until: boolean;
    }>
  | At<{
      readonly type: "For";
      readonly item: VarDecl;
      readonly counter?: VarDecl;
      readonly iterable: Node;
      readonly body: Node;
    }>
  | At<{ readonly type: "Break"; readonly value?: Node }>
  | At<{ readonly type: "Continue" }>
  | At<{ readonly type: "Return"; readonly value?: Node }>
  | At<{ readonly type: "Throw"; readonly value?: Node }>
  | At<{
      readonly type: "Try";
      readonly body: Node;
      readonly errVar?: VarDecl;
      readonly catchBody: Node;
    }>
  | At<{
      readonly type: "Let";
      readonly decl: VarDecl;
      readonly value?: Node;
      readonly exported: boolean;
    }>
  | At<{
      readonly type: "Assign";
      readonly op: string;
      readonly target: Node;
      readonly value: Node;
    }>
  | At<{ readonly type: "Import"; readonly path: Node; readonly alias?: VarDecl }>
  | At<{ readonly type: "Export"; readonly names: readonly (readonly [string, string])[] }>
  | At<{ readonly type: "Noop" }>;

export type NodeOf<T extends Node["type"]> = Extract<Node, { type: T }>;

/** A parsed script: its statements and its function definitions. */
export interface Script {
  readonly body: readonly Node[];
  readonly functions: readonly FnDef[];
  /** Whether the main body calls `eval` (outside closures); unset: not known. */
  readonly usesEval?: boolean;
  /** Top-level declarations, for writing variables back to a host scope. */
  readonly source: string;
}

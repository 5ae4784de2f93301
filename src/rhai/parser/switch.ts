// `switch`: its cases by constant value or range, guards, the default arm and the
// reference's case-order rules; and the key a case value is stored under, which the
// compiled code looks up at run time.

import type { Node, SwitchCase, SwitchRange } from "../ast.js";
import { type Position, RhaiParseError } from "../errors.js";
import { neg } from "../int.js";
import { Char, Float, type Value } from "../value.js";
import { StatementParser } from "./statements.js";
import { badInput, perr, posOf, SELF_TERMINATED } from "./support.js";

/** The whole parser: the top of the chain (base, expressions, functions, statements, switch). */
export class Parser extends StatementParser {
  protected switchExpr(): Node {
    const kw = this.nextTok();
    return this.nested(posOf(kw), () => this.switchRest(posOf(kw)));
  }

  private switchRest(pos: Position): Node {
    const subject = this.expr();
    this.expectSym("{", "to start a switch block");
    const table = new Map<unknown, SwitchCase[]>();
    const ranges: SwitchRange[] = [];
    let def: Node | undefined;
    for (;;) {
      if (this.isSym("}")) {
        this.nextTok();
        break;
      }
      if (this.tok.kind === "eof") {
        throw perr("MissingToken", "Expecting '}' to end this switch block", posOf(this.tok), [
          "}",
        ]);
      }
      if (def !== undefined) {
        throw perr("WrongSwitchDefaultCase", "Default case must be the last", posOf(this.tok));
      }
      const caseTok = this.tok;
      let isDefault = false;
      const values: Value[] = [];
      const rangeVals: { start: Value; end: Value; inclusive: boolean }[] = [];
      if (caseTok.kind === "ident" && caseTok.text === "_") {
        this.nextTok();
        isDefault = true;
      } else {
        for (;;) {
          const saved = this.depth;
          this.up(posOf(this.tok));
          let e: Node;
          const start = this.tok;
          try {
            e = this.binary(31, this.unary());
          } catch (x) {
            // A token that cannot start a case value at all: the reference asks for a literal.
            if (
              x instanceof RhaiParseError &&
              x.code === "BadInput" &&
              x.lexError === "UnexpectedInput" &&
              x.position.line === start.line &&
              x.position.column === start.column
            ) {
              throw perr("ExprExpected", "Expecting literal expression", posOf(start), ["literal"]);
            }
            throw x;
          } finally {
            this.depth = saved;
          }
          // The reference wants the case's `=>` (or `if`, `|`) before it checks the value.
          if (!this.isSym("=>") && !this.isSym("|") && !this.isKw("if")) {
            throw perr("MissingToken", "Expecting '=>' in this switch case", posOf(this.tok), [
              "=>",
              "in this switch case",
            ]);
          }
          const c = this.constValue(e);
          if (c === NOT_CONST) {
            throw perr("ExprExpected", "Expecting a constant", e.position, ["a constant"]);
          }
          if (c instanceof RangeValue) rangeVals.push(c);
          else values.push(c);
          if (this.isSym("|")) {
            this.nextTok();
            continue;
          }
          break;
        }
      }
      let condition: Node | undefined;
      if (this.isKw("if")) {
        if (isDefault) {
          throw perr(
            "WrongSwitchCaseCondition",
            "Default case cannot have a condition",
            posOf(this.tok),
          );
        }
        this.nextTok();
        condition = this.expr();
      }
      this.expectSym("=>", "in this switch case");
      const body = this.switchBody();
      if (isDefault) def = body;
      else {
        const kase: SwitchCase = { condition, body };
        for (const v of values) {
          if (
            (typeof v === "number" || typeof v === "bigint" || v instanceof Float) &&
            ranges.length > 0
          ) {
            throw perr(
              "WrongSwitchIntegerCase",
              "Numeric switch case cannot follow a range case",
              posOf(caseTok),
            );
          }
          const key = switchKey(v);
          const list = table.get(key);
          // A repeated case is allowed; the first one that matches wins (as the reference).
          if (list === undefined) table.set(key, [kase]);
          else list.push(kase);
        }
        // An empty range (2..=0) never matches and does not count as a range case.
        for (const r of rangeVals) if (!isEmptyRange(r)) ranges.push({ ...r, case: kase });
      }
      if (this.isSym(",")) {
        this.nextTok();
        continue;
      }
      if (this.isSym("}")) continue;
      // A case body that ends with a block (`if`, a loop, `switch`, `try`) needs no comma.
      if (SELF_TERMINATED.has(body.type)) continue;
      throw perr(
        "MissingToken",
        "Expecting ',' to separate the cases of this switch block",
        posOf(this.tok),
        [","],
      );
    }
    return { type: "Switch", subject, table, ranges, default: def, position: pos };
  }

  /** A case body is a statement: an expression, a block, an assignment, `break`... */
  protected switchBody(): Node {
    // The reference's lexer does not join a `-` right after `=>` to the number after it.
    this.noMergeAt = posOf(this.tok);
    const t = this.tok;
    if (t.kind === "keyword" && (t.text === "let" || t.text === "const" || t.text === "fn")) {
      throw badInput(`'${t.text}' is not allowed in a switch case`, posOf(t));
    }
    return this.statement(false);
  }

  /** The value of a constant expression (literals, ranges of literals, negation). */
  protected constValue(e: Node): Value | RangeValue | typeof NOT_CONST {
    if (e.type === "Const") return e.value;
    if (e.type === "Binary" && (e.op === ".." || e.op === "..=")) {
      const a = this.constValue(e.left);
      const b = this.constValue(e.right);
      if (
        (typeof a === "number" || typeof a === "bigint") &&
        (typeof b === "number" || typeof b === "bigint")
      ) {
        return new RangeValue(a, b, e.op === "..=");
      }
      return NOT_CONST;
    }
    if (e.type === "Unary" && e.op === "-") {
      const a = this.constValue(e.arg);
      if (typeof a === "number" || typeof a === "bigint") return neg(a) ?? NOT_CONST;
      if (a instanceof Float) return new Float(-a.value);
    }
    return NOT_CONST;
  }
}

const NOT_CONST: unique symbol = Symbol("not constant");

function isEmptyRange(r: { start: Value; end: Value; inclusive: boolean }): boolean {
  const a = BigInt(r.start as number | bigint);
  const b = BigInt(r.end as number | bigint);
  return r.inclusive ? a > b : a >= b;
}

class RangeValue {
  constructor(
    readonly start: Value,
    readonly end: Value,
    readonly inclusive: boolean,
  ) {}
}

/** The key under which a switch case value is stored (and looked up at run time). */
export function switchKey(v: Value): unknown {
  if (v instanceof Float) return `\u0000f${v.value}`;
  if (v instanceof Char) return `\u0000c${v.value}`;
  if (typeof v === "string") return `\u0000s${v}`;
  return v;
}

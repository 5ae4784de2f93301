// `switch`: its cases by constant value or range, guards, the default arm and the
// reference's case-order rules; and the key a case value is stored under, which the
// compiled code looks up at run time.

import type { Node, SwitchCase, SwitchRange } from "../ast.js";
import { type Position, RhaiParseError } from "../errors.js";
import { neg } from "../int.js";
import { Char, Float, type Value } from "../value.js";
import { StatementParser } from "./statements.js";
import { perr, posOf, SELF_TERMINATED } from "./support.js";

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
    let defPos = pos;
    let rangeSeen = false;
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
        throw perr("WrongSwitchDefaultCase", "Default case must be the last", defPos);
      }
      const caseTok = this.tok;
      let isDefault = false;
      const exprs: Node[] = [];
      if (caseTok.kind === "ident" && caseTok.text === "_") {
        this.nextTok();
        isDefault = true;
        defPos = posOf(caseTok);
      } else {
        for (;;) {
          exprs.push(this.caseExpr());
          if (!this.isSym("|")) break;
          this.nextTok();
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
        condition = this.condition();
      }
      this.expectSym("=>", "in this switch case");
      const body = this.switchBody();
      if (isDefault) def = body;
      else {
        // As the reference, the case values are checked once the case is read, in order.
        const kase: SwitchCase = { condition, body };
        // The optimiser drops a case whose guard is the literal `false` (after these checks).
        const dropped = condition?.type === "Const" && condition.value === false;
        for (const e of exprs) {
          const v = this.constValue(e);
          if (v === NOT_CONST) {
            throw perr("ExprExpected", "Expecting a literal", e.position, ["a literal"]);
          }
          if (v instanceof RangeValue) {
            // An empty range (2..=0) never matches and does not count as a range case.
            if (!isEmptyRange(v)) {
              rangeSeen = true;
              if (!dropped) ranges.push({ ...v, case: kase });
            }
            continue;
          }
          if ((typeof v === "number" || typeof v === "bigint" || v instanceof Float) && rangeSeen) {
            throw perr(
              "WrongSwitchIntegerCase",
              "Numeric switch case cannot follow a range case",
              e.position,
            );
          }
          if (dropped) continue;
          const key = switchKey(v);
          const list = table.get(key);
          // A repeated case is allowed; the first one that matches wins (as the reference).
          if (list === undefined) table.set(key, [kase]);
          else list.push(kase);
        }
      }
      if (this.isSym(",")) {
        this.nextTok();
        continue;
      }
      if (this.isSym("}")) continue;
      // A case body that ends with a block (`if`, a loop, `switch`, `try`) needs no comma.
      if (
        SELF_TERMINATED.has(body.type) &&
        !(body.type === "Block" && body.body[0]?.type === "Let")
      )
        continue;
      throw perr(
        "MissingToken",
        "Expecting ',' to separate the cases of this switch block",
        posOf(this.tok),
        [","],
      );
    }
    return { type: "Switch", subject, table, ranges, default: def, position: pos };
  }

  /**
   * One value of a case, up to a `|`. The reference parses it as an expression that stops
   * at any `|` (one cannot start a closure there), and reports any error in it as a missing
   * literal.
   */
  private caseExpr(): Node {
    const saved = this.depth;
    const savedStop = this.pipeStops;
    this.pipeStops = true;
    try {
      this.up(this.tok);
      return this.binary(0, this.unary());
    } catch (x) {
      if (!(x instanceof RhaiParseError)) throw x;
      throw perr("ExprExpected", "Expecting a literal", x.position, ["literal"]);
    } finally {
      this.depth = saved;
      this.pipeStops = savedStop;
    }
  }

  /**
   * A case body is a statement: an expression, a block, an assignment, `break`, even a `let`
   * (then in a block of its own, so the variable ends with the case).
   */
  protected switchBody(): Node {
    const mark = this.ctx.vars.length;
    const stmt = this.statement(false);
    if (stmt.type !== "Let") return stmt;
    this.popVars(mark);
    return { type: "Block", body: [stmt], position: stmt.position };
  }

  /** The value of a constant expression (literals, ranges of literals, negation). */
  protected constValue(e: Node): Value | RangeValue | typeof NOT_CONST {
    if (e.type === "Const") return e.value;
    // Array and map literals of literals are case values too, matched by their contents.
    if (e.type === "Array") {
      const items: Value[] = [];
      for (const item of e.items) {
        const v = this.constValue(item);
        if (v === NOT_CONST || v instanceof RangeValue) return NOT_CONST;
        items.push(v);
      }
      return items;
    }
    if (e.type === "MapLit") {
      const map = new Map<string, Value>();
      for (const [k, item] of e.entries) {
        const v = this.constValue(item);
        if (v === NOT_CONST || v instanceof RangeValue) return NOT_CONST;
        map.set(k, v);
      }
      return map;
    }
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
  if (Array.isArray(v) || v instanceof Map) return `\u0000x${contentKey(v)}`;
  if (v instanceof Float) return `\u0000f${v.value}`;
  if (v instanceof Char) return `\u0000c${v.value}`;
  if (typeof v === "string") return `\u0000s${v}`;
  return v;
}

/**
 * A string that two values share when they are equal item by item and of the same types
 * (map keys in order), for arrays and maps as switch cases. Values no literal can hold get
 * a key no case has.
 */
function contentKey(v: Value): string {
  if (typeof v === "number" || typeof v === "bigint") return `i${v};`;
  if (typeof v === "boolean") return v ? "T" : "F";
  if (v === undefined) return "U";
  if (typeof v === "string") return `s${v.length}:${v}`;
  if (v instanceof Float) return `f${v.value};`;
  if (v instanceof Char) return `c${v.value.length}:${v.value}`;
  if (Array.isArray(v)) return `a${v.length}[${v.map(contentKey).join("")}]`;
  if (v instanceof Map) {
    const keys = [...v.keys()].sort();
    return `m${v.size}{${keys.map((k) => `${k.length}:${k}${contentKey(v.get(k))}`).join("")}}`;
  }
  return "\u0001";
}

// Expressions: binary operators by precedence, unary operators, primaries (literals,
// interpolated strings, arrays, maps, variables, keyword expressions) and postfix chains
// (calls, indexing, properties), with the literal-size and index checks.

import type { Node } from "../ast.js";
import { type Position, RhaiParseError } from "../errors.js";
import { neg } from "../int.js";
import {
  BINARY_PRECEDENCE,
  KEYWORD_FUNCTIONS,
  RESERVED_SYMBOLS,
  type Token,
} from "../lexer/index.js";
import { utf8Length } from "../ops.js";
import { Char, char, Float, type Value } from "../value.js";
import { ParserBase } from "./base.js";
import {
  badInput,
  ensureBool,
  type FnContext,
  I64_MAX,
  literalKind,
  perr,
  posOf,
} from "./support.js";

/** The tokens after which the reference's lexer joins `-` and a number into one literal. */
const MERGE_AFTER: ReadonlySet<string> = new Set([
  ";",
  ":",
  ",",
  "??",
  "..",
  "..=",
  "{",
  "(",
  "[",
  "?[",
  "+",
  "+=",
  "-",
  "-=",
  "*",
  "*=",
  "/",
  "/=",
  "%",
  "%=",
  "**",
  "**=",
  "<<",
  "<<=",
  ">>",
  ">>=",
  "=",
  "==",
  "!=",
  "<",
  ">",
  "<=",
  ">=",
  "!",
  "|",
  "|=",
  "&",
  "&=",
  "&&",
  "||",
  "^",
  "^=",
  "if",
  "while",
  "until",
  "in",
  "return",
  "throw",
]);

export abstract class ExpressionParser extends ParserBase {
  expr(): Node {
    const saved = this.depth;
    this.up(this.tok);
    try {
      return this.binary(0, this.unary());
    } finally {
      this.depth = saved;
    }
  }

  /**
   * An expression one level deeper than the step at `at` (an item, an index, a `let` value):
   * `nested` around `expr`, with both levels taken here, so one frame and no closure.
   */
  protected deeperExpr(at: Position): Node {
    const saved = this.depth;
    this.up(at);
    try {
      this.up(this.tok);
      return this.binary(0, this.unary());
    } finally {
      this.depth = saved;
    }
  }

  /** The binary operator at the current token, if any (with `!in` as one operator). */
  protected binaryOp(): string | undefined {
    const t = this.tok;
    if (t.kind === "symbol") {
      if (this.pipeStops && t.text === "|") return undefined;
      if (t.text === "!" && this.isKw("in", this.peekTok())) return "!in";
      return BINARY_PRECEDENCE[t.text] !== undefined ? t.text : undefined;
    }
    if (t.kind === "keyword" && t.text === "in") return "in";
    if (
      t.kind === "reserved" &&
      (BINARY_PRECEDENCE[t.text] !== undefined || RESERVED_SYMBOLS.has(t.text))
    ) {
      throw perr("UnknownOperator", `Unknown operator: '${t.text}'`, posOf(t), [t.text]);
    }
    return undefined;
  }

  /**
   * The operators after `lhs` that bind tighter than `parentPrec` (or as tight, for the
   * right-binding `**`). Shaped as the reference's loop, for its level count: each operator
   * applied raises the level for the operators after it, and a tighter operator on the
   * right is parsed one level deeper.
   */
  protected binary(parentPrec: number, lhs: Node): Node {
    const saved = this.depth;
    let left = lhs;
    // Where the next level starts (a position, or the operator's token: `up` reads both).
    let levelPos: Position = lhs.position;
    try {
      for (;;) {
        const op = this.binaryOp();
        if (op === undefined) return left;
        const prec = BINARY_PRECEDENCE[op] as number;
        const bindRight = op === "**";
        if (prec < parentPrec || (prec === parentPrec && !bindRight)) return left;
        const opTok = this.nextTok();
        if (op === "!in") this.nextTok();
        const opPos = posOf(opTok);
        let right: Node;
        if ((op === ".." || op === "..=") && !this.startsExpression()) {
          // An open-ended range `a..` runs to the end.
          right = { type: "Const", value: I64_MAX, position: opPos };
        } else {
          right = this.unary();
          const next = this.binaryOp();
          if (next !== undefined) {
            const nprec = BINARY_PRECEDENCE[next] as number;
            if (nprec > prec || (nprec === prec && bindRight)) {
              // One level deeper (as `nested`, inline: this is the parser's hottest loop).
              const level = this.depth;
              this.up(levelPos);
              try {
                right = this.binary(prec, right);
              } finally {
                this.depth = level;
              }
            }
          }
        }
        this.up(levelPos);
        levelPos = opTok;
        left = this.makeBinary(op, left, right, opPos);
      }
    } finally {
      this.depth = saved;
    }
  }

  protected makeBinary(op: string, left: Node, right: Node, position: Position): Node {
    switch (op) {
      case "&&":
        ensureBool(left);
        ensureBool(right);
        return logical("And", left, right, position);
      case "||":
        ensureBool(left);
        ensureBool(right);
        return logical("Or", left, right, position);
      case "??":
        return { type: "Coalesce", left, right, position };
      default:
        return { type: "Binary", op, left, right, position };
    }
  }

  /** Whether the current token can begin an expression (for open-ended ranges). */
  protected startsExpression(): boolean {
    const t = this.tok;
    if (t.kind === "eof") return false;
    return !(t.kind === "symbol" && ["]", ")", ",", ";", "}", "=>"].includes(t.text));
  }

  protected unary(): Node {
    const t = this.tok;
    if (this.pipeStops && t.kind === "symbol" && t.text === "|") {
      throw badInput("Unexpected '|'", posOf(t));
    }
    if (t.kind === "symbol" && (t.text === ".." || t.text === "..=")) {
      // `..b`, `..=b`, `..`: a range from the start, read as `0..b` by the operator loop
      // (the `..` is left for it).
      return { type: "Const", value: 0, position: posOf(t) };
    }
    if (t.kind === "symbol" && (t.text === "-" || t.text === "+" || t.text === "!")) {
      this.nextTok();
      const saved = this.depth;
      try {
        const n = this.tok;
        // The reference lexes a `-` written right against a number as part of the literal,
        // so `-5.abs()` is 5; with a space, `- 5.abs()` negates the call's result. It does so
        // only where an operand may begin: at the start, or after a token of MERGE_AFTER
        // (not after `}`, `)`, `=>`, `switch`, a name...).
        const before = this.i >= 2 ? this.toks[this.i - 2] : undefined;
        const adjacent =
          n.line === t.line &&
          n.column === t.column + 1 &&
          (before === undefined ||
            ((before.kind === "symbol" || before.kind === "keyword") &&
              MERGE_AFTER.has(before.text)));
        // A `-` joined to its number is one literal token there, not an operator with its
        // level.
        if (!(adjacent && t.text === "-" && (n.kind === "int" || n.kind === "float"))) {
          this.up(t);
        }
        if (t.text === "-" && n.kind === "int" && (adjacent || !this.postfixFollows(1))) {
          this.nextTok();
          const value = n.overflow ? -(2n ** 63n) : (neg(n.int as number) ?? 0);
          const lit: Node = { type: "Const", value, position: posOf(t) };
          return adjacent ? this.postfix(lit) : lit;
        }
        if (t.text === "-" && n.kind === "float" && (adjacent || !this.postfixFollows(1))) {
          this.nextTok();
          const lit: Node = {
            type: "Const",
            value: new Float(-(n.float as number)),
            position: posOf(t),
          };
          return adjacent ? this.postfix(lit) : lit;
        }
        const arg = this.unary();
        return { type: "Unary", op: t.text as "-" | "+" | "!", arg, position: posOf(t) };
      } finally {
        this.depth = saved;
      }
    }
    return this.postfix(this.primary());
  }

  /** Whether a postfix operator (`.`, `[`) follows the token `n` ahead. */
  protected postfixFollows(n: number): boolean {
    const t = this.peekTok(n);
    return (
      t.kind === "symbol" &&
      (t.text === "." || t.text === "[" || t.text === "?." || t.text === "?[")
    );
  }

  protected primary(): Node {
    const t = this.tok;
    // Names and keywords make their own positions; nested literals count a level.
    if (t.kind === "ident") return this.identExpr();
    if (t.kind === "keyword") return this.keywordExpr(t);
    if (t.kind === "interp") return this.nestedPrimary(t);
    if (t.kind === "symbol" && (t.text === "[" || t.text === "#{" || t.text === "{")) {
      return this.nestedPrimary(t);
    }
    const pos = posOf(t);
    switch (t.kind) {
      case "int":
        this.nextTok();
        if (t.overflow) {
          throw new RhaiParseError(
            "BadInput",
            `Invalid number: ${t.text}`,
            pos,
            "MalformedNumber",
            [t.text],
          );
        }
        return { type: "Const", value: t.int as Value, position: pos };
      case "float":
        this.nextTok();
        return { type: "Const", value: new Float(t.float as number), position: pos };
      case "string":
        this.nextTok();
        this.checkString(t.text, pos);
        return { type: "Const", value: t.text, position: pos };
      case "char":
        this.nextTok();
        return { type: "Const", value: char(t.text), position: pos };
      case "reserved":
        throw this.reserved(t);
      case "eof":
        throw perr("UnexpectedEOF", "Script is incomplete", pos);
      case "symbol":
        break;
    }
    switch (t.text) {
      case "(": {
        this.nextTok();
        if (this.isSym(")")) {
          const close = this.tok;
          if (close.line !== t.line || close.column !== t.column + 1) {
            throw badInput("Expecting an expression inside the parentheses", posOf(close));
          }
          this.nextTok();
          return { type: "Const", value: undefined, position: pos };
        }
        const e = this.deeperExpr(t);
        this.expectSym(")", "for a matching ( in this expression");
        return e;
      }
      case "|":
      case "||":
        return this.closure();
      default:
        throw badInput(`Unexpected '${t.text}'`, pos);
    }
  }

  /**
   * An interpolated string, array, map or block as an expression: one level deeper (as
   * `nested`, inline: literals are frequent).
   */
  private nestedPrimary(t: Token): Node {
    if (t.text === "{" && t.kind === "symbol" && !this.opt.allowStatementExpression) {
      throw badInput("Statement blocks are not allowed as expressions", posOf(t));
    }
    const saved = this.depth;
    this.up(t);
    try {
      if (t.kind === "interp") {
        this.nextTok();
        return this.interpolated(t);
      }
      return t.text === "[" ? this.arrayLit() : t.text === "#{" ? this.mapLit() : this.block();
    } finally {
      this.depth = saved;
    }
  }

  protected checkString(s: string, pos: Position): void {
    const max = this.opt.maxStringSize;
    if (max > 0 && utf8Length(s) > max) {
      throw perr("LiteralTooLarge", "Length of string literal exceeds the maximum limit", pos, [
        "Length of string",
        max,
      ]);
    }
  }

  protected interpolated(t: Token): Node {
    const parts: Node[] = [];
    let total = 0;
    for (const part of t.parts ?? []) {
      if (typeof part === "string") {
        total += utf8Length(part);
        if (part !== "") parts.push({ type: "Const", value: part, position: posOf(t) });
        continue;
      }
      parts.push(this.parseTokens(part));
    }
    const max = this.opt.maxStringSize;
    if (max > 0 && total > max) {
      throw perr(
        "LiteralTooLarge",
        "Length of string literal exceeds the maximum limit",
        posOf(t),
        ["Length of string", max],
      );
    }
    return { type: "Interp", parts, position: posOf(t) };
  }

  /** Parses an embedded token list with this parser's state (scopes, options). */
  protected parseTokens(tokens: Token[]): Node {
    const savedToks = this.toks;
    const savedI = this.i;
    this.toks = tokens;
    this.i = 0;
    const saved = this.depth;
    try {
      const body: Node[] = [];
      const pos = posOf(this.tok);
      // Each `${...}` is a block to the reference, one level deeper.
      this.up(pos);
      while (this.tok.kind !== "eof") {
        if (this.isSym(";")) {
          this.nextTok();
          continue;
        }
        const stmt = this.statement(false);
        if (stmt.type !== "Noop") body.push(stmt);
        this.terminator(stmt);
      }
      if (body.length === 1 && body[0]?.type !== "Let") return body[0] as Node;
      return { type: "Block", body, position: pos };
    } finally {
      this.toks = savedToks;
      this.i = savedI;
      this.depth = saved;
    }
  }

  protected arrayLit(): Node {
    const open = this.nextTok();
    const items: Node[] = [];
    while (!this.isSym("]")) {
      if (this.tok.kind === "eof") {
        throw perr("MissingToken", "Expecting ']' to end this array literal", posOf(this.tok), [
          "]",
        ]);
      }
      items.push(this.deeperExpr(open));
      if (this.isSym(",")) this.nextTok();
      else if (!this.isSym("]")) {
        throw perr(
          "MissingToken",
          "Expecting ',' to separate the items of this array literal",
          posOf(this.tok),
          [","],
        );
      }
    }
    this.nextTok();
    const max = this.opt.maxArraySize;
    if (max > 0 && items.length > max) {
      throw perr(
        "LiteralTooLarge",
        "Size of array literal exceeds the maximum limit",
        posOf(open),
        ["Size of array literal", max],
      );
    }
    return { type: "Array", items, position: posOf(open) };
  }

  protected mapLit(): Node {
    const open = this.nextTok();
    const entries: [string, Node][] = [];
    const seen = new Set<string>();
    while (!this.isSym("}")) {
      const k = this.tok;
      let key: string;
      if (k.kind === "ident" || k.kind === "string" || k.kind === "keyword") {
        key = k.text;
      } else if (k.kind === "int") {
        key = k.text;
      } else if (k.kind === "eof") {
        throw perr("MissingToken", "Expecting '}' to end this object map literal", posOf(k), ["}"]);
      } else if (k.kind === "reserved") {
        throw this.reserved(k);
      } else {
        throw perr("PropertyExpected", "Expecting name of a property", posOf(k));
      }
      this.nextTok();
      if (seen.has(key)) {
        throw perr(
          "DuplicatedProperty",
          `Duplicated property '${key}' in object map literal`,
          posOf(k),
          [key],
        );
      }
      seen.add(key);
      this.expectSym(":", "to follow the property name in this object map literal");
      entries.push([key, this.deeperExpr(open)]);
      if (this.isSym(",")) this.nextTok();
      else if (!this.isSym("}")) {
        throw perr(
          "MissingToken",
          "Expecting ',' to separate the items of this object map literal",
          posOf(this.tok),
          [","],
        );
      }
    }
    this.nextTok();
    const max = this.opt.maxMapSize;
    if (max > 0 && entries.length > max) {
      throw perr(
        "LiteralTooLarge",
        "Number of properties in object map literal exceeds the maximum limit",
        posOf(open),
        ["Number of properties in object map literal", max],
      );
    }
    return { type: "MapLit", entries, position: posOf(open) };
  }

  protected keywordExpr(t: Token): Node {
    const pos = posOf(t);
    switch (t.text) {
      case "true":
        this.nextTok();
        return { type: "Const", value: true, position: pos };
      case "false":
        this.nextTok();
        return { type: "Const", value: false, position: pos };
      case "if":
        if (!this.opt.allowIfExpression)
          throw badInput("'if' is not allowed as an expression", pos);
        return this.nestedKeyword(t);
      case "switch":
        if (!this.opt.allowSwitchExpression) {
          throw badInput("'switch' is not allowed as an expression", pos);
        }
        return this.nestedKeyword(t);
      case "while":
      case "loop":
      case "do":
      case "for":
        if (!this.opt.allowLoopExpressions) {
          throw badInput("Loops are not allowed as expressions", pos);
        }
        return this.nestedKeyword(t);
      case "global": {
        this.nextTok();
        this.expectSym("::", "after 'global'");
        const name = this.identifier("after 'global::'");
        return { type: "GlobalVar", name: name.text, position: pos };
      }
      case "fn":
      case "private":
        throw perr("WrongFnDefinition", "Function definitions must be at global level", pos);
      case "break":
      case "continue":
      case "return":
      case "throw":
        return this.statement(false);
      default:
        // A keyword that cannot start an expression (`let x = try {}`).
        throw badInput(`Unexpected '${t.text}'`, pos);
    }
  }

  /** `if`, `switch` or a loop as an expression: one level deeper (as `nested`, inline). */
  private nestedKeyword(t: Token): Node {
    const saved = this.depth;
    this.up(t);
    try {
      if (t.text === "if") return this.ifExpr();
      return t.text === "switch" ? this.switchExpr() : this.loopStmt();
    } finally {
      this.depth = saved;
    }
  }

  protected identExpr(): Node {
    const t = this.nextTok();
    const pos = posOf(t);
    const name = t.text;
    if (name === "this") {
      this.ctx.usesThis = true;
      return { type: "This", position: pos };
    }
    // The language's own functions (`print`, `call`...) are reserved words there: only a
    // call may name them.
    if (
      KEYWORD_FUNCTIONS.has(name) &&
      !this.isSym("(") &&
      !(this.isSym("!") && this.isSym("(", this.peekTok()))
    ) {
      throw this.reserved(t);
    }
    // Namespaced name: `module::name` or `module::fn(...)`.
    if (this.isSym("::")) {
      const path: string[] = [name];
      while (this.isSym("::")) {
        this.nextTok();
        path.push(this.identifier("after '::'").text);
      }
      const last = path.pop() as string;
      const namespace = path.join("::");
      if (this.opt.strictVariables && !this.importedAlias(path[0] as string)) {
        throw perr("ModuleUndefined", `Undefined module: ${path[0]}`, pos, [path[0]]);
      }
      if (this.isSym("(")) {
        const args = this.callArgs(pos);
        if (last === "eval") this.ctx.usesEval = true;
        return { type: "Call", name: last, args, capture: false, namespace, position: pos };
      }
      return { type: "Var", name: `${namespace}::${last}`, decl: undefined, position: pos };
    }
    if (this.isSym("(")) {
      const args = this.callArgs(pos);
      if (name === "eval") this.ctx.usesEval = true;
      return { type: "Call", name, args, capture: false, position: pos };
    }
    if (this.isSym("!") && this.isSym("(", this.peekTok())) {
      this.nextTok();
      const args = this.callArgs(pos);
      if (name === "eval") this.ctx.usesEval = true;
      return { type: "Call", name, args, capture: true, position: pos };
    }
    const decl = this.resolve(name);
    if (decl === undefined && this.opt.strictVariables && !this.knownName(name)) {
      throw perr("VariableUndefined", `Undefined variable: ${name}`, pos, [name]);
    }
    return { type: "Var", name, decl, position: pos };
  }

  protected importedAlias(name: string): boolean {
    for (let c: FnContext | undefined = this.ctx; c !== undefined; c = c.parent) {
      if (c.imports.includes(name)) return true;
    }
    return this.root.imports.includes(name);
  }

  /** A call's arguments; with any, they are one level deeper (`pos`: the function's name). */
  protected callArgs(pos: Position): Node[] {
    this.expectSym("(", "to start the arguments");
    const args: Node[] = [];
    if (this.isSym(")")) {
      this.nextTok();
      return args;
    }
    const saved = this.depth;
    this.up(pos);
    try {
      while (!this.isSym(")")) {
        if (this.tok.kind === "eof") {
          throw perr("MissingToken", "Expecting ')' to close the arguments list", posOf(this.tok), [
            ")",
          ]);
        }
        args.push(this.expr());
        if (this.isSym(",")) this.nextTok();
        else if (!this.isSym(")")) {
          throw perr("MissingToken", "Expecting ',' to separate the arguments", posOf(this.tok), [
            ",",
          ]);
        }
      }
    } finally {
      this.depth = saved;
    }
    this.nextTok();
    return args;
  }

  /**
   * The chain after a primary: properties, method calls and indexing. Levels as the
   * reference counts them: each `.` nests the rest of the chain one level deeper; a run of
   * indexes `[i][j]` goes one level deeper per index, and each index expression one more,
   * until the run ends.
   */
  protected postfix(base: Node): Node {
    let e = base;
    const saved = this.depth;
    // The level before the current run of indexes (-1: not in one).
    let runStart = -1;
    // After `?.` or `?[`, the rest of the chain also stops at `()`.
    let chainSafe = false;
    try {
      for (;;) {
        const t = this.tok;
        if (t.kind !== "symbol") return e;
        if (t.text === "." || t.text === "?.") {
          if (runStart >= 0) {
            this.depth = runStart;
            runStart = -1;
          }
          this.nextTok();
          const safe: boolean = t.text === "?." || chainSafe;
          chainSafe = safe;
          const nameTok = this.tok;
          if (nameTok.kind !== "ident" && nameTok.kind !== "keyword") {
            if (nameTok.kind === "reserved") throw this.reserved(nameTok);
            throw perr("PropertyExpected", "Expecting name of a property", posOf(nameTok));
          }
          this.up(t);
          this.nextTok();
          if (this.isSym("(")) {
            const args = this.callArgs(posOf(nameTok));
            e = {
              type: "Method",
              target: e,
              name: nameTok.text,
              args,
              safe,
              position: posOf(nameTok),
            };
          } else if (this.isSym("!") && this.isSym("(", this.peekTok())) {
            throw perr(
              "MalformedCapture",
              "Method calls cannot capture the scope",
              posOf(this.tok),
            );
          } else {
            e = { type: "Prop", target: e, name: nameTok.text, safe, position: posOf(nameTok) };
          }
          continue;
        }
        if (t.text === "[" || t.text === "?[") {
          this.nextTok();
          if (runStart < 0) runStart = this.depth;
          this.up(t);
          const index = this.deeperExpr(t);
          this.expectSym("]", "to close the index expression");
          this.checkIndex(e, index);
          const safe: boolean = t.text === "?[" || chainSafe;
          chainSafe = safe;
          e = { type: "Index", target: e, index, safe, position: posOf(t) };
          continue;
        }
        return e;
      }
    } finally {
      this.depth = saved;
    }
  }

  /** The reference rejects some index expressions at parse time. */
  protected checkIndex(target: Node, index: Node): void {
    const bad = (what: string) => {
      throw perr("MalformedIndexExpr", what, index.position, [what]);
    };
    const v = index.type === "Const" ? index.value : null;
    // A negated number (`-(1)`) is a literal too: the reference folds it while parsing.
    const kind = index.type === "Const" || index.type === "Unary" ? literalKind(index) : undefined;
    const isIntIdx = kind === "a number";
    const isStrIdx = kind === "a string" || index.type === "Interp";
    const targetKind = target.type === "Const" ? literalKind(target) : undefined;
    if (target.type === "MapLit") {
      if (kind !== undefined && !isStrIdx) {
        const shown = kind === "a floating-point number" ? "a float" : kind;
        bad(`Object map expects string index, not ${shown}`);
      }
    } else if (
      target.type === "Array" ||
      target.type === "Interp" ||
      targetKind === "a string" ||
      targetKind === "a number"
    ) {
      if (isStrIdx) bad("Array, string or bit-field expects numeric index, not a string");
    }
    const literal =
      target.type === "Array" ||
      target.type === "MapLit" ||
      target.type === "Const" ||
      target.type === "Interp";
    if (!literal) return;
    if (index.type === "Const" && !isIntIdx && !isStrIdx) {
      if (v instanceof Float) bad("Array access expects integer index, not a float");
      if (v instanceof Char) bad("Array access expects integer index, not a character");
      if (v === undefined) bad("Array access expects integer index, not ()");
      if (typeof v === "boolean") bad("Array access expects integer index, not a boolean");
    }
    if (index.type === "And" || index.type === "Or") {
      bad("Array access expects integer index, not a boolean");
    }
  }
}

/**
 * `&&` and `||` as the reference's optimiser leaves them: an operand that cannot change the
 * result (`x && true`, `false || x`) is dropped and the other stands alone, with no boolean
 * check; one that decides it (`x && false`) replaces an operand without effects.
 */
function logical(type: "And" | "Or", left: Node, right: Node, position: Position): Node {
  const neutral = type === "And";
  const isLit = (n: Node, b: boolean) => n.type === "Const" && n.value === b;
  const plain = (n: Node) => n.type === "Const" || n.type === "Var";
  if (isLit(right, neutral)) return left;
  if (isLit(left, neutral)) return right;
  if ((isLit(right, !neutral) && plain(left)) || (isLit(left, !neutral) && plain(right))) {
    return { type: "Const", value: !neutral, position };
  }
  return { type, left, right, position };
}

// Statements: the script and expression entry points, statement terminators, `let`/`const`,
// blocks, `if`, the loops, `try`/`catch`, `import`/`export`, and assignment targets.

import type { Node, Script, VarDecl } from "../ast.js";
import type { Position } from "../errors.js";
import { KEYWORD_FUNCTIONS, type Token } from "../lexer/index.js";
import { FunctionParser } from "./functions.js";
import {
  ASSIGN_OPS,
  BLOCK_LIKE,
  badInput,
  ensureBool,
  ensureIterable,
  perr,
  posOf,
} from "./support.js";

export abstract class StatementParser extends FunctionParser {
  script(): Script {
    const body: Node[] = [];
    while (this.tok.kind !== "eof") {
      if (this.isSym(";")) {
        this.nextTok();
        continue;
      }
      const stmt = this.statement(true);
      if (stmt.type !== "Noop") body.push(stmt);
      this.terminator(stmt);
    }
    return { body, functions: this.functions, source: this.src, usesEval: this.root.usesEval };
  }

  expressionOnly(): Script {
    if (this.tok.kind === "eof") return { body: [], functions: [], source: this.src };
    const e = this.expr();
    if ((this.tok as Token).kind !== "eof") {
      throw badInput("Unexpected text after the expression", posOf(this.tok));
    }
    return { body: [e], functions: [], source: this.src, usesEval: this.root.usesEval };
  }

  /** After a statement: `;`, or the end of the block, or nothing after a block-like one. */
  protected terminator(stmt: Node): void {
    if (this.isSym(";")) {
      this.nextTok();
      return;
    }
    if (this.tok.kind === "eof" || this.isSym("}")) return;
    if (stmt.type === "Noop" || BLOCK_LIKE.has(stmt.type)) return;
    const t = this.tok;
    throw perr("MissingToken", "Expecting ';' to terminate this statement", posOf(t), [
      ";",
      "to terminate this statement",
    ]);
  }

  protected statement(topLevel: boolean): Node {
    // A statement is one level of nesting, as in the reference's depth count (but not a bare
    // `continue`, which parses nothing more).
    const saved = this.depth;
    if (!this.isKw("continue")) this.up(this.tok);
    try {
      return this.statementInner(topLevel);
    } finally {
      this.depth = saved;
    }
  }

  protected statementInner(topLevel: boolean): Node {
    const t = this.tok;
    const pos = posOf(t);
    if (t.kind === "reserved") throw this.reserved(t);
    if (t.kind === "keyword") {
      switch (t.text) {
        case "let":
        case "const":
          return this.letStmt(false);
        case "fn":
        case "private":
          if (!topLevel || this.ctx.parent !== undefined || this.ctx.isFunction) {
            throw perr("WrongFnDefinition", "Function definitions must be at global level", pos);
          }
          this.fnDef();
          return { type: "Noop", position: pos };
        case "if":
          return this.ifExpr();
        case "switch":
          return this.switchExpr();
        case "while":
        case "loop":
        case "do":
        case "for":
          return this.loopStmt();
        case "try":
          return this.tryStmt();
        case "break":
        case "continue": {
          this.nextTok();
          if (this.ctx.loopDepth === 0) {
            throw perr("LoopBreak", `'${t.text}' not inside a loop`, pos);
          }
          if (t.text === "continue") return { type: "Continue", position: pos };
          if (this.isSym(";") || this.isSym("}") || this.tok.kind === "eof" || this.isSym(",")) {
            return { type: "Break", position: pos };
          }
          return { type: "Break", value: this.expr(), position: pos };
        }
        case "return":
        case "throw": {
          this.nextTok();
          const type = t.text === "return" ? "Return" : "Throw";
          if (this.isSym(";") || this.isSym("}") || this.tok.kind === "eof" || this.isSym(",")) {
            return { type, position: pos };
          }
          return { type, value: this.expr(), position: pos };
        }
        case "import":
          return this.importStmt();
        case "export":
          if (!topLevel || this.ctx.isFunction) {
            throw perr("WrongExport", "Export statement can only appear at global level", pos);
          }
          return this.exportStmt();
      }
    }
    if (this.isSym("{")) return this.block();
    return this.exprStatement();
  }

  protected exprStatement(): Node {
    const lhs = this.expr();
    const t = this.tok;
    if (t.kind === "symbol" && ASSIGN_OPS.has(t.text)) {
      this.nextTok();
      this.checkAssignTarget(lhs, posOf(t));
      const value = this.expr();
      return { type: "Assign", op: t.text, target: lhs, value, position: posOf(t) };
    }
    if (t.kind === "reserved" && ASSIGN_OPS.has(t.text)) {
      throw perr("UnknownOperator", `Unknown operator: '${t.text}'`, posOf(t), [t.text]);
    }
    return lhs;
  }

  protected checkAssignTarget(lhs: Node, pos: Position): void {
    switch (lhs.type) {
      case "Var":
        if (lhs.decl?.constant) {
          throw perr(
            "AssignmentToConstant",
            `Cannot assign to constant ${lhs.name}`,
            lhs.position,
            [lhs.name],
          );
        }
        return;
      case "This":
        return;
      case "Const":
        throw perr("AssignmentToConstant", "Cannot assign to a constant value", lhs.position, [""]);
      case "Index":
      case "Prop": {
        let n: Node = lhs;
        while (n.type === "Index" || n.type === "Prop") n = n.target;
        // A constant root is reported at run time (ErrorAssignmentToConstant).
        if (n.type === "Var" || n.type === "This") return;
        if (n.type === "Const") {
          throw perr("AssignmentToConstant", "Cannot assign to a constant value", n.position, [""]);
        }
        throw perr("AssignmentToInvalidLHS", "Cannot assign to this expression", pos, [""]);
      }
      default:
        throw perr("AssignmentToInvalidLHS", "Cannot assign to this expression", pos, [""]);
    }
  }

  protected letStmt(exported: boolean): Node {
    const kw = this.nextTok();
    const constant = kw.text === "const";
    const nameTok = this.tok;
    if (nameTok.kind === "ident" && KEYWORD_FUNCTIONS.has(nameTok.text)) {
      throw this.reserved(nameTok);
    }
    const name = this.identifier("in this 'let' statement").text;
    let value: Node | undefined;
    if (this.isSym("=")) {
      this.nextTok();
      value = this.deeperExpr(kw);
    } else if (this.tok.kind === "reserved" && this.tok.text === "=") {
      throw this.reserved(this.tok);
    }
    const decl = this.declare(name, constant, posOf(nameTok));
    return { type: "Let", decl, value, exported, position: posOf(kw) };
  }

  protected block(): Node {
    const open = this.expectSym("{", "to start a statement block");
    // One level deeper (as `nested`, inline: blocks are frequent).
    const saved = this.depth;
    this.up(open);
    try {
      return this.blockBody(posOf(open));
    } finally {
      this.depth = saved;
    }
  }

  /** The statements of a block up to its `}` (the `{` read). */
  private blockBody(position: Position): Node {
    const mark = this.ctx.vars.length;
    const body: Node[] = [];
    for (;;) {
      if (this.isSym("}")) {
        this.nextTok();
        break;
      }
      if (this.tok.kind === "eof") {
        throw perr("MissingToken", "Expecting '}' to end a statement block", posOf(this.tok), [
          "}",
          "to end a statement block",
        ]);
      }
      if (this.isSym(";")) {
        this.nextTok();
        continue;
      }
      const stmt = this.statement(false);
      if (stmt.type !== "Noop") body.push(stmt);
      this.terminator(stmt);
    }
    this.popVars(mark);
    return { type: "Block", body, position };
  }

  /** Forgets the variables declared since `mark` (a captured one keeps its own record). */
  protected popVars(mark: number): void {
    this.ctx.vars.length = mark;
  }

  protected ifExpr(): Node {
    const kw = this.nextTok();
    // One level deeper (as `nested`, inline: `if` is frequent).
    const saved = this.depth;
    this.up(kw);
    try {
      return this.ifRest(kw);
    } finally {
      this.depth = saved;
    }
  }

  private ifRest(kw: Token): Node {
    const cond = this.condition();
    const then = this.block();
    let otherwise: Node | undefined;
    if (this.isKw("else")) {
      this.nextTok();
      otherwise = this.isKw("if") ? this.ifExpr() : this.block();
    }
    return { type: "If", cond, then, else: otherwise, position: posOf(kw) };
  }

  protected condition(): Node {
    this.notBlock();
    const e = this.expr();
    if (this.tok.kind === "symbol" && this.tok.text === "=") {
      throw badInput("Possibly a typo of '=='?", posOf(this.tok), "ImproperSymbol");
    }
    return ensureBool(e);
  }

  /** A condition or loop source cannot be a statement block (`if {x} {}`), as there. */
  private notBlock(): void {
    if (this.isSym("{")) {
      throw perr("ExprExpected", "Expecting a boolean", posOf(this.tok), ["a boolean"]);
    }
  }

  protected loopStmt(): Node {
    const kw = this.nextTok();
    const pos = posOf(kw);
    if (!this.opt.allowLooping) throw badInput("Looping is not allowed", pos);
    const saved = this.depth;
    this.up(pos);
    this.ctx.loopDepth++;
    try {
      switch (kw.text) {
        case "while": {
          const cond = this.condition();
          const body = this.block();
          return { type: "While", cond, body, position: pos };
        }
        case "loop":
          return { type: "While", cond: undefined, body: this.block(), position: pos };
        case "do": {
          const body = this.block();
          let until = false;
          if (this.isKw("until")) until = true;
          else if (!this.isKw("while")) {
            throw perr(
              "MissingToken",
              "Expecting 'while' or 'until' to complete a do loop",
              posOf(this.tok),
              ["while"],
            );
          }
          this.nextTok();
          this.ctx.loopDepth--;
          try {
            const cond = this.condition();
            return { type: "Do", body, cond, until, position: pos };
          } finally {
            this.ctx.loopDepth++;
          }
        }
        default: {
          // for
          let itemTok: Token;
          let counterTok: Token | undefined;
          if (this.isSym("(")) {
            this.nextTok();
            itemTok = this.identifier("in 'for' loop");
            this.expectSym(",", "after the iteration variable");
            counterTok = this.identifier("as the counter in 'for' loop");
            this.expectSym(")", "to close the iteration variables");
          } else {
            itemTok = this.identifier("in 'for' loop");
          }
          if (!this.isKw("in")) {
            throw perr(
              "MissingToken",
              "Expecting 'in' after the iteration variable",
              posOf(this.tok),
              ["in"],
            );
          }
          this.nextTok();
          this.ctx.loopDepth--;
          this.notBlock();
          const iterable = ensureIterable(this.expr());
          this.ctx.loopDepth++;
          const mark = this.ctx.vars.length;
          const item = this.declare(itemTok.text, false, posOf(itemTok));
          const counter =
            counterTok === undefined
              ? undefined
              : this.declare(counterTok.text, false, posOf(counterTok));
          const body = this.block();
          this.popVars(mark);
          return { type: "For", item, counter, iterable, body, position: pos };
        }
      }
    } finally {
      this.ctx.loopDepth--;
      this.depth = saved;
    }
  }

  protected tryStmt(): Node {
    const kw = this.nextTok();
    return this.nested(posOf(kw), () => this.tryRest(kw));
  }

  private tryRest(kw: Token): Node {
    const body = this.block();
    if (!this.isKw("catch")) {
      throw perr("MissingToken", "Expecting 'catch' after a 'try' block", posOf(this.tok), [
        "catch",
      ]);
    }
    this.nextTok();
    const mark = this.ctx.vars.length;
    let errVar: VarDecl | undefined;
    if (this.isSym("(")) {
      this.nextTok();
      const name = this.identifier("to hold the error in 'catch'");
      errVar = this.declare(name.text, false, posOf(name));
      this.expectSym(")", "to close the 'catch' variable");
    }
    const catchBody = this.block();
    this.popVars(mark);
    return { type: "Try", body, errVar, catchBody, position: posOf(kw) };
  }

  protected importStmt(): Node {
    const kw = this.nextTok();
    const path = this.deeperExpr(kw);
    let alias: VarDecl | undefined;
    if (this.isKw("as")) {
      this.nextTok();
      const name = this.identifier("as the module alias");
      alias = { name: name.text, constant: true, captured: false };
      this.ctx.imports.push(name.text);
    }
    return { type: "Import", path, alias, position: posOf(kw) };
  }

  protected exportStmt(): Node {
    const kw = this.nextTok();
    if (this.isKw("let") || this.isKw("const")) {
      return this.nested(posOf(kw), () => this.letStmt(true));
    }
    const names: [string, string][] = [];
    for (;;) {
      const name = this.identifier("to export");
      let alias = name.text;
      if (this.isKw("as")) {
        this.nextTok();
        alias = this.identifier("as the export alias").text;
      }
      names.push([name.text, alias]);
      if (!this.isSym(",")) break;
      this.nextTok();
    }
    return { type: "Export", names, position: posOf(kw) };
  }
}

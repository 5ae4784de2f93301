// The Rhai parser: tokens to the syntax tree of `ast.ts`.
//
// Besides building the tree it resolves every variable reference to its declaration
// (or leaves it for the run-time scope when the script cannot know it), marks variables
// captured by closures, and enforces the rules the reference enforces at parse time:
// expression depth limits, literal sizes, assignment targets, `switch` case order,
// `break` outside loops, duplicated functions and parameters, and the language options.

import type { CaptureRef, FnDef, Node, Script, SwitchCase, SwitchRange, VarDecl } from "./ast.js";
import { type Position, RhaiParseError } from "./errors.js";
import { neg } from "./int.js";
import { isStackExhausted } from "./js-errors.js";
import { utf8Length } from "./ops.js";

/** Type names accepted in `fn TYPE.method()`, mapped to `type_of` names. */
const METHOD_TYPES: Readonly<Record<string, string>> = {
  int: "i64",
  float: "f64",
  INT: "i64",
  FLOAT: "f64",
};

/** The end of an open range (`a..`): the reference uses i64::MAX. */
const I64_MAX = 9223372036854775807n;

import {
  BINARY_PRECEDENCE,
  KEYWORD_FUNCTIONS,
  RESERVED_SYMBOLS,
  type Token,
  tokenize,
} from "./lexer.js";
import { Char, char, Float, type Value } from "./value.js";

/** Options and limits that shape what the parser accepts. */
export interface ParseOptions {
  maxExprDepth: number;
  maxFunctionExprDepth: number;
  maxStringSize: number;
  maxArraySize: number;
  maxMapSize: number;
  maxFunctions: number;
  allowIfExpression: boolean;
  allowSwitchExpression: boolean;
  allowStatementExpression: boolean;
  allowAnonymousFn: boolean;
  allowLooping: boolean;
  allowLoopExpressions: boolean;
  allowShadowing: boolean;
  strictVariables: boolean;
  disabledSymbols: ReadonlySet<string>;
  /** Names a host scope defines (strict-variables mode accepts them). */
  knownVariables?: ReadonlySet<string>;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = {
  maxExprDepth: 64,
  maxFunctionExprDepth: 32,
  maxStringSize: 0,
  maxArraySize: 0,
  maxMapSize: 0,
  maxFunctions: 0,
  allowIfExpression: true,
  allowSwitchExpression: true,
  allowStatementExpression: true,
  allowAnonymousFn: true,
  allowLooping: true,
  allowLoopExpressions: true,
  allowShadowing: true,
  strictVariables: false,
  disabledSymbols: new Set(),
};

/** One function being parsed (the script itself is the outermost). */
interface FnContext {
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

function perr(code: string, detail: string, pos: Position, args: unknown[] = []): RhaiParseError {
  return new RhaiParseError(code, detail, pos, undefined, args);
}

/** A `BadInput` parse error; like the reference, it names the lexer-level cause. */
function badInput(detail: string, pos: Position, lexError = "UnexpectedInput"): RhaiParseError {
  return new RhaiParseError("BadInput", detail, pos, lexError, [detail]);
}

function posOf(t: Token): Position {
  return { line: t.line, column: t.column };
}

const ASSIGN_OPS = new Set([
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

const BLOCK_LIKE = new Set(["Block", "If", "Switch", "While", "Do", "For", "Try"]);

function lex(src: string, options: ParseOptions): Token[] {
  return tokenize(src, {
    disabled: options.disabledSymbols,
    // Interpolations nest no deeper than expressions may (each level is an expression).
    maxInterpolationDepth: options.maxExprDepth,
  });
}

/** Parses a whole script. */
export function parseScript(src: string, options: ParseOptions = DEFAULT_PARSE_OPTIONS): Script {
  try {
    return new Parser(src, lex(src, options), options).script();
  } catch (e) {
    if (isStackExhausted(e)) {
      throw perr("ExprTooDeep", "Expression exceeds maximum complexity", { line: 1, column: 1 });
    }
    throw e;
  }
}

/** Parses a source that must be a single expression (no statements). */
export function parseExpression(
  src: string,
  options: ParseOptions = DEFAULT_PARSE_OPTIONS,
): Script {
  try {
    return new Parser(src, lex(src, options), options).expressionOnly();
  } catch (e) {
    if (isStackExhausted(e)) {
      throw perr("ExprTooDeep", "Expression exceeds maximum complexity", { line: 1, column: 1 });
    }
    throw e;
  }
}

class Parser {
  private i = 0;
  private ctx: FnContext;
  private readonly functions: FnDef[] = [];
  private depth = 0;
  /** A `-` here is an operator even against a number (the token after a case's `=>`). */
  private noMergeAt: Position = { line: 0, column: 0 };
  private anonCount = 0;
  private readonly fnKeys = new Set<string>();

  constructor(
    private readonly src: string,
    private toks: Token[],
    private readonly opt: ParseOptions,
  ) {
    this.ctx = newContext(undefined, false, false);
    this.root = this.ctx;
  }

  private readonly root: FnContext;

  // ---- token helpers -------------------------------------------------------------

  private get tok(): Token {
    return this.toks[this.i] as Token;
  }

  private peekTok(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)] as Token;
  }

  private isSym(text: string, t: Token = this.tok): boolean {
    return t.kind === "symbol" && t.text === text;
  }

  private isKw(text: string, t: Token = this.tok): boolean {
    return t.kind === "keyword" && t.text === text;
  }

  private nextTok(): Token {
    const t = this.tok;
    if (t.kind !== "eof") this.i++;
    return t;
  }

  private expectSym(text: string, what: string): Token {
    const t = this.tok;
    if (!this.isSym(text)) {
      if (t.kind === "reserved") throw this.reserved(t);
      throw perr("MissingToken", `Expecting '${text}' ${what}`, posOf(t), [text, what]);
    }
    return this.nextTok();
  }

  private reserved(t: Token): RhaiParseError {
    const what = /^[\p{L}_]/u.test(t.text) ? "keyword" : "symbol";
    return perr("Reserved", `'${t.text}' is a reserved ${what}`, posOf(t), [t.text]);
  }

  private identifier(what: string): Token {
    const t = this.tok;
    if (t.kind === "ident") return this.nextTok();
    if (t.kind === "reserved" || t.kind === "keyword") throw this.reserved(t);
    throw perr("VariableExpected", `Expecting name of a variable ${what}`, posOf(t));
  }

  // ---- depth -----------------------------------------------------------------------

  private enter(pos: Position): void {
    this.depth++;
    const max = this.ctx.isFunction ? this.opt.maxFunctionExprDepth : this.opt.maxExprDepth;
    if (max > 0 && this.depth > max) {
      throw perr("ExprTooDeep", "Expression exceeds maximum complexity", pos);
    }
  }

  private leave(): void {
    this.depth--;
  }

  // ---- scopes --------------------------------------------------------------------

  private declare(name: string, constant: boolean, pos: Position): VarDecl {
    if (!this.opt.allowShadowing && this.ctx.vars.some((v) => v.name === name)) {
      throw perr("VariableExists", `Variable already defined: ${name}`, pos, [name]);
    }
    const decl: VarDecl = { name, constant, captured: false };
    this.ctx.vars.push(decl);
    return decl;
  }

  /** Finds a variable's declaration; a closure captures it from its enclosing functions. */
  private resolve(name: string, ctx: FnContext = this.ctx): VarDecl | undefined {
    for (let k = ctx.vars.length - 1; k >= 0; k--) {
      const v = ctx.vars[k] as VarDecl;
      if (v.name === name) return v;
    }
    for (const c of ctx.captures) if (c.inner.name === name) return c.inner;
    if (ctx.isClosure && ctx.parent !== undefined) {
      const outer = this.resolve(name, ctx.parent);
      if (outer === undefined) return undefined;
      outer.captured = true;
      const inner: VarDecl = { name, constant: outer.constant, captured: true };
      ctx.captures.push({ outer, inner });
      return inner;
    }
    return undefined;
  }

  private knownName(name: string): boolean {
    return this.opt.knownVariables?.has(name) ?? false;
  }

  // ---- script --------------------------------------------------------------------

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
  private terminator(stmt: Node): void {
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

  private statement(topLevel: boolean): Node {
    // A statement is one level of nesting, as in the reference's depth count.
    this.enter(posOf(this.tok));
    try {
      return this.statementInner(topLevel);
    } finally {
      this.leave();
    }
  }

  private statementInner(topLevel: boolean): Node {
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

  private exprStatement(): Node {
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

  private checkAssignTarget(lhs: Node, pos: Position): void {
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

  private letStmt(exported: boolean): Node {
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
      value = this.expr();
    } else if (this.tok.kind === "reserved" && this.tok.text === "=") {
      throw this.reserved(this.tok);
    }
    const decl = this.declare(name, constant, posOf(nameTok));
    return { type: "Let", decl, value, exported, position: posOf(kw) };
  }

  private block(): Node {
    const open = this.expectSym("{", "to start a statement block");
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
    return { type: "Block", body, position: posOf(open) };
  }

  /** Forgets the variables declared since `mark` (a captured one keeps its own record). */
  private popVars(mark: number): void {
    this.ctx.vars.length = mark;
  }

  private ifExpr(): Node {
    const kw = this.nextTok();
    const cond = this.condition();
    const then = this.block();
    let otherwise: Node | undefined;
    if (this.isKw("else")) {
      this.nextTok();
      otherwise = this.isKw("if") ? this.ifExpr() : this.block();
    }
    return { type: "If", cond, then, else: otherwise, position: posOf(kw) };
  }

  private condition(): Node {
    const e = this.expr();
    if (this.tok.kind === "symbol" && this.tok.text === "=") {
      throw badInput("Possibly a typo of '=='?", posOf(this.tok), "ImproperSymbol");
    }
    return ensureBool(e);
  }

  private loopStmt(): Node {
    const kw = this.nextTok();
    const pos = posOf(kw);
    if (!this.opt.allowLooping) throw badInput("Looping is not allowed", pos);
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
    }
  }

  private tryStmt(): Node {
    const kw = this.nextTok();
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

  private importStmt(): Node {
    const kw = this.nextTok();
    const path = this.expr();
    let alias: VarDecl | undefined;
    if (this.isKw("as")) {
      this.nextTok();
      const name = this.identifier("as the module alias");
      alias = { name: name.text, constant: true, captured: false };
      this.ctx.imports.push(name.text);
    }
    return { type: "Import", path, alias, position: posOf(kw) };
  }

  private exportStmt(): Node {
    const kw = this.nextTok();
    if (this.isKw("let") || this.isKw("const")) return this.letStmt(true);
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

  private fnDef(): void {
    let isPrivate = false;
    if (this.isKw("private")) {
      this.nextTok();
      isPrivate = true;
    }
    const kw = this.nextTok();
    if (kw.text !== "fn") {
      throw perr("MissingToken", "Expecting 'fn' after 'private'", posOf(kw), ["fn"]);
    }
    let nameTok = this.tok;
    if (nameTok.kind !== "ident") {
      if (nameTok.kind === "reserved" || nameTok.kind === "keyword") throw this.reserved(nameTok);
      throw perr(
        "FnMissingName",
        "Expecting function name in function declaration",
        posOf(nameTok),
      );
    }
    this.nextTok();
    // `fn TYPE.name(...)`: a method only for `this` values of that type.
    let thisType: string | undefined;
    if (this.isSym(".") && this.peekTok().kind === "ident") {
      this.nextTok();
      thisType = METHOD_TYPES[nameTok.text] ?? nameTok.text;
      nameTok = this.nextTok();
    }
    if (KEYWORD_FUNCTIONS.has(nameTok.text)) throw this.reserved(nameTok);
    const saved = this.ctx;
    const savedDepth = this.depth;
    this.ctx = newContext(undefined, false, true);
    this.depth = 0;
    const params: VarDecl[] = [];
    if (!this.isSym("(")) {
      throw perr(
        "FnMissingParams",
        `Expecting parameters for function '${nameTok.text}'`,
        posOf(this.tok),
        [nameTok.text],
      );
    }
    this.nextTok();
    while (!this.isSym(")")) {
      const p = this.identifier("as a parameter");
      if (params.some((q) => q.name === p.text)) {
        throw perr(
          "FnDuplicatedParam",
          `Duplicated parameter '${p.text}' in '${nameTok.text}'`,
          posOf(p),
          [nameTok.text, p.text],
        );
      }
      params.push(this.declare(p.text, false, posOf(p)));
      if (this.isSym(",")) this.nextTok();
      else if (!this.isSym(")")) {
        throw perr("MissingToken", "Expecting ')' to close the parameters list", posOf(this.tok), [
          ")",
        ]);
      }
    }
    this.nextTok();
    const key = `${thisType === undefined ? "" : `${thisType}.`}${nameTok.text}/${params.length}`;
    if (this.fnKeys.has(key)) {
      throw perr(
        "FnDuplicatedDefinition",
        `Function '${nameTok.text}' with ${params.length} parameters already defined`,
        posOf(nameTok),
        [nameTok.text, params.length],
      );
    }
    if (!this.isSym("{")) {
      throw perr(
        "FnMissingBody",
        `Expecting body for function '${nameTok.text}'`,
        posOf(this.tok),
        [nameTok.text],
      );
    }
    const body = this.block();
    const usesThis = this.ctx.usesThis;
    const usesEval = this.ctx.usesEval;
    this.ctx = saved;
    this.depth = savedDepth;
    this.fnKeys.add(key);
    if (this.opt.maxFunctions > 0 && this.fnKeys.size > this.opt.maxFunctions) {
      throw perr("TooManyFunctions", "Too many functions", posOf(nameTok));
    }
    this.functions.push({
      name: nameTok.text,
      params,
      captures: [],
      body,
      isPrivate,
      position: posOf(nameTok),
      usesThis,
      usesEval,
      isClosure: false,
      thisType,
    });
  }

  // ---- expressions ---------------------------------------------------------------

  expr(): Node {
    const t = this.tok;
    this.enter(posOf(t));
    try {
      return this.binary(0, this.unary());
    } finally {
      this.leave();
    }
  }

  /** The binary operator at the current token, if any (with `!in` as one operator). */
  private binaryOp(): string | undefined {
    const t = this.tok;
    if (t.kind === "symbol") {
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

  private binary(minPrec: number, lhs: Node): Node {
    let left = lhs;
    let levels = 0;
    try {
      for (;;) {
        const op = this.binaryOp();
        if (op === undefined) return left;
        const prec = BINARY_PRECEDENCE[op] as number;
        if (prec < minPrec) return left;
        const opTok = this.nextTok();
        if (op === "!in") this.nextTok();
        this.enter(posOf(opTok));
        levels++;
        if ((op === ".." || op === "..=") && !this.startsExpression()) {
          // An open-ended range `a..` runs to the end.
          left = this.makeBinary(
            op,
            left,
            { type: "Const", value: I64_MAX, position: posOf(opTok) },
            posOf(opTok),
          );
          continue;
        }
        let right = this.unary();
        for (;;) {
          const next = this.binaryOp();
          if (next === undefined) break;
          const nprec = BINARY_PRECEDENCE[next] as number;
          if (nprec > prec || (next === "**" && op === "**" && nprec === prec)) {
            right = this.binary(nprec, right);
          } else break;
        }
        left = this.makeBinary(op, left, right, posOf(opTok));
      }
    } finally {
      this.depth -= levels;
    }
  }

  private makeBinary(op: string, left: Node, right: Node, position: Position): Node {
    switch (op) {
      case "&&":
        return { type: "And", left: ensureBool(left), right: ensureBool(right), position };
      case "||":
        return { type: "Or", left: ensureBool(left), right: ensureBool(right), position };
      case "??":
        return { type: "Coalesce", left, right, position };
      default:
        return { type: "Binary", op, left, right, position };
    }
  }

  /** Whether the current token can begin an expression (for open-ended ranges). */
  private startsExpression(): boolean {
    const t = this.tok;
    if (t.kind === "eof") return false;
    return !(t.kind === "symbol" && ["]", ")", ",", ";", "}", "=>"].includes(t.text));
  }

  private unary(): Node {
    const t = this.tok;
    if (t.kind === "symbol" && (t.text === ".." || t.text === "..=")) {
      // `..b`, `..=b`, `..`: a range from the start.
      this.nextTok();
      const pos = posOf(t);
      const zero: Node = { type: "Const", value: 0, position: pos };
      if (!this.startsExpression()) {
        return this.makeBinary(t.text, zero, { type: "Const", value: I64_MAX, position: pos }, pos);
      }
      this.enter(pos);
      try {
        return this.makeBinary(t.text, zero, this.binary(141, this.unary()), pos);
      } finally {
        this.leave();
      }
    }
    if (t.kind === "symbol" && (t.text === "-" || t.text === "+" || t.text === "!")) {
      this.nextTok();
      this.enter(posOf(t));
      try {
        const n = this.tok;
        // The reference lexes a `-` written right against a number as part of the literal,
        // so `-5.abs()` is 5; with a space, `- 5.abs()` negates the call's result.
        // Nor one right after a `}` (a statement after a block or a function).
        const before = this.i >= 2 ? this.toks[this.i - 2] : undefined;
        const afterBrace = before?.kind === "symbol" && before.text === "}";
        const adjacent =
          n.line === t.line &&
          n.column === t.column + 1 &&
          !afterBrace &&
          !(t.line === this.noMergeAt.line && t.column === this.noMergeAt.column);
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
        this.leave();
      }
    }
    return this.postfix(this.primary());
  }

  /** Whether a postfix operator (`.`, `[`) follows the token `n` ahead. */
  private postfixFollows(n: number): boolean {
    const t = this.peekTok(n);
    return (
      t.kind === "symbol" &&
      (t.text === "." || t.text === "[" || t.text === "?." || t.text === "?[")
    );
  }

  private primary(): Node {
    const t = this.tok;
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
      case "interp":
        this.nextTok();
        return this.interpolated(t);
      case "ident":
        return this.identExpr();
      case "reserved":
        throw this.reserved(t);
      case "eof":
        throw perr("UnexpectedEOF", "Script is incomplete", pos);
      case "keyword":
        return this.keywordExpr(t);
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
        const e = this.expr();
        this.expectSym(")", "for a matching ( in this expression");
        return e;
      }
      case "[":
        return this.arrayLit();
      case "#{":
        return this.mapLit();
      case "{":
        if (!this.opt.allowStatementExpression) {
          throw badInput("Statement blocks are not allowed as expressions", pos);
        }
        return this.block();
      case "|":
      case "||":
        return this.closure();
      default:
        throw badInput(`Unexpected '${t.text}'`, pos);
    }
  }

  private checkString(s: string, pos: Position): void {
    const max = this.opt.maxStringSize;
    if (max > 0 && utf8Length(s) > max) {
      throw perr("LiteralTooLarge", "Length of string literal exceeds the maximum limit", pos, [
        "Length of string",
        max,
      ]);
    }
  }

  private interpolated(t: Token): Node {
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
  private parseTokens(tokens: Token[]): Node {
    const savedToks = this.toks;
    const savedI = this.i;
    this.toks = tokens;
    this.i = 0;
    try {
      const body: Node[] = [];
      const pos = posOf(this.tok);
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
    }
  }

  private arrayLit(): Node {
    const open = this.nextTok();
    const items: Node[] = [];
    while (!this.isSym("]")) {
      if (this.tok.kind === "eof") {
        throw perr("MissingToken", "Expecting ']' to end this array literal", posOf(this.tok), [
          "]",
        ]);
      }
      items.push(this.expr());
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

  private mapLit(): Node {
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
      entries.push([key, this.expr()]);
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

  private closure(): Node {
    const open = this.tok;
    const pos = posOf(open);
    if (!this.opt.allowAnonymousFn) throw badInput("Anonymous functions are not allowed", pos);
    this.nextTok();
    const outer = this.ctx;
    const savedDepth = this.depth;
    this.ctx = newContext(outer, true, true);
    this.ctx.loopDepth = 0;
    const params: VarDecl[] = [];
    if (open.text === "|") {
      while (!this.isSym("|")) {
        // The reference's errors here: a keyword is VariableExpected, `this` is Reserved,
        // anything else (a literal, a symbol) is a missing `|`.
        const t = this.tok;
        if (t.kind === "keyword" || (t.kind === "reserved" && /^[\p{L}_]/u.test(t.text))) {
          if (t.text === "this") throw this.reserved(t);
          throw perr("VariableExpected", "Expecting name of a variable", posOf(t));
        }
        if (t.kind !== "ident") {
          throw perr(
            "MissingToken",
            "Expecting '|' to close the parameters list of anonymous function or closure",
            posOf(t),
            ["|", "to close the parameters list of anonymous function or closure"],
          );
        }
        const p = this.nextTok();
        if (params.some((q) => q.name === p.text)) {
          throw perr("FnDuplicatedParam", `Duplicated parameter '${p.text}'`, posOf(p), [
            "anon",
            p.text,
          ]);
        }
        params.push(this.declare(p.text, false, posOf(p)));
        if (this.isSym(",")) this.nextTok();
        else if (!this.isSym("|")) {
          throw perr(
            "MissingToken",
            "Expecting ',' to separate the parameters of anonymous function",
            posOf(this.tok),
            [",", "to separate the parameters of anonymous function"],
          );
        }
      }
      this.nextTok();
    }
    let body: Node;
    try {
      body = this.statement(false);
    } finally {
      this.depth = savedDepth;
    }
    const ctx = this.ctx;
    this.ctx = outer;
    const name = `anon$${++this.anonCount}`;
    const fn: FnDef = {
      name,
      params,
      captures: ctx.captures,
      body,
      isPrivate: false,
      position: pos,
      usesThis: ctx.usesThis,
      usesEval: ctx.usesEval,
      isClosure: true,
    };
    return { type: "Closure", fn, position: pos };
  }

  private keywordExpr(t: Token): Node {
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
        return this.ifExpr();
      case "switch":
        if (!this.opt.allowSwitchExpression) {
          throw badInput("'switch' is not allowed as an expression", pos);
        }
        return this.switchExpr();
      case "while":
      case "loop":
      case "do":
      case "for":
        if (!this.opt.allowLoopExpressions) {
          throw badInput("Loops are not allowed as expressions", pos);
        }
        return this.loopStmt();
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

  private identExpr(): Node {
    const t = this.nextTok();
    const pos = posOf(t);
    const name = t.text;
    if (name === "this") {
      this.ctx.usesThis = true;
      return { type: "This", position: pos };
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
        const args = this.callArgs();
        if (last === "eval") this.ctx.usesEval = true;
        return { type: "Call", name: last, args, capture: false, namespace, position: pos };
      }
      return { type: "Var", name: `${namespace}::${last}`, decl: undefined, position: pos };
    }
    if (this.isSym("(")) {
      const args = this.callArgs();
      if (name === "eval") this.ctx.usesEval = true;
      return { type: "Call", name, args, capture: false, position: pos };
    }
    if (this.isSym("!") && this.isSym("(", this.peekTok())) {
      this.nextTok();
      const args = this.callArgs();
      if (name === "eval") this.ctx.usesEval = true;
      return { type: "Call", name, args, capture: true, position: pos };
    }
    const decl = this.resolve(name);
    if (decl === undefined && this.opt.strictVariables && !this.knownName(name)) {
      throw perr("VariableUndefined", `Undefined variable: ${name}`, pos, [name]);
    }
    return { type: "Var", name, decl, position: pos };
  }

  private importedAlias(name: string): boolean {
    for (let c: FnContext | undefined = this.ctx; c !== undefined; c = c.parent) {
      if (c.imports.includes(name)) return true;
    }
    return this.root.imports.includes(name);
  }

  private callArgs(): Node[] {
    this.expectSym("(", "to start the arguments");
    const args: Node[] = [];
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
    this.nextTok();
    return args;
  }

  private postfix(base: Node): Node {
    let e = base;
    let levels = 0;
    // After `?.` or `?[`, the rest of the chain also stops at `()`.
    let chainSafe = false;
    try {
      for (;;) {
        const t = this.tok;
        if (t.kind !== "symbol") return e;
        if (t.text === "." || t.text === "?.") {
          this.nextTok();
          const safe: boolean = t.text === "?." || chainSafe;
          chainSafe = safe;
          const nameTok = this.tok;
          if (nameTok.kind !== "ident" && nameTok.kind !== "keyword") {
            if (nameTok.kind === "reserved") throw this.reserved(nameTok);
            throw perr("PropertyExpected", "Expecting name of a property", posOf(nameTok));
          }
          this.nextTok();
          if (this.isSym("(")) {
            const args = this.callArgs();
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
          this.enter(posOf(t));
          levels++;
          continue;
        }
        if (t.text === "[" || t.text === "?[") {
          this.nextTok();
          const index = this.expr();
          this.expectSym("]", "to close the index expression");
          this.checkIndex(e, index);
          const safe: boolean = t.text === "?[" || chainSafe;
          chainSafe = safe;
          e = { type: "Index", target: e, index, safe, position: posOf(t) };
          this.enter(posOf(t));
          levels++;
          continue;
        }
        return e;
      }
    } finally {
      this.depth -= levels;
    }
  }

  /** The reference rejects some index expressions at parse time. */
  private checkIndex(target: Node, index: Node): void {
    const bad = (what: string) => {
      throw perr("MalformedIndexExpr", what, index.position, [what]);
    };
    const v = index.type === "Const" ? index.value : null;
    const isIntIdx = index.type === "Const" && (typeof v === "number" || typeof v === "bigint");
    const isStrIdx = (index.type === "Const" && typeof v === "string") || index.type === "Interp";
    if (target.type === "MapLit") {
      if (index.type === "Const" && !isStrIdx) bad("Object map expects string index");
    } else if (
      target.type === "Array" ||
      target.type === "Interp" ||
      (target.type === "Const" &&
        (typeof target.value === "string" || typeof target.value === "number"))
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

  // ---- switch --------------------------------------------------------------------

  private switchExpr(): Node {
    const kw = this.nextTok();
    const pos = posOf(kw);
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
          this.enter(posOf(this.tok));
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
            this.leave();
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
  private switchBody(): Node {
    // The reference's lexer does not join a `-` right after `=>` to the number after it.
    this.noMergeAt = posOf(this.tok);
    if (this.isSym("{")) return this.block();
    const t = this.tok;
    if (t.kind === "keyword" && (t.text === "let" || t.text === "const" || t.text === "fn")) {
      throw badInput(`'${t.text}' is not allowed in a switch case`, posOf(t));
    }
    return this.statement(false);
  }

  /** The value of a constant expression (literals, ranges of literals, negation). */
  private constValue(e: Node): Value | RangeValue | typeof NOT_CONST {
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

/**
 * The reference's description of a literal's type ("a number"), for the type checks it
 * makes while parsing; undefined when the node is not a literal.
 */
function literalKind(n: Node): string | undefined {
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
    default:
      return undefined;
  }
}

/** A literal condition must be a boolean (`if 1 {}` is a parse error in the reference). */
function ensureBool(n: Node): Node {
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
function ensureIterable(n: Node): Node {
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
const SELF_TERMINATED = new Set(["Block", "If", "Switch", "While", "For", "Try"]);

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

function newContext(
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

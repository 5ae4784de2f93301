// The bottom layer of the parser: the token stream, the nesting-depth limits, and variable
// declaration and resolution across nested functions. The parser is a chain of classes, one
// grammar concern each (expressions, functions, statements, switch); a method a lower layer
// calls but a higher one defines is declared abstract here.

import type { FnDef, Node, VarDecl } from "../ast.js";
import type { Position, RhaiParseError } from "../errors.js";
import type { Token } from "../lexer/index.js";
import type { ParseOptions } from "./options.js";
import { type FnContext, newContext, perr, posOf } from "./support.js";

export abstract class ParserBase {
  protected i = 0;
  protected ctx: FnContext;
  protected readonly functions: FnDef[] = [];
  /**
   * The reference's nesting level: each parsing step that the reference counts raises it by
   * one for what it parses inside, and a step restores it when done (`up`, `nested`).
   */
  protected depth = 0;
  /** The level limit in force: the script's, or inside a `fn` the functions' one. */
  protected depthLimit: number;
  protected anonCount = 0;
  /** In a switch case's value: a `|` ends the expression and cannot begin one. */
  protected pipeStops = false;
  /**
   * The `name/arity` keys of the functions defined so far; made at the first `fn`, as a Set
   * is a large share of constructing the parser and most sources define none.
   */
  protected fnKeys: Set<string> | undefined;

  constructor(
    protected readonly src: string,
    protected toks: Token[],
    protected readonly opt: ParseOptions,
  ) {
    this.ctx = newContext(undefined, false, false);
    this.root = this.ctx;
    this.depthLimit = opt.maxExprDepth;
  }

  protected readonly root: FnContext;

  protected get tok(): Token {
    return this.toks[this.i] as Token;
  }

  protected peekTok(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)] as Token;
  }

  protected isSym(text: string, t: Token = this.tok): boolean {
    return t.kind === "symbol" && t.text === text;
  }

  protected isKw(text: string, t: Token = this.tok): boolean {
    return t.kind === "keyword" && t.text === text;
  }

  protected nextTok(): Token {
    const t = this.tok;
    if (t.kind !== "eof") this.i++;
    return t;
  }

  protected expectSym(text: string, what: string): Token {
    const t = this.tok;
    if (!this.isSym(text)) {
      if (t.kind === "reserved") throw this.reserved(t);
      throw perr("MissingToken", `Expecting '${text}' ${what}`, posOf(t), [text, what]);
    }
    return this.nextTok();
  }

  protected reserved(t: Token): RhaiParseError {
    const what = /^[\p{L}_]/u.test(t.text) ? "keyword" : "symbol";
    return perr("Reserved", `'${t.text}' is a reserved ${what}`, posOf(t), [t.text]);
  }

  protected identifier(what: string): Token {
    const t = this.tok;
    if (t.kind === "ident") return this.nextTok();
    if (t.kind === "reserved" || t.kind === "keyword") throw this.reserved(t);
    throw perr("VariableExpected", `Expecting name of a variable ${what}`, posOf(t));
  }

  /**
   * One level deeper for the rest of the current step (the caller restores `depth`). `at`
   * may be a token: the position is copied out of it only for the error, so the hot path
   * allocates nothing.
   */
  protected up(at: Position): void {
    const max = this.depthLimit;
    if (max > 0 && this.depth >= max) {
      throw perr("ExprTooDeep", "Expression exceeds maximum complexity", {
        line: at.line,
        column: at.column,
      });
    }
    this.depth++;
  }

  /**
   * Runs `parse` one level deeper, then restores the level. It allocates a closure per
   * call: the frequent steps inline the same save, `up` and restore instead.
   */
  protected nested<T>(at: Position, parse: () => T): T {
    const saved = this.depth;
    this.up(at);
    try {
      return parse();
    } finally {
      this.depth = saved;
    }
  }

  protected declare(name: string, constant: boolean, pos: Position): VarDecl {
    if (!this.opt.allowShadowing && this.ctx.vars.some((v) => v.name === name)) {
      throw perr("VariableExists", `Variable already defined: ${name}`, pos, [name]);
    }
    const decl: VarDecl = { name, constant, captured: false };
    this.ctx.vars.push(decl);
    return decl;
  }

  /** Finds a variable's declaration; a closure captures it from its enclosing functions. */
  protected resolve(name: string, ctx: FnContext = this.ctx): VarDecl | undefined {
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

  protected knownName(name: string): boolean {
    return this.opt.knownVariables?.has(name) ?? false;
  }

  protected abstract block(): Node;
  protected abstract closure(): Node;
  protected abstract ifExpr(): Node;
  protected abstract loopStmt(): Node;
  protected abstract statement(topLevel: boolean): Node;
  protected abstract switchExpr(): Node;
  protected abstract terminator(stmt: Node): void;
}

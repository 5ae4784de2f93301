// Functions: `fn` definitions (parameters, `this` types, privacy, duplicates, the function
// limit) and closures with what they capture.

import type { FnDef, Node, VarDecl } from "../ast.js";
import { KEYWORD_FUNCTIONS } from "../lexer/index.js";
import { ExpressionParser } from "./expressions.js";
import { badInput, METHOD_TYPES, newContext, perr, posOf } from "./support.js";

export abstract class FunctionParser extends ExpressionParser {
  protected closure(): Node {
    const open = this.tok;
    const pos = posOf(open);
    if (!this.opt.allowAnonymousFn) throw badInput("Anonymous functions are not allowed", pos);
    this.nextTok();
    const outer = this.ctx;
    const savedDepth = this.depth;
    // A closure's body is parsed afresh: a switch case's `|` rule does not reach it.
    const savedStops = this.pipeStops;
    this.pipeStops = false;
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
      // The body is one level below the closure, under the limit of the code around it.
      this.up(pos);
      body = this.statement(false);
    } finally {
      this.depth = savedDepth;
      this.pipeStops = savedStops;
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

  protected fnDef(): void {
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
    const savedLimit = this.depthLimit;
    this.ctx = newContext(undefined, false, true);
    // A function starts from level 0 under the functions' own limit.
    this.depth = 0;
    this.depthLimit = this.opt.maxFunctionExprDepth;
    this.up(kw);
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
    if (this.fnKeys === undefined) this.fnKeys = new Set();
    const fnKeys = this.fnKeys;
    if (fnKeys.has(key)) {
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
    this.depthLimit = savedLimit;
    fnKeys.add(key);
    if (this.opt.maxFunctions > 0 && fnKeys.size > this.opt.maxFunctions) {
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
}

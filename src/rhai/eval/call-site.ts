// A call site's cache: the native a call resolved to, kept while the argument types and the
// library stay the same. It is also the context a native called from there receives.

import type { Position } from "../errors.js";
import type { NativeCallContext, NativeFunction } from "../native.js";
import { NO_THIS } from "../runtime/index.js";
import { type FnPtr, typeName, type Value } from "../value.js";
import { callByName, callFnPtr, callFnPtrBound, fnPtrArity, type NativeSite } from "./calls.js";
import type { EvalContext } from "./context.js";

/** Call-site cache of a native resolution by argument types. */
export class CallSite implements NativeCallContext, NativeSite {
  types: string[] = [];
  fn: NativeFunction | undefined;
  version = -1;
  constructor(
    readonly ctx: EvalContext,
    readonly fnName: string,
    readonly position: Position,
  ) {}

  resolve(args: Value[]): NativeFunction | undefined {
    const lib = this.ctx.lib;
    if (this.version === lib.version && this.types.length === args.length) {
      let same = true;
      for (let i = 0; i < args.length; i++) {
        if (typeName(args[i]) !== this.types[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.fn;
    }
    const types = args.map((a) => typeName(a));
    this.types = types;
    this.version = lib.version;
    this.fn = lib.resolveTypes(this.fnName, types);
    return this.fn;
  }

  get limits() {
    return this.ctx.limits;
  }
  callFnPtr(fn: FnPtr, args: Value[]): Value {
    return callFnPtr(this.ctx, fn, args, NO_THIS, this.position);
  }
  callFnPtrWithThis(fn: FnPtr, thisRef: { value: Value }, args: Value[]): Value {
    return callFnPtrBound(this.ctx, fn, thisRef, args, this.position);
  }
  fnPtrArity(fn: FnPtr): number | undefined {
    return fnPtrArity(this.ctx, fn);
  }
  callFn(name: string, args: Value[]): Value {
    return callByName(this.ctx, name, args, this.position);
  }
  print(text: string): void {
    this.ctx.print(text);
  }
  debug(text: string, position: Position): void {
    this.ctx.debug(text, position);
  }
  tick(count = 1): void {
    const rt = this.ctx.rt;
    rt.ops += count;
    if (rt.ops > rt.opsLimit) rt.checkOps(this.position);
  }
}

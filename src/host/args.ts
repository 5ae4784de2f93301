// Small helpers every host module uses: reading arguments with clear errors, building the
// maps scripts receive, and turning any failure into a catchable Rhai error.

import {
  Float,
  type Int,
  NO_POSITION,
  type RhaiMap,
  RhaiRuntimeError,
  typeName,
  U8,
  type Value,
} from "../rhai/index.js";
import { coerceError } from "../util/index.js";

/**
 * The error scripts catch: `ErrorRuntime` with a message that names the function. The
 * message is also the error's value, so `catch (e)` gets the text (as for `throw "text"`),
 * whether the function ran in the worker or across the bridge.
 */
export function hostError(fn: string, message: string): RhaiRuntimeError {
  const text = `${fn}: ${message}`;
  return new RhaiRuntimeError("ErrorRuntime", text, NO_POSITION, text);
}

/** Why something failed, in one line, whatever was thrown (Error, string, other). */
export function reason(e: unknown): string {
  if (e instanceof RhaiRuntimeError) return e.detail;
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
    const msg = e.message || code || e.name;
    return code && !msg.includes(code) ? `${msg} (${code})${cause}` : `${msg}${cause}`;
  }
  return coerceError(e).message;
}

/** Runs `body`, and rewrites anything it throws as a SAL error of `fn` (errors of ours pass). */
export async function guard<T>(fn: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof RhaiRuntimeError) throw e;
    throw hostError(fn, reason(e));
  }
}

export function argString(fn: string, args: readonly Value[], i: number, what: string): string {
  const v = args[i];
  if (typeof v !== "string") {
    throw hostError(fn, `${what} must be a string, got ${typeName(v)}`);
  }
  return v;
}

export function argNonEmpty(fn: string, args: readonly Value[], i: number, what: string): string {
  const s = argString(fn, args, i, what);
  if (s.trim() === "") throw hostError(fn, `${what} must not be empty`);
  return s;
}

/** An INT argument as a JS number (SAL's integers are ports, sizes, seconds: all small). */
export function argInt(fn: string, args: readonly Value[], i: number, what: string): number {
  const v = args[i];
  if (typeof v === "number") return v;
  if (typeof v === "bigint") throw hostError(fn, `${what} is out of range: ${v}`);
  throw hostError(fn, `${what} must be an integer, got ${typeName(v)}`);
}

/** A number of seconds (INT or FLOAT), > 0. */
export function argSeconds(fn: string, args: readonly Value[], i: number, what: string): number {
  const v = args[i];
  const n = typeof v === "number" ? v : v instanceof Float ? v.value : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) {
    throw hostError(fn, `${what} must be a positive number of seconds, got ${describe(v)}`);
  }
  return n;
}

/** A class whose instances scripts hold as handles (a builder, a client, a context). */
// biome-ignore lint/suspicious/noExplicitAny: a constructor of any parameters
export type HandleClass<T> = abstract new (...args: any[]) => T;

/**
 * A handle argument as its class. The engine picks a function by its parameters' type
 * names, so a mismatch means another value carries the same type name: an error, not a
 * cast that would let a method run on the wrong object. `what` names the expected value
 * in the message (default: "a <class name>").
 */
export function argHandle<T>(
  args: readonly Value[],
  i: number,
  cls: HandleClass<T>,
  what = `a ${cls.name}`,
): T {
  const v = args[i];
  if (!(v instanceof cls)) {
    throw new RhaiRuntimeError("ErrorRuntime", `expected ${what}, not ${typeName(v)}`);
  }
  return v;
}

export function argMap(fn: string, args: readonly Value[], i: number, what: string): RhaiMap {
  const v = args[i];
  if (!(v instanceof Map)) throw hostError(fn, `${what} must be a map, got ${typeName(v)}`);
  return v;
}

export function argArray(fn: string, args: readonly Value[], i: number, what: string): Value[] {
  const v = args[i];
  if (!Array.isArray(v)) throw hostError(fn, `${what} must be an array, got ${typeName(v)}`);
  return v;
}

/** A string, number or bool as the text it stands for (what Redis stores, an env var); else undefined. */
export function scalarText(v: Value): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Float || v instanceof U8) return String(v.value);
  return undefined;
}

/** A short rendering of a value for error messages. */
export function describe(v: Value): string {
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Float) return String(v.value);
  return typeName(v);
}

/** A Rhai map from plain entries (insertion order is irrelevant: maps print sorted). */
export function rhaiMap(entries: Record<string, Value>): RhaiMap {
  return new Map(Object.entries(entries));
}

/** A JS number as the Rhai value it stands for: INT when integral, FLOAT otherwise. */
export function numberValue(n: number): Int | Float {
  return Number.isSafeInteger(n) ? n : new Float(n);
}

/** Checks that an options map holds only known keys, so a typo is an error, not a no-op. */
export function checkKeys(fn: string, map: RhaiMap, allowed: readonly string[]): void {
  for (const key of map.keys()) {
    if (!allowed.includes(key)) {
      throw hostError(fn, `unknown option "${key}" (allowed: ${allowed.join(", ")})`);
    }
  }
}

/** Reads a boolean option from a map; absent means `fallback`. */
export function optBool(fn: string, map: RhaiMap, key: string, fallback: boolean): boolean {
  const v = map.get(key);
  if (v === undefined) return fallback;
  if (typeof v !== "boolean")
    throw hostError(fn, `option "${key}" must be a bool, got ${typeName(v)}`);
  return v;
}

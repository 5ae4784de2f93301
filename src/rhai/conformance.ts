// The conformance runner: evaluates the shared test vectors (JSON lines, one case a line)
// on fresh engines and reports which cases fail and why. The format of a case is described
// in the conformance data's README.

import { readFileSync } from "node:fs";
import { Engine } from "./engine.js";
import { RhaiParseError, RhaiRuntimeError } from "./errors.js";
import { toDebug } from "./format.js";
import { Blob, Char, Float, typeName, type Value } from "./value.js";

interface Expect {
  type?: string;
  value?: unknown;
  tolerance?: number;
  elem_type?: string;
  ok?: boolean;
  error?: string;
  any_of?: string[];
  phase?: string;
  lex_error?: string;
}

export interface ConformanceCase {
  id: string;
  script: string;
  mode?: string;
  expect: Expect;
  eval_type?: string;
  config?: { call: string; args: unknown[] }[];
}

export interface CaseResult {
  id: string;
  pass: boolean;
  why?: string;
}

export interface FileReport {
  file: string;
  passed: number;
  failed: number;
  results: CaseResult[];
}

/** Reads a JSON-lines corpus file. */
export function readCases(file: string): ConformanceCase[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ConformanceCase);
}

/** Which Rust output type a value satisfies, for the reference's `eval::<T>` check. */
function matchesEvalType(evalType: string | undefined, v: Value): boolean {
  switch (evalType) {
    case undefined:
    case "Dynamic":
      return true;
    case "INT":
    case "i64":
      return typeof v === "number" || typeof v === "bigint";
    case "FLOAT":
    case "f64":
      return v instanceof Float;
    case "bool":
      return typeof v === "boolean";
    case "char":
      return v instanceof Char;
    case "String":
    case "&str":
    case "ImmutableString":
      return typeof v === "string";
    case "()":
      return v === undefined;
    case "Blob":
      return v instanceof Blob;
    case "Array":
      return Array.isArray(v);
    case "Map":
      return v instanceof Map;
    default:
      return true;
  }
}

function sameJson(expected: unknown, v: Value, elemType?: string): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(v) &&
      v.length === expected.length &&
      expected.every((e, i) => sameJson(e, v[i], elemType))
    );
  }
  if (expected === null) return v === undefined;
  if (typeof expected === "boolean") return v === expected;
  if (typeof expected === "number") {
    if (elemType === "float" || v instanceof Float)
      return v instanceof Float && v.value === expected;
    return v === expected;
  }
  if (typeof expected === "string") {
    if (elemType === "char") return v instanceof Char && v.value === expected;
    if (elemType === "int")
      return (typeof v === "bigint" || typeof v === "number") && String(v) === expected;
    return v === expected || (v instanceof Char && v.value === expected);
  }
  return false;
}

function checkValue(e: Expect, v: Value): string | undefined {
  const show = () => `${toDebug(v)} (${typeName(v)})`;
  switch (e.type) {
    case "int": {
      const want = typeof e.value === "string" ? BigInt(e.value) : BigInt(e.value as number);
      if ((typeof v === "number" || typeof v === "bigint") && BigInt(v) === want) return undefined;
      return `expected int ${e.value}, got ${show()}`;
    }
    case "float": {
      if (!(v instanceof Float)) return `expected float ${e.value}, got ${show()}`;
      const x = v.value;
      if (e.value === "NaN") return Number.isNaN(x) ? undefined : `expected NaN, got ${x}`;
      if (e.value === "inf")
        return x === Number.POSITIVE_INFINITY ? undefined : `expected inf, got ${x}`;
      if (e.value === "-inf")
        return x === Number.NEGATIVE_INFINITY ? undefined : `expected -inf, got ${x}`;
      const want = e.value as number;
      const tol = e.tolerance ?? Math.max(1e-12, Math.abs(want) * 1e-12);
      return Math.abs(x - want) <= tol ? undefined : `expected float ${want}, got ${x}`;
    }
    case "bool":
      return v === e.value ? undefined : `expected ${e.value}, got ${show()}`;
    case "char":
      return v instanceof Char && v.value === e.value
        ? undefined
        : `expected char ${JSON.stringify(e.value)}, got ${show()}`;
    case "string":
      return v === e.value
        ? undefined
        : `expected string ${JSON.stringify(e.value)}, got ${show()}`;
    case "unit":
      return v === undefined ? undefined : `expected (), got ${show()}`;
    case "array":
      return sameJson(e.value, v, e.elem_type)
        ? undefined
        : `expected array ${JSON.stringify(e.value)}, got ${show()}`;
    case "blob": {
      const want = e.value as number[];
      return v instanceof Blob &&
        v.bytes.length === want.length &&
        v.bytes.every((b, i) => b === want[i])
        ? undefined
        : `expected blob ${JSON.stringify(want)}, got ${show()}`;
    }
  }
  return `unknown expectation ${JSON.stringify(e)}`;
}

function errorCode(e: unknown): {
  code: string;
  phase: string;
  lexError?: string;
  message: string;
} {
  if (e instanceof RhaiParseError)
    return { code: e.code, phase: "parse", lexError: e.lexError, message: e.message };
  if (e instanceof RhaiRuntimeError) return { code: e.code, phase: "eval", message: e.message };
  return {
    code: "JS",
    phase: "js",
    message: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
  };
}

/** Runs one case on a fresh standard engine. */
export function runCase(c: ConformanceCase): CaseResult {
  const engine = new Engine();
  engine.onPrint(() => {}).onDebug(() => {});
  const e = c.expect;
  let value: Value;
  try {
    for (const cfg of c.config ?? []) engine.configure(cfg.call, cfg.args);
    switch (c.mode) {
      case "compile":
        engine.compile(c.script);
        value = undefined;
        break;
      case "compile_expression":
        engine.compileExpression(c.script);
        value = undefined;
        break;
      case "expression":
        value = engine.evalExpression(c.script);
        break;
      case "run":
        engine.run(c.script);
        value = undefined;
        break;
      default:
        value = engine.eval(c.script);
        if (!matchesEvalType(c.eval_type, value)) {
          throw new RhaiRuntimeError(
            "ErrorMismatchOutputType",
            `Output type incorrect: ${typeName(value)} (expecting ${c.eval_type})`,
          );
        }
    }
  } catch (x) {
    const got = errorCode(x);
    if (e.error === undefined)
      return { id: c.id, pass: false, why: `unexpected error ${got.code}: ${got.message}` };
    if (got.phase === "js")
      return { id: c.id, pass: false, why: `JavaScript error ${got.message}` };
    if (e.error === "*") return { id: c.id, pass: true };
    const allowed = e.any_of ?? [e.error];
    if (!allowed.includes(got.code)) {
      return {
        id: c.id,
        pass: false,
        why: `expected error ${allowed.join("|")}, got ${got.code}: ${got.message}`,
      };
    }
    if (e.lex_error !== undefined && got.lexError !== e.lex_error) {
      return {
        id: c.id,
        pass: false,
        why: `expected lex error ${e.lex_error}, got ${got.lexError}`,
      };
    }
    return { id: c.id, pass: true };
  }
  if (e.error !== undefined)
    return { id: c.id, pass: false, why: `expected error ${e.error}, got value ${toDebug(value)}` };
  if (e.ok) return { id: c.id, pass: true };
  if (c.mode === "run" || c.mode === "compile" || c.mode === "compile_expression")
    return { id: c.id, pass: true };
  const why = checkValue(e, value);
  return why === undefined ? { id: c.id, pass: true } : { id: c.id, pass: false, why };
}

/** Runs every case of a corpus file. */
export function runFile(file: string): FileReport {
  const results = readCases(file).map(runCase);
  const passed = results.filter((r) => r.pass).length;
  return { file, passed, failed: results.length - passed, results };
}

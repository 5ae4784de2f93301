// Errors as the running code raises and catches them: positions put on errors from natives,
// foreign errors converted, errors inside script functions wrapped, and the value a
// `catch (e)` sees.

import {
  type Position,
  RhaiParseError,
  RhaiRuntimeError,
  type RuntimeErrorCode,
  signatureOf,
} from "../errors.js";
import { isStackExhausted, isValueTooLarge } from "../js-errors.js";
import { copy } from "../ops.js";
import { type CompiledFn, isSignal } from "../runtime/index.js";
import { type RhaiMap, typeOf, type Value } from "../value.js";

export function rtErr(
  code: RuntimeErrorCode,
  detail: string,
  pos: Position,
  value?: unknown,
): RhaiRuntimeError {
  return new RhaiRuntimeError(code, detail, pos, value);
}

/** Sets the position on an error from a native function; converts foreign errors. */
export function atPos(e: unknown, pos: Position): unknown {
  if (e instanceof RhaiRuntimeError) return e.at(pos);
  // The stack first: this runs at the bottom of an exhausted stack, where every further
  // call (even a test runner's getter for an imported binding) may fail again.
  if (isStackExhausted(e)) return rtErr("ErrorStackOverflow", "Stack overflow", pos);
  if (isSignal(e) || e instanceof RhaiParseError) return e;
  // V8's own ceiling on a string's or array's length: the data-size error, not a crash.
  if (isValueTooLarge(e)) {
    const m = e.message;
    const what = m.startsWith("Invalid string")
      ? "Length of string"
      : m.startsWith("Map")
        ? "Size of object map"
        : "Size of array";
    return rtErr("ErrorDataTooLarge", `${what} too large`, pos);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return rtErr("ErrorSystem", msg, pos);
}

const SYSTEM_ERRORS = new Set<string>([
  "ErrorSystem",
  "ErrorCustomSyntax",
  "ErrorTooManyOperations",
  "ErrorTooManyModules",
  "ErrorTooManyVariables",
  "ErrorStackOverflow",
  "ErrorDataTooLarge",
  "ErrorTerminated",
]);

export function isCatchable(e: RhaiRuntimeError): boolean {
  // A syntax error met while running (parse_json) is not catchable either, unless `eval`
  // wrapped it in ErrorInFunctionCall, as the reference does.
  return !SYSTEM_ERRORS.has(e.innermost().code) && e.code !== "ErrorParsing";
}

export function fnSignatureOf(name: string, args: readonly Value[]): string {
  return signatureOf(
    name,
    args.map((a) => typeOf(a)),
  );
}

/** ErrorFunctionNotFound for a call by name with these arguments. */
export function notFound(name: string, args: readonly Value[], pos: Position): RhaiRuntimeError {
  return rtErr("ErrorFunctionNotFound", fnSignatureOf(name, args), pos, fnSignatureOf(name, args));
}

/** An error leaving a script function: ErrorInFunctionCall around it, unless it is a limit. */
export function wrapFnError(e: unknown, fn: CompiledFn, pos: Position): unknown {
  const x = atPos(e, pos);
  if (!(x instanceof RhaiRuntimeError)) return x;
  switch (x.code) {
    case "ErrorSystem":
    case "ErrorTooManyOperations":
    case "ErrorTooManyModules":
    case "ErrorStackOverflow":
    case "ErrorDataTooLarge":
    case "ErrorTerminated":
    case "ErrorTooManyVariables":
    case "ErrorParsing":
      return x;
  }
  const name = fn.name;
  const call = fn.def.isClosure ? "in closure call" : `in call to function '${name}'`;
  return new RhaiRuntimeError(
    "ErrorInFunctionCall",
    `${x.referenceDisplay()}\n${call}`,
    pos,
    undefined,
    x,
    { function: name, source: "" },
  );
}

/** The value a `catch (e)` sees for an error. */
export function errorValue(e: RhaiRuntimeError): Value {
  const inner = e.innermost();
  if (inner.code === "ErrorRuntime") return copy(inner.value as Value);
  // The reference's map: the variant's name and fields, its message without the position,
  // and where it happened (keys sorted, as the reference's maps are).
  const fields: Record<string, Value> = { error: e.code, message: e.referenceMessage() };
  for (const [k, v] of Object.entries(e.fields)) fields[k] = v;
  if (e.code === "ErrorFunctionNotFound") fields.function = e.detail;
  if (e.code === "ErrorVariableNotFound")
    fields.variable = e.detail.replace(/^Variable not found: /, "");
  if (!e.unplaced && e.position.line > 0) {
    fields.line = e.position.line;
    fields.position = e.position.column;
  }
  const m: RhaiMap = new Map();
  for (const k of Object.keys(fields).sort()) m.set(k, fields[k]);
  return m;
}

// Differential testing of our Rhai engine against the reference engine (`rhai-case`, the
// batch runner built from Rhai 1.25): run the same programs through both, compare what they
// printed and how they ended (the final value, or the error's variant), and shrink the
// programs that disagree to small cases.
//
// Our engine runs in this process with the defaults the `rhai` command uses (a plain
// `new Engine()`); a watchdog stops a run after a few seconds (reported as a timeout, never
// counted as a divergence). The reference runs in batches, one process per batch, with a
// timeout; a batch that times out is split until the program that hangs is found.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  Blob,
  Char,
  Engine,
  Float,
  isRhaiError,
  RhaiParseError,
  RhaiRuntimeError,
  toDebug,
  toDisplay,
  typeName,
  type Value,
} from "../../../src/rhai/index.js";

/** How a program ended on one engine, in one shape for both. */
export type Outcome =
  | { kind: "ok"; prints: string[]; value: unknown }
  | { kind: "error"; prints: string[]; phase: string; variants: string[]; message?: string }
  | { kind: "timeout" }
  | { kind: "crash"; message: string };

/** Where the reference's tools are, or undefined when they are not there. */
export function findReference(repoRoot: string): string | undefined {
  const candidates = [
    process.env.RHAI_REFERENCE,
    join(repoRoot, "../shared/tools/rhai-reference"),
  ].filter((p): p is string => p !== undefined && p !== "");
  for (const dir of candidates) if (existsSync(join(dir, "rhai-case"))) return dir;
  return undefined;
}

// ---- our engine ------------------------------------------------------------------

/** A value in the reference runner's typed JSON form (see its README). */
export function typed(v: Value): unknown {
  if (v === undefined) return { t: "()" };
  if (typeof v === "number" || typeof v === "bigint") return { t: "i64", v: String(v) };
  if (v instanceof Float) return { t: "f64", v: v.value, s: toDisplay(v) };
  if (typeof v === "boolean") return { t: "bool", v };
  if (v instanceof Char) return { t: "char", v: v.value };
  if (typeof v === "string") return { t: "string", v };
  if (Array.isArray(v)) return { t: "array", v: v.map(typed) };
  if (v instanceof Blob) return { t: "blob", v: [...v.bytes] };
  if (v instanceof Map) {
    // Scripts see keys in sorted order (the reference's maps are BTreeMaps), as here.
    const keys = [...v.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { t: "map", v: keys.map((k) => [k, typed(v.get(k) as Value)]) };
  }
  return { t: typeName(v), s: toDisplay(v), d: toDebug(v) };
}

/** The variant names of an error, outermost first (through function-call wrappers). */
function ourVariants(e: RhaiRuntimeError): string[] {
  const out: string[] = [e.code];
  let x: RhaiRuntimeError | undefined = e.inner;
  while (x !== undefined) {
    out.push(x.code);
    x = x.inner;
  }
  return out;
}

/** Runs a program on our engine as the `rhai` command would (default engine). */
export function runOurs(src: string, watchdogMs = 3000): Outcome {
  const prints: string[] = [];
  const engine = new Engine()
    .onPrint((t) => prints.push(`P:${t}`))
    .onDebug((t) => prints.push(`D:${t}`));
  const deadline = Date.now() + watchdogMs;
  let timedOut = false;
  engine.onProgress(() => {
    if (Date.now() < deadline) return true;
    timedOut = true;
    return false;
  });
  try {
    const value = engine.eval(src) as Value;
    return { kind: "ok", prints, value: typed(value) };
  } catch (e) {
    if (timedOut) return { kind: "timeout" };
    if (e instanceof RhaiParseError)
      return { kind: "error", prints, phase: "parse", variants: [e.code], message: e.message };
    if (e instanceof RhaiRuntimeError)
      return { kind: "error", prints, phase: "eval", variants: ourVariants(e), message: e.message };
    if (isRhaiError(e)) return { kind: "crash", message: String(e) };
    return { kind: "crash", message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

// ---- the reference -----------------------------------------------------------------

interface RefTyped {
  t: string;
  v?: unknown;
  s?: string;
  d?: string;
}

/** A reference value in the same shape `typed` gives ours (floats as numbers). */
function fromRef(x: RefTyped): unknown {
  switch (x.t) {
    case "()":
      return { t: "()" };
    case "f64": {
      const s = x.v as string;
      const n = s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
      return { t: "f64", v: n, s: x.s };
    }
    case "array":
      return { t: "array", v: (x.v as RefTyped[]).map(fromRef) };
    case "map":
      return { t: "map", v: (x.v as [string, RefTyped][]).map(([k, y]) => [k, fromRef(y)]) };
    default:
      return x;
  }
}

/** The variant names in a reference error's Debug text, outermost first. */
export function refVariants(debug: string): string[] {
  // Strings inside the Debug text (messages, names) may contain anything: blank them first.
  const bare = debug.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const first = /^\w+/.exec(bare)?.[0] ?? "";
  const errors = [...bare.matchAll(/\b(Error[A-Z]\w*)\(/g)].map((m) => m[1] as string);
  return first.startsWith("Error") ? errors : [first];
}

function parseRefLine(line: string): Outcome {
  const j = JSON.parse(line) as {
    phase: string;
    value?: RefTyped;
    debug?: string;
    display?: string;
    prints: string[];
  };
  if (j.phase === "ok")
    return { kind: "ok", prints: j.prints, value: fromRef(j.value as RefTyped) };
  const variants = refVariants(j.debug ?? "");
  return {
    kind: "error",
    prints: j.prints,
    phase: j.phase,
    variants,
    message: j.display,
  };
}

/**
 * Runs programs on the reference in one process. It writes each result as soon as it has
 * it, so when the process is stopped for taking too long, the lines it wrote are the
 * results of the first programs, and the next program is the one that hangs.
 */
function spawnBatch(bin: string, srcs: readonly string[], timeoutMs: number): Outcome[] {
  const input = srcs.map((s) => `CASE eval ${Buffer.byteLength(s, "utf8")}\n${s}\n`).join("");
  const r = spawnSync(bin, [], { input, timeout: timeoutMs, maxBuffer: 1 << 28, encoding: "utf8" });
  const out = (r.stdout ?? "").split("\n").filter((l) => l !== "");
  // A line cut short by the kill is not a result.
  const complete = r.status === 0 ? out : out.filter((l) => l.endsWith("}"));
  return complete.slice(0, srcs.length).map(parseRefLine);
}

/** Runs programs on the reference, in batches; a program that hangs is a timeout. */
export function runReference(refDir: string, srcs: readonly string[], batchSize = 250): Outcome[] {
  const bin = join(refDir, "rhai-case");
  const out: Outcome[] = [];
  let i = 0;
  while (i < srcs.length) {
    const part = srcs.slice(i, i + batchSize);
    const got = spawnBatch(bin, part, 2000 + part.length * 20);
    out.push(...got);
    i += got.length;
    if (got.length < part.length) {
      // The program after the last result hung (or crashed the process): skip it.
      out.push({ kind: "timeout" });
      i++;
    }
  }
  return out;
}

// ---- comparing -----------------------------------------------------------------------

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number")
    return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) =>
        sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return a === b;
}

function ending(o: Outcome): string {
  if (o.kind === "ok") return `value ${JSON.stringify(o.value)}`;
  if (o.kind === "error")
    return `${o.phase} error ${o.variants.join(">")}${o.message ? ` (${o.message.split("\n")[0]})` : ""}`;
  return o.kind;
}

/** What differs between two outcomes (undefined when they agree or either timed out). */
export function difference(ours: Outcome, ref: Outcome): string | undefined {
  if (ours.kind === "timeout" || ref.kind === "timeout") return undefined;
  if (ours.kind === "crash") return `our engine crashed: ${ours.message}`;
  if (ref.kind === "crash") return undefined;
  const n = Math.max(ours.prints.length, ref.prints.length);
  for (let i = 0; i < n; i++) {
    if (ours.prints[i] !== ref.prints[i]) {
      const a = ours.prints[i] ?? `(ended: ${ending(ours)})`;
      const b = ref.prints[i] ?? `(ended: ${ending(ref)})`;
      return `print #${i + 1}: ours ${JSON.stringify(a)}, reference ${JSON.stringify(b)}`;
    }
  }
  if (ours.kind === "ok" && ref.kind === "ok") {
    return sameValue(ours.value, ref.value)
      ? undefined
      : `value: ours ${JSON.stringify(ours.value)}, reference ${JSON.stringify(ref.value)}`;
  }
  if (ours.kind === "error" && ref.kind === "error") {
    if (ours.phase !== ref.phase)
      return `error phase: ours ${ours.phase} ${ours.variants.join(">")}, reference ${ref.phase} ${ref.variants.join(">")}`;
    const a = ours.variants;
    const b = ref.variants;
    if (a[0] !== b[0] || a[a.length - 1] !== b[b.length - 1])
      return `error: ours ${a.join(">")}, reference ${b.join(">")}`;
    return undefined;
  }
  const show = (o: Outcome) =>
    o.kind === "ok"
      ? `value ${JSON.stringify(o.value)}`
      : o.kind === "error"
        ? `${o.phase} error ${o.variants.join(">")}`
        : o.kind;
  return `ours ${show(ours)}, reference ${show(ref)}`;
}

/** The kind of a difference, so the shrinker keeps the same one. */
function differenceKind(d: string): string {
  return d.replace(/#\d+/, "#").split(":")[0] ?? d;
}

// ---- shrinking -------------------------------------------------------------------------

/** Smaller variants of a program: each drops one line, statement or bracketed body. */
function candidates(src: string): string[] {
  const out = new Set<string>();
  const lines = src.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === "") continue;
    out.add([...lines.slice(0, i), ...lines.slice(i + 1)].join("\n"));
  }
  // Statements inside one line: split at `;` and `}` boundaries at bracket depth > 0 too.
  const stack: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quote !== undefined) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "`" || c === "'") {
      quote = c;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") stack.push(i);
    else if (c === ")" || c === "]" || c === "}") {
      const open = stack.pop();
      if (open !== undefined && i - open > 1) {
        out.add(src.slice(0, open + 1) + src.slice(i));
        const inner = src.slice(open + 1, i);
        if (c !== "}")
          for (const rep of ["0", '"s"']) out.add(src.slice(0, open + 1) + rep + src.slice(i));
        // Replace the bracketed expression by its content (drop a wrapper).
        if (c === ")") out.add(src.slice(0, open) + inner + src.slice(i + 1));
      }
    }
  }
  // Drop each `;`-terminated statement.
  const stmtRe = /[^;{}\n]*;/g;
  for (const m of src.matchAll(stmtRe)) {
    const at = m.index ?? 0;
    out.add(src.slice(0, at) + src.slice(at + m[0].length));
  }
  out.delete(src);
  return [...out].filter((s) => s.length < src.length).sort((a, b) => a.length - b.length);
}

/** Shrinks a diverging program to a small one that still diverges the same way. */
export function shrink(refDir: string, src: string, maxRounds = 60): { src: string; why: string } {
  const first = difference(runOurs(src), runReference(refDir, [src])[0] as Outcome);
  if (first === undefined) return { src, why: "(no longer diverges)" };
  const kind = differenceKind(first);
  let best = src;
  let why = first;
  for (let round = 0; round < maxRounds; round++) {
    const cands = candidates(best).slice(0, 400);
    if (cands.length === 0) break;
    const refs = runReference(refDir, cands);
    let improved = false;
    for (let i = 0; i < cands.length; i++) {
      const c = cands[i] as string;
      const d = difference(runOurs(c, 1000), refs[i] as Outcome);
      if (d !== undefined && differenceKind(d) === kind) {
        best = c;
        why = d;
        improved = true;
        break;
      }
    }
    if (!improved) break;
  }
  return { src: best, why };
}

export interface Divergence {
  seed: number;
  src: string;
  why: string;
}

export interface RunReport {
  total: number;
  timeouts: number;
  divergences: Divergence[];
}

/** Generates `count` programs from seeds `seed`..`seed+count-1` and compares them. */
export function differentialRun(
  refDir: string,
  programs: readonly { seed: number; src: string }[],
): RunReport {
  const refs = runReference(
    refDir,
    programs.map((p) => p.src),
  );
  const divergences: Divergence[] = [];
  let timeouts = 0;
  programs.forEach((p, i) => {
    const ours = runOurs(p.src);
    const ref = refs[i] as Outcome;
    if (ours.kind === "timeout" || ref.kind === "timeout") timeouts++;
    const d = difference(ours, ref);
    if (d !== undefined) divergences.push({ seed: p.seed, src: p.src, why: d });
  });
  return { total: programs.length, timeouts, divergences };
}

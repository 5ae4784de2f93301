// The parameters of one action, with typed access. Values are kept as the script wrote
// them (strings); the type is decided when an action asks for it, so one value can be read
// as a string by one action and as a size by another, and a wrong type is reported with
// the parameter's name and the text found.
import { ParamError } from "./errors.js";

/** A `key:value` parameter. `items` is set when the value was written as a list. */
export interface Param {
  /** Lowercase: keys are case-insensitive. */
  readonly key: string;
  /** The value; for a list, its items joined with ",". */
  readonly value: string;
  readonly items?: readonly string[];
  /** Where the key starts (1-based); 0 for parameters built in code. */
  readonly line: number;
  readonly column: number;
}

/** A positional argument: a bare word (or quoted text) without a key. */
export interface Arg {
  readonly value: string;
  readonly line: number;
  readonly column: number;
}

const TRUE_WORDS = new Set(["true", "yes", "y", "1", "on"]);
const FALSE_WORDS = new Set(["false", "no", "n", "0", "off"]);

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

export class Params {
  readonly #byKey = new Map<string, Param>();
  readonly args: readonly Arg[];

  constructor(params: readonly Param[] = [], args: readonly Arg[] = []) {
    // A key given twice keeps its last value, as a later assignment would.
    for (const p of params) {
      const key = p.key.toLowerCase();
      this.#byKey.delete(key);
      this.#byKey.set(key, { ...p, key });
    }
    this.args = args;
  }

  /** Parameters in the order they were written. */
  get entries(): readonly Param[] {
    return [...this.#byKey.values()];
  }

  has(key: string): boolean {
    return this.#byKey.has(key.toLowerCase());
  }

  /** The parameter itself (with its position), or undefined. */
  param(key: string): Param | undefined {
    return this.#byKey.get(key.toLowerCase());
  }

  /** A copy without the given keys. */
  without(...keys: string[]): Params {
    const drop = new Set(keys.map((k) => k.toLowerCase()));
    return new Params(
      this.entries.filter((p) => !drop.has(p.key)),
      this.args,
    );
  }

  /** A copy with every value and argument passed through `f` (placeholders, for one). */
  mapValues(f: (value: string) => string): Params {
    return new Params(
      this.entries.map((p) => ({
        ...p,
        value: p.items ? p.items.map(f).join(",") : f(p.value),
        ...(p.items ? { items: p.items.map(f) } : {}),
      })),
      this.args.map((a) => ({ ...a, value: f(a.value) })),
    );
  }

  /** The string value; an error names the key when it is missing and no fallback is given. */
  get(key: string, fallback?: string): string {
    const p = this.param(key);
    if (p !== undefined) return p.value;
    if (fallback !== undefined) return fallback;
    throw new ParamError(key, `missing parameter '${key.toLowerCase()}'`);
  }

  /** The first of several accepted spellings of one parameter (`val` or `value`). */
  getOneOf(keys: readonly string[], fallback?: string): string {
    for (const key of keys) {
      const p = this.param(key);
      if (p !== undefined) return p.value;
    }
    if (fallback !== undefined) return fallback;
    const names = keys.map((k) => `'${k}'`).join(" or ");
    throw new ParamError(keys[0] ?? "", `missing parameter ${names}`);
  }

  /** A whole number (safe integer). */
  getInt(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const text = p.value.trim();
    const n = Number(text);
    if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n)) {
      throw this.#typeError(p, "an integer");
    }
    return n;
  }

  /** true/yes/y/1/on or false/no/n/0/off, any case. */
  getBool(key: string, fallback?: boolean): boolean {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const word = p.value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw this.#typeError(p, "a boolean (true/false, yes/no, 1/0)");
  }

  /** The items of a list (`a,b,c` or `['a','b']`); a single value is a list of one. */
  getList(key: string, fallback?: readonly string[]): string[] {
    const p = this.param(key);
    if (p === undefined) return [...this.#fallback(key, fallback)];
    if (p.items) return [...p.items];
    return p.value === "" ? [] : [p.value];
  }

  /** A duration in milliseconds: `500ms`, `30s`, `5m`, `1h30m`, `2d`; a bare number is seconds. */
  getDuration(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const ms = parseDuration(p.value);
    if (ms === undefined) throw this.#typeError(p, "a duration such as 30s, 5m, 1h30m or 500ms");
    return ms;
  }

  /** A size in bytes: `512`, `10kb`, `4MiB`, `1.5GB` (KB = 1000, KiB = 1024). */
  getSize(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const bytes = parseSize(p.value);
    if (bytes === undefined) throw this.#typeError(p, "a size such as 512, 10kb or 4MiB");
    return bytes;
  }

  #fallback<T>(key: string, fallback: T | undefined): T {
    if (fallback !== undefined) return fallback;
    throw new ParamError(key, `missing parameter '${key.toLowerCase()}'`);
  }

  #typeError(p: Param, expected: string): ParamError {
    return new ParamError(p.key, `parameter '${p.key}' must be ${expected}, got '${p.value}'`);
  }
}

/** Milliseconds of a duration text, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(m[1]) * (DURATION_UNITS_MS[m[2] as string] as number);
  }
  return Math.round(total);
}

/** Bytes of a size text, or undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text.trim().toLowerCase());
  if (m === null) return undefined;
  const unit = SIZE_UNITS[m[2] === "" ? "b" : (m[2] as string)];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

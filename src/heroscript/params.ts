// The parameters of one action, with typed access. Values are kept as text, the way
// herolib's paramsparser keeps them (a list is its items joined with ',', an item holding a
// space in double quotes); the type is decided when an action asks for it, so one value can
// be read as a string by one action and as a size by another, and a wrong type is reported
// with the parameter's name and the text found. Getter names are upstream's in camelCase
// (`get_float_default(k, d)` is `getFloat(k, d)`).
import { mkdirSync, statSync } from "node:fs";
import { ParamError } from "./errors.js";
import { nameFix } from "./text.js";

/** A `key:value` parameter. */
export interface Param {
  /** Lowercase: keys are case-insensitive. */
  readonly key: string;
  /** The value as text; a list is its items joined with ",". */
  readonly value: string;
  /** The `//` comment lines before it and the comment at the end of its line. */
  readonly comment?: string;
  /**
   * The list items, when filling placeholders put a ',' into one (`'{NAME}'` with NAME
   * `a,b` is one item, not two); `getList` reads them instead of splitting the value.
   */
  readonly items?: readonly string[];
  /** Where the key starts (1-based); 0 for parameters built in code. */
  readonly line: number;
  readonly column: number;
}

/** A positional argument: a bare word (or quoted text) without a key. */
export interface Arg {
  readonly value: string;
  /** Its comment, as for a parameter (also listed in `Params.comments`). */
  readonly comment?: string;
  readonly line: number;
  readonly column: number;
}

/** An amount of money as `getCurrencyAmount` reads it: `100USD`, `20 EUR`, `5.5`. */
export interface CurrencyAmount {
  /** The currency code in capitals; `USD` when the text names none. */
  readonly currency: string;
  readonly amount: number;
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

// KB, MB... are powers of 1024, as herolib reads storage capacities (`10KB` = 10240).
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 2 ** 10,
  mb: 2 ** 20,
  gb: 2 ** 30,
  tb: 2 ** 40,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Integer kinds of the list getters: their name in messages and their range. */
const INT_KINDS = {
  u8: [0n, 255n, "unsigned 8-bit"],
  u16: [0n, 65_535n, "unsigned 16-bit"],
  u32: [0n, 4_294_967_295n, "unsigned 32-bit"],
  u64: [0n, 18_446_744_073_709_551_615n, "unsigned 64-bit"],
  i8: [-128n, 127n, "signed 8-bit"],
  i16: [-32_768n, 32_767n, "signed 16-bit"],
  i32: [-2_147_483_648n, 2_147_483_647n, "signed 32-bit"],
  i64: [-9_223_372_036_854_775_808n, 9_223_372_036_854_775_807n, "signed 64-bit"],
} as const;
type IntKind = keyof typeof INT_KINDS;

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

  /** The comments of the positional arguments (upstream's `params.comments`). */
  get comments(): string[] {
    return this.args.flatMap((a) => (a.comment === undefined ? [] : [a.comment]));
  }

  /** True when there are neither parameters nor arguments. */
  get empty(): boolean {
    return this.#byKey.size === 0 && this.args.length === 0;
  }

  has(key: string): boolean {
    return this.param(key) !== undefined;
  }

  /** Upstream's name for `has`. */
  exists(key: string): boolean {
    return this.has(key);
  }

  /** True when a positional argument has this text (any case). */
  existsArg(value: string): boolean {
    const v = value.toLowerCase().trim();
    return this.args.some((a) => a.value.toLowerCase() === v);
  }

  /** The parameter itself (with its position), or undefined. Keys match as written, lowercased, or name-fixed. */
  param(key: string): Param | undefined {
    return this.#byKey.get(key.toLowerCase()) ?? this.#byKey.get(nameFix(key));
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
      this.entries.map((p) => {
        const value = f(p.value);
        // Each item is filled on its own: a filled-in ',' must not make more items.
        const items = (p.items ?? splitList(p.value)).map(f);
        const same = JSON.stringify(items) === JSON.stringify(splitList(value));
        const { items: _old, ...rest } = p;
        return same ? { ...rest, value } : { ...rest, value, items };
      }),
      this.args.map((a) => ({ ...a, value: f(a.value) })),
    );
  }

  // --- strings ---------------------------------------------------------------------------

  /** The string value; an error names the key when it is missing and no fallback is given. */
  get(key: string, fallback?: string): string {
    const p = this.param(key);
    if (p !== undefined) return p.value;
    if (fallback !== undefined) return fallback;
    throw this.#missing(key);
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

  /** The `nr`-th positional argument (from 0). */
  getArg(nr: number, fallback?: string): string {
    const a = this.args[nr];
    if (a !== undefined) return a.value;
    if (fallback !== undefined) return fallback;
    throw new ParamError(
      `#${nr}`,
      `missing positional argument ${nr} (there are ${this.args.length})`,
    );
  }

  /** The `nr`-th positional argument as a whole number. */
  getArgInt(nr: number, fallback?: number): number {
    if (this.args[nr] === undefined && fallback !== undefined) return fallback;
    const text = this.getArg(nr);
    const n = parseInteger(text);
    if (n === undefined || !Number.isSafeInteger(Number(n))) {
      throw new ParamError(`#${nr}`, `positional argument ${nr} must be an integer, got '${text}'`);
    }
    return Number(n);
  }

  /** The value parsed as parameters itself (`child:'name:x size:2'`). */
  getParams(key: string): Params {
    const text = this.get(key);
    return parseNested(text);
  }

  /**
   * Looks the value (else `defval`) up in a table whose keys are comma-separated synonyms
   * (`{'key1,19, val1': 'val2'}`), ignoring case and spaces; fails when neither matches.
   */
  getFromHashmap(key: string, defval: string, table: Readonly<Record<string, string>>): string {
    const p = this.param(key);
    if (p !== undefined) {
      const found = matchHashmap(table, p.value);
      if (found !== "") return found;
    }
    const found = matchHashmap(table, defval);
    if (found !== "") return found;
    const keys = Object.keys(table)
      .map((k) => `'${k}'`)
      .join(", ");
    throw new ParamError(
      key,
      `parameter '${nameFix(key)}' (${p === undefined ? "missing" : `'${p.value}'`}) and its default '${defval}' match none of ${keys}`,
    );
  }

  /** An e-mail address: lowercased, the part between '<' and '>' if any; ASCII, no spaces. */
  getEmail(key: string, fallback?: string): string {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    let email = p.value.toLowerCase().trim();
    const lt = email.indexOf("<");
    if (lt !== -1)
      email =
        email
          .slice(lt + 1)
          .split(">")[0]
          ?.trim() ?? "";
    if (!/^[\x21-\x7e]+$/.test(email) || !email.includes("@")) {
      throw this.#typeError(p, "an e-mail address (ASCII, no spaces, with '@')");
    }
    return email;
  }

  /** A telephone number with brackets, '*', '-', '.' and spaces removed. */
  getTelnr(key: string, fallback?: string): string {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const tel = p.value.toLowerCase().replace(/[[\]{}()*\-. ]/g, "");
    if (!/^\+?[0-9]+$/.test(tel))
      throw this.#typeError(p, "a telephone number such as +32 478 12 34 56");
    return tel;
  }

  /** A path that must exist. */
  getPath(key: string, fallback?: string): string {
    const path = this.get(key, fallback);
    if (!statSync(path, { throwIfNoEntry: false })) {
      throw new ParamError(key, `parameter '${nameFix(key)}': path '${path}' does not exist`);
    }
    return path;
  }

  /** A folder, created (with its parents) when it does not exist yet. */
  getPathCreate(key: string, fallback?: string): string {
    const path = this.get(key, fallback);
    if (path.trim() === "") throw new ParamError(key, `parameter '${nameFix(key)}' is empty`);
    mkdirSync(path, { recursive: true });
    return path;
  }

  // --- numbers ---------------------------------------------------------------------------

  /** A whole number (safe integer). */
  getInt(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const n = parseInteger(p.value);
    if (n === undefined || !Number.isSafeInteger(Number(n))) {
      throw this.#typeError(p, "an integer");
    }
    return Number(n);
  }

  getU8(key: string, fallback?: number): number {
    return Number(this.#intOf(key, "u8", fallback === undefined ? undefined : BigInt(fallback)));
  }

  getU32(key: string, fallback?: number): number {
    return Number(this.#intOf(key, "u32", fallback === undefined ? undefined : BigInt(fallback)));
  }

  /** An unsigned 64-bit integer, exact (a bigint). */
  getU64(key: string, fallback?: bigint): bigint {
    return this.#intOf(key, "u64", fallback);
  }

  /** A number; a value with '%' is divided by 100 (`50%` is 0.5). */
  getFloat(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const percent = p.value.includes("%");
    const n = parseFloatText(p.value.replace("%", ""));
    if (n === undefined) throw this.#typeError(p, "a number");
    return percent ? n / 100 : n;
  }

  /**
   * A percentage as a fraction: `19`, `19%` and `%19` are 0.19. It must lie between 0 and
   * 100. The fallback is text too, as upstream's (`'17'` gives 0.17).
   */
  getPercentage(key: string, fallback?: string): number {
    const p = this.param(key);
    const text = p?.value ?? this.#fallback(key, fallback);
    const n = parseFloatText(text.replace("%", ""));
    const shown: Param = p ?? { key: nameFix(key), value: text, line: 0, column: 0 };
    if (n === undefined) throw this.#typeError(shown, "a percentage such as 19 or 19%");
    if (n < 0 || n > 100) throw this.#typeError(shown, "a percentage between 0 and 100");
    return n / 100;
  }

  /** The value as an amount of money: a number with an optional currency code. */
  getCurrencyAmount(key: string, fallback?: string): CurrencyAmount {
    const p = this.param(key);
    const text = p?.value ?? this.#fallback(key, fallback);
    const m = /^([+-]?\d+(?:\.\d+)?)\s*([a-z]{3})?$/i.exec(text.replaceAll(",", "").trim());
    if (m === null) {
      const shown: Param = p ?? { key: nameFix(key), value: text, line: 0, column: 0 };
      throw this.#typeError(shown, "an amount such as 100USD or 20 EUR");
    }
    return { amount: Number(m[1]), currency: (m[2] ?? "USD").toUpperCase() };
  }

  // --- booleans --------------------------------------------------------------------------

  /** true/yes/y/1/on or false/no/n/0/off, any case; anything else is an error. */
  getBool(key: string, fallback?: boolean): boolean {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const word = p.value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw this.#typeError(p, "a boolean (true/false, yes/no, 1/0)");
  }

  /** True unless the value says otherwise: missing, empty, 1, true, y or yes are true; anything else false. */
  getDefaultTrue(key: string): boolean {
    const word = nameFix(this.param(key)?.value ?? "").replaceAll("_", "");
    return ["", "1", "true", "y", "yes"].includes(word);
  }

  /** False unless the value says otherwise: missing, empty, 0, false, n or no are false; anything else true. */
  getDefaultFalse(key: string): boolean {
    const word = nameFix(this.param(key)?.value ?? "").replaceAll("_", "");
    return !["", "0", "false", "n", "no"].includes(word);
  }

  // --- lists -----------------------------------------------------------------------------

  /**
   * The items of a list: the value without surrounding `[ ]`, split at every ',', each item
   * without surrounding quotes and spaces; empty items are left out. So `a, b`,
   * `'a','b'`, `['a','b']` and `'a,b'` are all the list a, b.
   */
  getList(key: string, fallback?: readonly string[]): string[] {
    const p = this.param(key);
    if (p === undefined) return [...this.#fallback(key, fallback)];
    return p.items ? [...p.items] : splitList(p.value);
  }

  /** `getList` with each item passed through upstream's name_fix. */
  getListNamefix(key: string, fallback?: readonly string[]): string[] {
    if (!this.has(key) && fallback !== undefined) return [...fallback];
    return this.getList(key).map(nameFix);
  }

  getListU8(key: string, fallback?: readonly number[]): number[] {
    return this.#intList(key, "u8", fallback);
  }
  getListU16(key: string, fallback?: readonly number[]): number[] {
    return this.#intList(key, "u16", fallback);
  }
  getListU32(key: string, fallback?: readonly number[]): number[] {
    return this.#intList(key, "u32", fallback);
  }
  getListI8(key: string, fallback?: readonly number[]): number[] {
    return this.#intList(key, "i8", fallback);
  }
  getListI16(key: string, fallback?: readonly number[]): number[] {
    return this.#intList(key, "i16", fallback);
  }
  getListInt(key: string, fallback?: readonly number[]): number[] {
    return this.#intList(key, "i32", fallback);
  }
  /** The same as `getListInt` (upstream's `int` is 32-bit). */
  getListI32(key: string, fallback?: readonly number[]): number[] {
    return this.#intList(key, "i32", fallback);
  }
  /** 64-bit items are exact: bigints. */
  getListU64(key: string, fallback?: readonly bigint[]): bigint[] {
    return this.#bigList(key, "u64", fallback);
  }
  getListI64(key: string, fallback?: readonly bigint[]): bigint[] {
    return this.#bigList(key, "i64", fallback);
  }
  /** Items rounded to 32-bit floats, as upstream's f32. */
  getListF32(key: string, fallback?: readonly number[]): number[] {
    return this.getListF64(key, fallback).map((n) => Math.fround(n));
  }
  getListF64(key: string, fallback?: readonly number[]): number[] {
    const p = this.param(key);
    if (p === undefined) return [...this.#fallback(key, fallback)];
    return numberItems(p).map((item) => {
      const n = parseFloatText(item);
      if (n === undefined) throw this.#itemError(p, item, "a number");
      return n;
    });
  }

  // --- times, durations, sizes ------------------------------------------------------------

  /**
   * A point in time (UTC): `2022-12-5 20:14:35`, `2022-12-5 20:14`, `2022-12-5`, `5-12-2022`
   * (also with '/'), or relative to now: `+1w +2d -4h` (s, m, h, d, w; M is 30 days, Q 90
   * days, Y 365 days); empty or `0` is now.
   */
  getTime(key: string, fallback?: Date): Date {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const ms = parseTime(p.value);
    if (ms === undefined) {
      throw this.#typeError(p, "a time such as 2022-12-5 20:14:35, 2022-12-5 or +1d -4h");
    }
    return new Date(ms);
  }

  /** A time of day in milliseconds after midnight: `16:21`, `10AM`, `8:07PM`. */
  getTimestamp(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const ms = parseTimeOfDay(p.value);
    if (ms === undefined) throw this.#typeError(p, "a time of day such as 16:21, 10AM or 8:07PM");
    return ms;
  }

  /** A duration in milliseconds: `500ms`, `30s`, `5m`, `1h30m`, `2d`; a bare number is seconds. */
  getDuration(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const ms = parseDuration(p.value);
    if (ms === undefined) throw this.#typeError(p, "a duration such as 30s, 5m, 1h30m or 500ms");
    return ms;
  }

  /** A size in bytes: `512`, `10kb` (10240), `4MB`, `1.5GiB`; KB and KiB are both 1024. */
  getSize(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const bytes = parseSize(p.value);
    if (bytes === undefined) throw this.#typeError(p, "a size such as 512, 10KB or 4MB");
    return bytes;
  }

  /** Upstream's name for a size in bytes: `10KB` = 10240, `10MB`, `10GB`, or bare bytes. */
  getStorageCapacityInBytes(key: string, fallback?: number): number {
    return this.getSize(key, fallback);
  }

  /** A size in whole gigabytes (1024³ bytes), rounded up: `10KB` is 1, a bare `10` is 10 GB. */
  getStorageCapacityInGigabytes(key: string, fallback?: number): number {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    if (/^\s*\d+\s*$/.test(p.value)) return Number(p.value.trim());
    const bytes = parseSize(p.value);
    if (bytes === undefined) throw this.#typeError(p, "a size such as 10GB or 512MB");
    return Math.ceil(bytes / 2 ** 30);
  }

  // --- helpers ---------------------------------------------------------------------------

  #intOf(key: string, kind: IntKind, fallback: bigint | undefined): bigint {
    const p = this.param(key);
    if (p === undefined) return this.#fallback(key, fallback);
    const n = parseInteger(p.value);
    const [min, max, name] = INT_KINDS[kind];
    if (n === undefined || n < min || n > max) throw this.#typeError(p, `a ${name} integer`);
    return n;
  }

  #bigList(key: string, kind: IntKind, fallback: readonly bigint[] | undefined): bigint[] {
    const p = this.param(key);
    if (p === undefined) return [...this.#fallback(key, fallback)];
    const [min, max, name] = INT_KINDS[kind];
    return numberItems(p).map((item) => {
      const n = parseInteger(item);
      if (n === undefined || n < min || n > max)
        throw this.#itemError(p, item, `a ${name} integer`);
      return n;
    });
  }

  #intList(key: string, kind: IntKind, fallback: readonly number[] | undefined): number[] {
    if (!this.has(key) && fallback !== undefined) return [...fallback];
    return this.#bigList(key, kind, undefined).map(Number);
  }

  #missing(key: string): ParamError {
    return new ParamError(key, `missing parameter '${key.toLowerCase()}'`);
  }

  #fallback<T>(key: string, fallback: T | undefined): T {
    if (fallback !== undefined) return fallback;
    throw this.#missing(key);
  }

  #typeError(p: Param, expected: string): ParamError {
    return new ParamError(p.key, `parameter '${p.key}' must be ${expected}, got '${p.value}'`);
  }

  #itemError(p: Param, item: string, expected: string): ParamError {
    return new ParamError(
      p.key,
      `parameter '${p.key}': list item '${item}' must be ${expected} (in '${p.value}')`,
    );
  }
}

/** Replaced by the reader when the module loads (params.ts must not import the reader). */
let parseNested: (text: string) => Params = () => {
  throw new Error("nested parameters need the reader");
};
export function setNestedParser(f: (text: string) => Params): void {
  parseNested = f;
}

/** `getList`'s reading of a value. */
export function splitList(value: string): string[] {
  return trimChars(value, "[] ")
    .split(",")
    .map((item) => trimChars(item, `"' `))
    .filter((item) => item !== "");
}

/**
 * `text` without any of `chars` at either end. A loop rather than a regular expression: an
 * end-anchored pattern such as / +$/ takes quadratic time on a long run of spaces that does
 * not reach the end, and these values come from scripts.
 */
export function trimChars(text: string, chars: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && chars.includes(text[start] as string)) start++;
  while (end > start && chars.includes(text[end - 1] as string)) end--;
  return text.slice(start, end);
}

/** The items of a number list: split at ',' and trimmed, nothing else removed. */
function numberItems(p: Param): string[] {
  return p.value.split(",").map((s) => s.trim());
}

/** Upstream's `matchhashmap`: the value of the first key whose comma-separated synonyms hold `tofind`. */
export function matchHashmap(table: Readonly<Record<string, string>>, tofind: string): string {
  const wanted = tofind.toLowerCase().trim();
  for (const [keys, value] of Object.entries(table)) {
    if (keys.split(",").some((k) => k.toLowerCase().trim() === wanted)) return value;
  }
  return "";
}

function parseInteger(text: string): bigint | undefined {
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) ? BigInt(t) : undefined;
}

function parseFloatText(text: string): number | undefined {
  const t = text.trim();
  // No two adjacent quantifiers over digits, so a long failing input is read once.
  return /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : undefined;
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

const RELATIVE_UNITS_S: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  M: 2_592_000,
  Q: 7_776_000,
  Y: 31_536_000,
};

/** Epoch milliseconds of a time text (UTC), or undefined. `now` is for relative times. */
export function parseTime(text: string, now = Date.now()): number | undefined {
  const t = text.trim();
  if (t === "" || t === "0") return now;
  if (t.startsWith("+") || t.startsWith("-")) {
    const compact = t.replaceAll(" ", "");
    if (!/^([+-]\d+[smhdwMQY])+$/.test(compact)) return undefined;
    let seconds = 0;
    for (const m of compact.matchAll(/([+-])(\d+)([smhdwMQY])/g)) {
      const n = Number(m[2]) * (RELATIVE_UNITS_S[m[3] as string] as number);
      seconds += m[1] === "-" ? -n : n;
    }
    return now + seconds * 1000;
  }
  const m =
    /^(\d{1,4})[-/](\d{1,2})[-/](\d{1,4})(?: (\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?)?$/.exec(t);
  if (m === null) return undefined;
  let [year, day] = [Number(m[1]), Number(m[3])];
  if ((m[3] as string).length === 4) [year, day] = [day, year];
  else if ((m[1] as string).length !== 4) return undefined;
  const [month, hour, minute, second] = [m[2], m[4], m[5], m[6]].map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/** Milliseconds after midnight of `16:21`, `10AM`, `8:07PM`, or undefined. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = /^(\d{1,2})(?::(\d{1,2}))?\s*(AM|PM)?$/i.exec(text.trim());
  if (m === null) return undefined;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  const half = m[3]?.toUpperCase();
  if (minute > 59) return undefined;
  if (half !== undefined) {
    if (hour > 12) return undefined;
    if (half === "PM" && hour < 12) hour += 12;
    if (half === "AM" && hour === 12) hour = 0;
  } else if (hour > 23) {
    return undefined;
  }
  return (hour * 60 + minute) * 60_000;
}

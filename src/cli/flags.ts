// Typed options. Commander reads a command line into strings (and the defaults it was given);
// a zod schema per command turns them into the types the command uses. A value zod refuses is
// a usage error whose message names the flag and repeats the value:
//   --max-attempts: expected a whole number >= 1, got 'x'
// Not on `horus --help`'s path: zod takes longer to load than that command takes in all.
import type { Command, Option } from "commander";
import { z } from "zod";
import { redisUrlProblem } from "./options.js";

/** Bad input on the command line: the command exits 2. */
export class UsageError extends Error {}

/** What commander hands over for an option: the text given, or the default as it was set. */
const given = z.union([z.string(), z.number()]);

/** The value as a message repeats it: quoted, and cut short when long. */
function shown(value: string | number): string {
  const text = String(value);
  return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;
}

/**
 * A whole number of at least `min`, read as `Number` reads it (so `1e3` is 1000) but never
 * from blank text, which `Number` would take for 0.
 */
export function wholeNumber(min = 0) {
  return given.transform((value, ctx) => {
    const n = Number(value);
    if (String(value).trim() !== "" && Number.isInteger(n) && n >= min) return n;
    ctx.addIssue({
      code: "custom",
      message: `expected a whole number >= ${min}, got ${shown(value)}`,
    });
    return z.NEVER;
  });
}

/** A number of seconds above 0 (and at most `max`), fractions allowed. */
export function seconds(max = Number.POSITIVE_INFINITY) {
  const range = max === Number.POSITIVE_INFINITY ? "> 0" : `> 0 and <= ${max}`;
  return given.transform((value, ctx) => {
    const n = Number(value);
    if (Number.isFinite(n) && n > 0 && n <= max) return n;
    ctx.addIssue({
      code: "custom",
      message: `expected a number of seconds ${range}, got ${shown(value)}`,
    });
    return z.NEVER;
  });
}

/** Any finite number; `what` says what it is ("a number of seconds"). */
export function finiteNumber(what: string) {
  return given.transform((value, ctx) => {
    const n = Number(value);
    if (String(value).trim() !== "" && Number.isFinite(n)) return n;
    ctx.addIssue({ code: "custom", message: `expected ${what}, got ${shown(value)}` });
    return z.NEVER;
  });
}

/**
 * An http:// or https:// URL. The message does not repeat the URL, which may hold a
 * password; a wrong scheme is named.
 */
export function httpUrl(what: string) {
  return z.string().superRefine((value, ctx) => {
    let protocol: string;
    try {
      protocol = new URL(value).protocol;
    } catch {
      ctx.addIssue({ code: "custom", message: `expected ${what}, an http:// or https:// URL` });
      return;
    }
    if (protocol !== "http:" && protocol !== "https:")
      ctx.addIssue({
        code: "custom",
        message: `expected ${what}, an http:// or https:// URL, not ${protocol}//`,
      });
  });
}

/** A TCP port: a whole number from 0 (any free one) to 65535. */
export function port() {
  return given.transform((value, ctx) => {
    const n = Number(value);
    if (String(value).trim() !== "" && Number.isInteger(n) && n >= 0 && n <= 65535) return n;
    ctx.addIssue({
      code: "custom",
      message: `expected a port number (0 to 65535), got ${shown(value)}`,
    });
    return z.NEVER;
  });
}

/** A whole number of bytes from `min` to `max`, in digits only. */
export function byteCount(min: number, max: number) {
  return given.transform((value, ctx) => {
    const n = Number(value);
    if (/^\d+$/.test(String(value).trim()) && Number.isSafeInteger(n) && n >= min && n <= max)
      return n;
    ctx.addIssue({
      code: "custom",
      message: `expected a whole number of bytes from ${min} to ${max}, got ${shown(value)}`,
    });
    return z.NEVER;
  });
}

/**
 * A Redis URL a connection can use (see `redisUrlProblem`). The message shows the URL with
 * its password hidden, never as given.
 */
export function redisUrl() {
  return z.string().superRefine((url, ctx) => {
    const problem = redisUrlProblem(url);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  });
}

/**
 * The flag an option key stands for, as messages name it: `--data-url (or HORUS_DATA_URL)`.
 * A sub-command's own options first, then those of the commands above it.
 */
export function flagOf(cmd: Command, key: string): string {
  let option: Option | undefined;
  for (let c: Command | null = cmd; c !== null && option === undefined; c = c.parent)
    option = c.options.find((o) => o.attributeName() === key);
  if (option === undefined) return key;
  const flag = option.long ?? option.short ?? key;
  return option.envVar === undefined ? flag : `${flag} (or ${option.envVar})`;
}

/**
 * The command's options (after `cmd.parse`; a sub-command's with those of the commands
 * above it) read through `schema`, or undefined with a line added to `problems` for each
 * bad option, naming its flag.
 */
export function optionsOf<T>(
  cmd: Command,
  schema: z.ZodType<T>,
  problems: string[],
): T | undefined {
  const parsed = schema.safeParse(cmd.optsWithGlobals());
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const key = issue.path[0];
    problems.push(
      typeof key === "string" ? `${flagOf(cmd, key)}: ${issue.message}` : issue.message,
    );
  }
  return undefined;
}

/** The command's options read through `schema`; a UsageError names each bad one. */
export function readOptions<T>(cmd: Command, schema: z.ZodType<T>): T {
  const problems: string[] = [];
  const options = optionsOf(cmd, schema, problems);
  if (options === undefined) throw new UsageError(problems.join("\n"));
  return options;
}

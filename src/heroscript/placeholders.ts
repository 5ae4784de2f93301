// Placeholders in parameter values: `@key`, `${key}` and `{key}` are replaced by the value
// of `key` from the session environment (`!!session.env_set`, the job's env vars) and the
// arguments of the `!!play.include` that brought the script in. An unknown key is left as
// written, so braces and '@' in ordinary text (JSON, e-mail addresses) survive.

const PLACEHOLDER =
  /\$\{([A-Za-z_][A-Za-z0-9_.]*)\}|\{([A-Za-z_][A-Za-z0-9_.]*)\}|@([A-Za-z_][A-Za-z0-9_]*)/g;

export type Lookup = (key: string) => string | undefined;

/**
 * The most characters filling placeholders may make of one value, or of one script at parse
 * time: a short script repeating `{x}` with a large `x` would otherwise build gigabytes in
 * the runner's own memory.
 */
export const MAX_EXPANDED_CHARS = 16 * 1024 * 1024;

function tooLarge(what: string): Error {
  return new Error(
    `filling placeholders would make ${what} longer than ${MAX_EXPANDED_CHARS} characters`,
  );
}

/** Replaces known placeholders in `text`. */
export function replacePlaceholders(text: string, lookup: Lookup): string {
  if (!/[@{]/.test(text)) return text;
  let length = text.length;
  return text.replace(PLACEHOLDER, (whole, braced?: string, curly?: string, at?: string) => {
    const key = (braced ?? curly ?? at) as string;
    const value = lookup(key);
    if (value === undefined) return whole;
    length += value.length - whole.length;
    if (length > MAX_EXPANDED_CHARS) throw tooLarge(`a value (at '${whole}')`);
    return value;
  });
}

/**
 * A lookup over several scopes, first match wins. Keys match exactly first, then without
 * regard to case (parameter keys are lowercase, environment names usually are not).
 */
export function scopedLookup(...scopes: ReadonlyMap<string, string>[]): Lookup {
  return (key) => {
    for (const scope of scopes) {
      const exact = scope.get(key);
      if (exact !== undefined) return exact;
    }
    const lower = key.toLowerCase();
    for (const scope of scopes) {
      for (const [k, v] of scope) if (k.toLowerCase() === lower) return v;
    }
    return undefined;
  };
}

/**
 * Upstream's replacement at parse time (`playbook.new(replace:)`, `!!play.include replace:`):
 * plain text substitution over the whole script, before it is read.
 */
export function replaceAtParse(text: string, replace: Readonly<Record<string, string>>): string {
  let out = text;
  const apply = (form: string, value: string): void => {
    if (form === "") return;
    // Count first, so an oversized result is refused before it is built.
    let count = 0;
    for (let at = out.indexOf(form); at !== -1; at = out.indexOf(form, at + form.length)) count++;
    if (out.length + count * (value.length - form.length) > MAX_EXPANDED_CHARS) {
      throw tooLarge(`the script (replacing '${form}')`);
    }
    // A function, so that '$&' in a value is not read as a replacement pattern.
    if (count > 0) out = out.replaceAll(form, () => value);
  };
  for (const [key, value] of Object.entries(replace)) {
    if (/^[@$[{]/.test(key)) apply(key, value);
    else for (const form of [`@${key}`, `\${${key}}`, `{${key}}`]) apply(form, value);
  }
  return out;
}

/** Upstream's `to_map` of a `replace:'k:v,k2:v2'` parameter. */
export function replaceMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const part of text.split(",")) {
    const at = part.indexOf(":");
    if (at <= 0) continue;
    map[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return map;
}

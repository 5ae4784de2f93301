// String functions beyond printing: length, case, searching, slicing, editing, padding,
// splitting. Positions and lengths count characters (Unicode code points), not bytes;
// negative positions count from the end. Functions that edit the string in place are
// registered with `mutatesFirst` and leave the new string in `args[0]`.

import { toDisplay } from "../format.js";
import type { FunctionLibrary, NativeCallContext, Package } from "../native.js";
import { Blob, Char, char, type Range, type Value } from "../value.js";
import {
  charCount,
  checkStringSize,
  chr,
  codePoints,
  isSimple,
  num,
  rangeStartLen,
  str,
  tooLarge,
  utf8Length,
} from "./util.js";

const decoder = new TextDecoder("utf-8");

export function blobToString(bytes: number[]): string {
  return decoder.decode(Uint8Array.from(bytes));
}

/** The characters of `s` (code points), cheap for strings without surrogates. */
function chars(s: string): string[] {
  return isSimple(s) ? s.split("") : codePoints(s);
}

/** Character index -> UTF-16 offset. */
function unitOffset(s: string, charIndex: number): number {
  if (isSimple(s)) return charIndex;
  let i = 0;
  let n = 0;
  for (const c of s) {
    if (n === charIndex) return i;
    i += c.length;
    n++;
  }
  return s.length;
}

/** UTF-16 offset -> character index. */
function charIndexOf(s: string, unit: number): number {
  if (isSimple(s)) return unit;
  return charCount(s.slice(0, unit));
}

export function subString(s: string, start: number, len: number): string {
  if (s.length === 0 || len <= 0) return "";
  // Strings without surrogate pairs index by UTF-16 unit directly: no character array.
  const simple = isSimple(s);
  const cs = simple ? undefined : chars(s);
  const n = cs === undefined ? s.length : cs.length;
  let offset: number;
  if (start < 0) offset = -start > n ? 0 : n + start;
  else if (start >= n) return "";
  else offset = start;
  const count = Math.min(len, n - offset);
  return cs === undefined
    ? s.slice(offset, offset + count)
    : cs.slice(offset, offset + count).join("");
}

function indexOf(s: string, find: string, start: number): number {
  if (s.length === 0) return -1;
  let from: number;
  if (start < 0) {
    const n = charCount(s);
    from = -start > n ? 0 : unitOffset(s, n + start);
  } else if (start === 0) {
    from = 0;
  } else {
    if (start >= charCount(s)) return -1;
    from = unitOffset(s, start);
  }
  const at = s.indexOf(find, from);
  return at < 0 ? -1 : charIndexOf(s, at);
}

/** Rust's `str::split` with a string pattern (an empty pattern splits around every char). */
function splitAll(s: string, delim: string): string[] {
  if (delim === "") return ["", ...chars(s), ""];
  return s.split(delim);
}

/** Rust's `splitn`: at most `n` pieces, the last one holding the rest. */
function splitN(s: string, delim: string, n: number): string[] {
  const parts = splitAll(s, delim);
  if (parts.length <= n) return parts;
  const head = parts.slice(0, n - 1);
  head.push(parts.slice(n - 1).join(delim));
  return head;
}

/** Rust's `rsplitn`: at most `n` pieces from the right, the last one holding the rest. */
function rsplitN(s: string, delim: string, n: number): string[] {
  const parts = splitAll(s, delim).reverse();
  if (parts.length <= n) return parts;
  const head = parts.slice(0, n - 1);
  head.push(
    parts
      .slice(n - 1)
      .reverse()
      .join(delim),
  );
  return head;
}

function splitAt(s: string, index: number): string[] {
  const cs = chars(s);
  let cut: number;
  if (index <= 0) cut = -index > cs.length ? 0 : cs.length + index;
  else cut = Math.min(index, cs.length);
  return [cs.slice(0, cut).join(""), cs.slice(cut).join("")];
}

function cropped(s: string, start: number, len: number): string {
  if (s.length === 0) return s;
  if (len <= 0) return "";
  return subString(s, start, len);
}

function pad(ctx: NativeCallContext, s: string, len: number, padding: string): string {
  if (len <= 0) return s;
  const max = ctx.limits.maxStringSize;
  if (max > 0 && len > max) throw tooLarge("Length of string");
  let n = charCount(s);
  if (len <= n) return s;
  const padChars = chars(padding);
  if (padChars.length === 0) return s;
  // Whole copies in one `repeat`, then the part of one more copy that still fits.
  const whole = Math.floor((len - n) / padChars.length);
  let out = s + padding.repeat(whole);
  n += whole * padChars.length;
  if (n < len) out += padChars.slice(0, len - n).join("");
  checkStringSize(ctx, out);
  return out;
}

function isAllUpper(s: string): boolean {
  return s === s.toUpperCase() && s !== s.toLowerCase();
}

/** Rust's `char::to_uppercase` kept only when it yields a single character. */
function charCase(c: string, upper: boolean): string {
  const r = upper ? c.toUpperCase() : c.toLowerCase();
  return codePoints(r).length === 1 ? r : c;
}

function registerConcat(lib: FunctionLibrary): void {
  lib.fn("+", ["string", "string"], (_ctx, [a, b]) => (a as string) + (b as string), {
    pure: true,
    doc: 'Joins two strings; `"foo" + "bar"`.',
  });
  lib.fn("+", ["string", "char"], (_ctx, [a, b]) => (a as string) + (b as Char).value, {
    pure: true,
    doc: "Appends a character to a string.",
  });
  lib.fn("+", ["char", "string"], (_ctx, [a, b]) => (a as Char).value + (b as string), {
    pure: true,
    doc: "Prepends a character to a string.",
  });
  lib.fn("+", ["string", "()"], (_ctx, [a]) => a, {
    pure: true,
    doc: "A string plus `()` is the string.",
  });
  lib.fn("+", ["()", "string"], (_ctx, [, b]) => b, {
    pure: true,
    doc: "`()` plus a string is the string.",
  });
  lib.fn(
    "+",
    ["string", "blob"],
    (_ctx, [a, b]) => (a as string) + blobToString((b as Blob).bytes),
    {
      pure: true,
      doc: "Appends a BLOB decoded as UTF-8 (invalid bytes become U+FFFD).",
    },
  );
  lib.fn(
    "+",
    ["blob", "string"],
    (_ctx, [a, b]) => blobToString((a as Blob).bytes) + (b as string),
    {
      pure: true,
      doc: "A BLOB decoded as UTF-8, followed by the string.",
    },
  );
  lib.fn(
    "+",
    ["string", "any"],
    (ctx, [a, b]) => {
      const out = (a as string) + toDisplay(b);
      checkStringSize(ctx, out);
      return out;
    },
    { pure: true, doc: 'Appends any value as text; `"n = " + 42`.' },
  );
  lib.fn(
    "+",
    ["any", "string"],
    (ctx, [a, b]) => {
      const out = toDisplay(a) + (b as string);
      checkStringSize(ctx, out);
      return out;
    },
    { pure: true, doc: 'Prepends any value as text; `42 + " is the answer"`.' },
  );
  const append = (ctx: NativeCallContext, args: Value[]) => {
    const item = args[1];
    const text = item instanceof Blob ? blobToString(item.bytes) : toDisplay(item);
    const out = (args[0] as string) + text;
    checkStringSize(ctx, out);
    args[0] = out;
    return undefined;
  };
  for (const name of ["+=", "append"]) {
    lib.fn(name, ["string", "any"], append, {
      mutatesFirst: true,
      doc: "Appends a value as text to the string; `s.append(42)`.",
    });
  }
  const minus = (_ctx: NativeCallContext, [a, b]: Value[]) => {
    const what = b instanceof Char ? b.value : (b as string);
    return what === "" ? a : (a as string).split(what).join("");
  };
  lib.fn("-", ["string", "string"], minus, {
    pure: true,
    doc: "The string without any occurrence of the other.",
  });
  lib.fn("-", ["string", "char"], minus, {
    pure: true,
    doc: "The string without any occurrence of the character.",
  });
  for (const t of ["string", "char"]) {
    lib.fn(
      "-=",
      ["string", t],
      (ctx, args) => {
        args[0] = minus(ctx, args);
        return undefined;
      },
      { mutatesFirst: true, doc: "Removes every occurrence from the string." },
    );
  }
}

export const moreStringPackage: Package = (lib) => {
  const pure = { pure: true };
  const edit = { mutatesFirst: true };
  registerConcat(lib);

  lib.fn("to_blob", ["string"], (_ctx, [s]) => new Blob(Array.from(Buffer.from(str(s), "utf8"))), {
    ...pure,
    doc: 'The UTF-8 bytes of the string as a BLOB; `"abc".to_blob()`.',
  });
  const props: [string, (s: string) => Value, string][] = [
    ["len", (s) => charCount(s), 'Number of characters; `"héllo".len` is 5.'],
    ["is_empty", (s) => s.length === 0, "True if the string is empty."],
    ["bytes", (s) => utf8Length(s), 'Number of UTF-8 bytes; `"héllo".bytes` is 6.'],
  ];
  for (const [name, get, doc] of props) {
    const fn = (_ctx: NativeCallContext, [s]: Value[]) => get(s as string);
    lib.fn(name, ["string"], fn, { ...pure, doc });
    lib.fn(`get$${name}`, ["string"], fn, { ...pure, doc });
  }

  lib.fn(
    "remove",
    ["string", "string"],
    (_ctx, args) => {
      const sub = args[1] as string;
      if (sub !== "") args[0] = (args[0] as string).split(sub).join("");
      return undefined;
    },
    { ...edit, doc: 'Removes every occurrence of a sub-string; `s.remove("hello")`.' },
  );
  lib.fn(
    "remove",
    ["string", "char"],
    (_ctx, args) => {
      args[0] = (args[0] as string).split((args[1] as Char).value).join("");
      return undefined;
    },
    { ...edit, doc: "Removes every occurrence of a character; `s.remove('o')`." },
  );
  lib.fn(
    "clear",
    ["string"],
    (_ctx, args) => {
      args[0] = "";
      return undefined;
    },
    { ...edit, doc: "Makes the string empty." },
  );
  lib.fn(
    "truncate",
    ["string", "i64"],
    (_ctx, args) => {
      const len = num(args[1]);
      const s = args[0] as string;
      args[0] = len <= 0 ? "" : s.slice(0, unitOffset(s, len));
      return undefined;
    },
    { ...edit, doc: "Cuts the string to at most `len` characters; `s.truncate(5)`." },
  );
  lib.fn(
    "trim",
    ["string"],
    (_ctx, args) => {
      args[0] = (args[0] as string).trim();
      return undefined;
    },
    { ...edit, doc: "Removes whitespace from both ends of the string." },
  );
  lib.fn(
    "pop",
    ["string"],
    (_ctx, args) => {
      const s = args[0] as string;
      if (s.length === 0) return undefined;
      const cs = chars(s);
      const last = cs.pop() as string;
      args[0] = cs.join("");
      return char(last);
    },
    { ...edit, doc: "Removes the last character and returns it (`()` if empty)." },
  );
  lib.fn(
    "pop",
    ["string", "i64"],
    (_ctx, args) => {
      const s = args[0] as string;
      const len = num(args[1]);
      if (s.length === 0 || len <= 0) return "";
      const cs = chars(s);
      if (len >= cs.length) {
        args[0] = "";
        return s;
      }
      args[0] = cs.slice(0, cs.length - len).join("");
      return cs.slice(cs.length - len).join("");
    },
    { ...edit, doc: "Removes the last `len` characters and returns them; `s.pop(4)`." },
  );

  // Case.
  lib.fn("to_upper", ["string"], (_ctx, [s]) => (s as string).toUpperCase(), {
    ...pure,
    doc: 'An upper-case copy; `"abc".to_upper()` is "ABC".',
  });
  lib.fn("to_lower", ["string"], (_ctx, [s]) => (s as string).toLowerCase(), {
    ...pure,
    doc: 'A lower-case copy; `"ABC".to_lower()` is "abc".',
  });
  lib.fn(
    "make_upper",
    ["string"],
    (_ctx, args) => {
      const s = args[0] as string;
      if (!isAllUpper(s)) args[0] = s.toUpperCase();
      return undefined;
    },
    { ...edit, doc: "Turns the string into upper case in place." },
  );
  lib.fn(
    "make_lower",
    ["string"],
    (_ctx, args) => {
      args[0] = (args[0] as string).toLowerCase();
      return undefined;
    },
    { ...edit, doc: "Turns the string into lower case in place." },
  );
  lib.fn("to_upper", ["char"], (_ctx, [c]) => char(charCase((c as Char).value, true)), {
    ...pure,
    doc: "The upper-case character; `'a'.to_upper()` is 'A'.",
  });
  lib.fn("to_lower", ["char"], (_ctx, [c]) => char(charCase((c as Char).value, false)), {
    ...pure,
    doc: "The lower-case character; `'A'.to_lower()` is 'a'.",
  });
  lib.fn(
    "make_upper",
    ["char"],
    (_ctx, args) => {
      args[0] = char(charCase((args[0] as Char).value, true));
      return undefined;
    },
    { ...edit, doc: "Turns the character into upper case in place." },
  );
  lib.fn(
    "make_lower",
    ["char"],
    (_ctx, args) => {
      args[0] = char(charCase((args[0] as Char).value, false));
      return undefined;
    },
    { ...edit, doc: "Turns the character into lower case in place." },
  );

  // Searching.
  for (const t of ["string", "char"]) {
    const text = (v: Value) => (t === "char" ? chr(v) : (v as string));
    lib.fn("contains", ["string", t], (_ctx, [s, x]) => (s as string).includes(text(x)), {
      ...pure,
      doc: `True if the string contains the ${t}; also drives \`in\`.`,
    });
    lib.fn("starts_with", ["string", t], (_ctx, [s, x]) => (s as string).startsWith(text(x)), {
      ...pure,
      doc: `True if the string starts with the ${t}.`,
    });
    lib.fn("ends_with", ["string", t], (_ctx, [s, x]) => (s as string).endsWith(text(x)), {
      ...pure,
      doc: `True if the string ends with the ${t}.`,
    });
    lib.fn("index_of", ["string", t], (_ctx, [s, x]) => indexOf(s as string, text(x), 0), {
      ...pure,
      doc: `Character position of the first occurrence of the ${t}, or -1.`,
    });
    lib.fn(
      "index_of",
      ["string", t, "i64"],
      (_ctx, [s, x, start]) => indexOf(s as string, text(x), num(start)),
      {
        ...pure,
        doc: `Position of the ${t} searching from \`start\` (negative counts from the end), or -1.`,
      },
    );
  }

  // Characters by position.
  lib.fn(
    "get",
    ["string", "i64"],
    (_ctx, [s, i]) => {
      const text = s as string;
      const cs: ArrayLike<string> = isSimple(text) ? text : chars(text);
      const index = num(i);
      const at = index >= 0 ? index : cs.length + index;
      const c = at >= 0 ? cs[at] : undefined;
      return c === undefined ? undefined : char(c);
    },
    { ...pure, doc: "The character at a position (negative from the end), or `()`." },
  );
  lib.fn(
    "set",
    ["string", "i64", "char"],
    (_ctx, args) => {
      const cs = chars(args[0] as string);
      const index = num(args[1]);
      const at = index >= 0 ? index : cs.length + index;
      if (at >= 0 && at < cs.length) {
        cs[at] = (args[2] as Char).value;
        args[0] = cs.join("");
      }
      return undefined;
    },
    { ...edit, doc: "Replaces the character at a position; out of bounds does nothing." },
  );

  // Slicing.
  lib.fn(
    "sub_string",
    ["string", "i64", "i64"],
    (_ctx, [s, start, len]) => subString(s as string, num(start), num(len)),
    {
      ...pure,
      doc: '`len` characters from `start`; `"hello".sub_string(1, 3)` is "ell".',
    },
  );
  lib.fn(
    "sub_string",
    ["string", "i64"],
    (_ctx, [s, start]) => subString(s as string, num(start), Number.MAX_SAFE_INTEGER),
    { ...pure, doc: "The characters from `start` to the end." },
  );
  lib.fn(
    "crop",
    ["string", "i64", "i64"],
    (_ctx, args) => {
      args[0] = cropped(args[0] as string, num(args[1]), num(args[2]));
      return undefined;
    },
    { ...edit, doc: "Keeps only `len` characters from `start`; `s.crop(2, 8)`." },
  );
  lib.fn(
    "crop",
    ["string", "i64"],
    (_ctx, args) => {
      args[0] = cropped(args[0] as string, num(args[1]), Number.MAX_SAFE_INTEGER);
      return undefined;
    },
    { ...edit, doc: "Keeps only the characters from `start`; `s.crop(5)`." },
  );
  for (const rt of ["range", "range="]) {
    lib.fn(
      "sub_string",
      ["string", rt],
      (_ctx, [s, r]) => {
        const [start, len] = rangeStartLen(r as Range);
        return subString(s as string, start, len);
      },
      { ...pure, doc: 'A range of characters; `"hello".sub_string(1..3)` is "el".' },
    );
    lib.fn(
      "crop",
      ["string", rt],
      (_ctx, args) => {
        const [start, len] = rangeStartLen(args[1] as Range);
        args[0] = cropped(args[0] as string, start, len);
        return undefined;
      },
      { ...edit, doc: "Keeps only a range of characters; `s.crop(2..8)`." },
    );
  }

  // Replacing.
  for (const ft of ["string", "char"]) {
    for (const st of ["string", "char"]) {
      lib.fn(
        "replace",
        ["string", ft, st],
        (_ctx, args) => {
          const find = ft === "char" ? chr(args[1]) : (args[1] as string);
          const by = st === "char" ? chr(args[2]) : (args[2] as string);
          const s = args[0] as string;
          if (s.length > 0)
            args[0] = find === "" ? splitAll(s, "").join(by) : s.split(find).join(by);
          return undefined;
        },
        {
          ...edit,
          doc: `Replaces every occurrence of a ${ft} with a ${st}; \`s.replace("a", "b")\`.`,
        },
      );
    }
  }

  // Padding.
  lib.fn(
    "pad",
    ["string", "i64", "char"],
    (ctx, args) => {
      args[0] = pad(ctx, args[0] as string, num(args[1]), (args[2] as Char).value);
      return undefined;
    },
    {
      ...edit,
      doc: "Pads the string with a character to at least `len` characters; `s.pad(8, '!')`.",
    },
  );
  lib.fn(
    "pad",
    ["string", "i64", "string"],
    (ctx, args) => {
      args[0] = pad(ctx, args[0] as string, num(args[1]), args[2] as string);
      return undefined;
    },
    {
      ...edit,
      doc: 'Pads the string with copies of another to at least `len` characters; `s.pad(10, "(!)")`.',
    },
  );

  // Splitting.
  lib.fn("split", ["string", "i64"], (_ctx, [s, i]) => splitAt(s as string, num(i)), {
    ...pure,
    doc: "Cuts the string in two at a character position; returns both parts.",
  });
  lib.fn("to_chars", ["string"], (_ctx, [s]) => chars(s as string).map((c) => char(c)), {
    ...pure,
    doc: "An array of the string's characters.",
  });
  lib.fn(
    "split",
    ["string"],
    (_ctx, [s]) => {
      const text = s as string;
      if (text.length === 0) return [text];
      return text.split(/\s+/u).filter((p) => p.length > 0);
    },
    { ...pure, doc: 'Splits the string at whitespace; `"a b  c".split()` has 3 parts.' },
  );
  for (const t of ["string", "char"]) {
    const delim = (v: Value) => (t === "char" ? chr(v) : (v as string));
    const whole = (s: string, d: string) => s.length === 0 || (d !== "" && !s.includes(d));
    lib.fn(
      "split",
      ["string", t],
      (_ctx, [s, d]) => {
        const text = s as string;
        const by = delim(d);
        return whole(text, by) ? [text] : splitAll(text, by);
      },
      { ...pure, doc: `Splits the string at every ${t} delimiter; \`"a,b".split(",")\`.` },
    );
    lib.fn(
      "split",
      ["string", t, "i64"],
      (_ctx, [s, d, n]) => {
        const text = s as string;
        const by = delim(d);
        const segments = num(n);
        return segments <= 1 || whole(text, by) ? [text] : splitN(text, by, segments);
      },
      { ...pure, doc: `Splits at a ${t} delimiter into at most \`segments\` parts.` },
    );
    lib.fn(
      "split_rev",
      ["string", t],
      (_ctx, [s, d]) => {
        const text = s as string;
        const by = delim(d);
        return whole(text, by) ? [text] : splitAll(text, by).reverse();
      },
      { ...pure, doc: `Splits at every ${t} delimiter, parts in reverse order.` },
    );
    lib.fn(
      "split_rev",
      ["string", t, "i64"],
      (_ctx, [s, d, n]) => {
        const text = s as string;
        const by = delim(d);
        const segments = num(n);
        return segments <= 1 || whole(text, by) ? [text] : rsplitN(text, by, segments);
      },
      { ...pure, doc: `Splits from the end at a ${t} delimiter into at most \`segments\` parts.` },
    );
  }
};

// BLOB (byte buffer) functions: creation, byte access, editing, slicing, conversion to and
// from text, and reading/writing integers and floats in little- or big-endian order.
// Bytes are integers 0..=255; values written as bytes keep their low 8 bits.

import { toBig } from "../int.js";
import type { FunctionLibrary, NativeCallContext, Package } from "../native.js";
import { Blob, type Char, Float, type Int, type Range, type Value } from "../value.js";
import { blobToString } from "./string-more.js";
import {
  checkArraySize,
  checkedIndex,
  num,
  offsetLen,
  rangeStartLen,
  valuesEqual,
} from "./util.js";

type Bytes = number[];

function byte(v: Value): number {
  return Number(BigInt.asUintN(8, toBig(v as Int)));
}

function utf8(s: string): Bytes {
  return Array.from(Buffer.from(s, "utf8"));
}

/** The (start, length) a positional or range argument designates. */
type Span = [number, number];

function readInt(bytes: Bytes, [start, len]: Span, little: boolean): Int {
  if (bytes.length === 0 || len <= 0) return 0;
  const [from, count] = offsetLen(bytes.length, start, len);
  if (count === 0) return 0;
  const n = Math.min(count, 8);
  const buf = Buffer.alloc(8);
  for (let i = 0; i < n; i++) buf[i] = bytes[from + i] as number;
  const big = little ? buf.readBigInt64LE(0) : buf.readBigInt64BE(0);
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

function readFloat(bytes: Bytes, [start, len]: Span, little: boolean): Float {
  if (bytes.length === 0 || len <= 0) return new Float(0);
  const [from, count] = offsetLen(bytes.length, start, len);
  if (count === 0) return new Float(0);
  const n = Math.min(count, 8);
  const buf = Buffer.alloc(8);
  for (let i = 0; i < n; i++) buf[i] = bytes[from + i] as number;
  return new Float(little ? buf.readDoubleLE(0) : buf.readDoubleBE(0));
}

function writeBytes(bytes: Bytes, [start, len]: Span, source: Bytes): void {
  if (bytes.length === 0 || len <= 0) return;
  const [from, count] = offsetLen(bytes.length, start, len);
  const n = Math.min(count, source.length);
  for (let i = 0; i < n; i++) bytes[from + i] = source[i] as number;
}

function numberBytes(v: Value, little: boolean): Bytes {
  const buf = Buffer.alloc(8);
  if (v instanceof Float) {
    if (little) buf.writeDoubleLE(v.value);
    else buf.writeDoubleBE(v.value);
  } else {
    const big = BigInt.asIntN(64, toBig(v as Int));
    if (little) buf.writeBigInt64LE(big);
    else buf.writeBigInt64BE(big);
  }
  return Array.from(buf);
}

function extract(bytes: Bytes, [start, len]: Span): Bytes {
  if (bytes.length === 0 || len <= 0) return [];
  const [from, count] = offsetLen(bytes.length, start, len);
  return bytes.slice(from, from + count);
}

function drain(bytes: Bytes, [start, len]: Span): Bytes {
  if (bytes.length === 0 || len <= 0) return [];
  const [from, count] = offsetLen(bytes.length, start, len);
  return bytes.splice(from, count);
}

function retain(bytes: Bytes, [start, len]: Span): Bytes {
  if (bytes.length === 0 || len <= 0) return [];
  const [from, count] = offsetLen(bytes.length, start, len);
  if (count === 0) return [];
  const tail = bytes.splice(from + count);
  return bytes.splice(0, from).concat(tail);
}

function splice(bytes: Bytes, [start, len]: Span, replace: Bytes): void {
  const [from, count] = bytes.length === 0 ? [0, 0] : offsetLen(bytes.length, start, len);
  // Byte by byte: spreading a large blob into push() or splice() overflows the JS stack.
  const tail = bytes.splice(from);
  for (const x of replace) bytes.push(x);
  for (let i = count; i < tail.length; i++) bytes.push(tail[i] as number);
}

const B = (v: Value) => (v as Blob).bytes;

/** Registers a function in its `(start, len)` form and both range forms. */
function spanned(
  lib: FunctionLibrary,
  name: string,
  rest: string[],
  fn: (ctx: NativeCallContext, blob: Blob, span: Span, rest: Value[]) => Value,
  options: { mutatesFirst?: boolean; pure?: boolean; doc: string },
): void {
  lib.fn(
    name,
    ["blob", "i64", "i64", ...rest],
    (ctx, a) => fn(ctx, a[0] as Blob, [num(a[1]), num(a[2])], a.slice(3)),
    options,
  );
  for (const rt of ["range", "range="]) {
    lib.fn(
      name,
      ["blob", rt, ...rest],
      (ctx, a) => fn(ctx, a[0] as Blob, rangeStartLen(a[1] as Range), a.slice(2)),
      options,
    );
  }
}

function registerBasics(lib: FunctionLibrary): void {
  const pure = { pure: true };
  const edit = { mutatesFirst: true };
  lib.fn("blob", [], () => new Blob(), { ...pure, doc: "A new empty BLOB." });
  const make = (ctx: NativeCallContext, len: number, value: number) => {
    const n = Math.max(len, 0);
    checkArraySize(ctx, n);
    return new Blob(new Array<number>(n).fill(value));
  };
  lib.fn("blob", ["i64"], (ctx, [l]) => make(ctx, num(l), 0), {
    ...pure,
    doc: "A new BLOB of `len` zero bytes.",
  });
  lib.fn("blob", ["i64", "i64"], (ctx, [l, v]) => make(ctx, num(l), byte(v)), {
    ...pure,
    doc: "A new BLOB of `len` copies of a byte; `blob(16, 0)`.",
  });
  for (const name of ["len", "get$len"]) {
    lib.fn(name, ["blob"], (_ctx, [b]) => B(b).length, { ...pure, doc: "Number of bytes." });
  }
  for (const name of ["is_empty", "get$is_empty"]) {
    lib.fn(name, ["blob"], (_ctx, [b]) => B(b).length === 0, {
      ...pure,
      doc: "True if the BLOB is empty.",
    });
  }
  lib.fn(
    "get",
    ["blob", "i64"],
    (_ctx, [b, i]) => {
      const bytes = B(b);
      const at = checkedIndex(bytes.length, num(i));
      return at === null ? 0 : (bytes[at] as number);
    },
    { ...pure, doc: "The byte at a position (negative from the end), or 0 out of bounds." },
  );
  lib.fn(
    "set",
    ["blob", "i64", "i64"],
    (_ctx, [b, i, v]) => {
      const bytes = B(b);
      const at = checkedIndex(bytes.length, num(i));
      if (at !== null) bytes[at] = byte(v);
      return undefined;
    },
    { ...edit, doc: "Sets the byte at a position; out of bounds does nothing." },
  );
  const appendOne = (ctx: NativeCallContext, bytes: Bytes, more: Bytes) => {
    checkArraySize(ctx, bytes.length + more.length);
    for (const x of more) bytes.push(x);
    return undefined;
  };
  lib.fn("push", ["blob", "i64"], (ctx, [b, v]) => appendOne(ctx, B(b), [byte(v)]), {
    ...edit,
    doc: "Adds a byte at the end.",
  });
  for (const name of ["append", "+="]) {
    lib.fn(name, ["blob", "i64"], (ctx, [b, v]) => appendOne(ctx, B(b), [byte(v)]), {
      ...edit,
      doc: "Adds a byte at the end.",
    });
    lib.fn(name, ["blob", "blob"], (ctx, [b, o]) => appendOne(ctx, B(b), B(o).slice()), {
      ...edit,
      doc: "Adds the bytes of another BLOB at the end.",
    });
    lib.fn(name, ["blob", "string"], (ctx, [b, s]) => appendOne(ctx, B(b), utf8(s as string)), {
      ...edit,
      doc: "Adds the UTF-8 bytes of a string at the end.",
    });
    lib.fn(name, ["blob", "char"], (ctx, [b, c]) => appendOne(ctx, B(b), utf8((c as Char).value)), {
      ...edit,
      doc: "Adds the UTF-8 bytes of a character at the end.",
    });
  }
  lib.fn(
    "+",
    ["blob", "blob"],
    (ctx, [a, b]) => {
      const out = B(a).concat(B(b));
      checkArraySize(ctx, out.length);
      return new Blob(out);
    },
    { ...pure, doc: "A new BLOB with the bytes of both." },
  );
  lib.fn(
    "insert",
    ["blob", "i64", "i64"],
    (ctx, [b, i, v]) => {
      const bytes = B(b);
      checkArraySize(ctx, bytes.length + 1);
      if (bytes.length === 0) {
        bytes.push(byte(v));
        return undefined;
      }
      const [at] = offsetLen(bytes.length, num(i), 0);
      if (at >= bytes.length) bytes.push(byte(v));
      else bytes.splice(at, 0, byte(v));
      return undefined;
    },
    { ...edit, doc: "Inserts a byte at a position (negative from the end)." },
  );
  lib.fn(
    "pad",
    ["blob", "i64", "i64"],
    (ctx, [b, l, v]) => {
      const bytes = B(b);
      const len = num(l);
      if (len <= bytes.length) return undefined;
      checkArraySize(ctx, len);
      while (bytes.length < len) bytes.push(byte(v));
      return undefined;
    },
    { ...edit, doc: "Pads the BLOB with a byte to at least `len` bytes." },
  );
  lib.fn("pop", ["blob"], (_ctx, [b]) => B(b).pop() ?? 0, {
    ...edit,
    doc: "Removes and returns the last byte (0 if empty).",
  });
  lib.fn("shift", ["blob"], (_ctx, [b]) => B(b).shift() ?? 0, {
    ...edit,
    doc: "Removes and returns the first byte (0 if empty).",
  });
  lib.fn(
    "remove",
    ["blob", "i64"],
    (_ctx, [b, i]) => {
      const bytes = B(b);
      const at = checkedIndex(bytes.length, num(i));
      return at === null ? 0 : (bytes.splice(at, 1)[0] as number);
    },
    { ...edit, doc: "Removes and returns the byte at a position (0 out of bounds)." },
  );
  lib.fn(
    "clear",
    ["blob"],
    (_ctx, [b]) => {
      B(b).length = 0;
      return undefined;
    },
    { ...edit, doc: "Removes every byte." },
  );
  lib.fn(
    "truncate",
    ["blob", "i64"],
    (_ctx, [b, l]) => {
      const bytes = B(b);
      const len = num(l);
      if (len <= 0) bytes.length = 0;
      else if (len < bytes.length) bytes.length = len;
      return undefined;
    },
    { ...edit, doc: "Keeps only the first `len` bytes." },
  );
  lib.fn(
    "chop",
    ["blob", "i64"],
    (_ctx, [b, l]) => {
      const bytes = B(b);
      const len = num(l);
      if (len <= 0) bytes.length = 0;
      else if (len < bytes.length) bytes.splice(0, bytes.length - len);
      return undefined;
    },
    { ...edit, doc: "Keeps only the last `len` bytes." },
  );
  lib.fn(
    "reverse",
    ["blob"],
    (_ctx, [b]) => {
      B(b).reverse();
      return undefined;
    },
    { ...edit, doc: "Reverses the order of the bytes." },
  );
  lib.fn(
    "contains",
    ["blob", "i64"],
    (_ctx, [b, v]) => {
      const x = v as Int;
      return typeof x === "number" && B(b).includes(x);
    },
    { ...pure, doc: "True if the BLOB holds the byte; also drives `in`." },
  );
  lib.fn(
    "split",
    ["blob", "i64"],
    (_ctx, [b, i]) => {
      const bytes = B(b);
      if (bytes.length === 0) return new Blob();
      const [from] = offsetLen(bytes.length, num(i), Number.MAX_SAFE_INTEGER);
      return new Blob(from >= bytes.length ? [] : bytes.splice(from));
    },
    { ...edit, doc: "Cuts the BLOB at a position and returns the tail." },
  );
  lib.fn(
    "extract",
    ["blob", "i64"],
    (_ctx, [b, s]) => new Blob(extract(B(b), [num(s), Number.MAX_SAFE_INTEGER])),
    {
      ...pure,
      doc: "A copy of the bytes from `start` to the end.",
    },
  );
  spanned(lib, "extract", [], (_ctx, b, span) => new Blob(extract(b.bytes, span)), {
    ...pure,
    doc: "A copy of a portion of the BLOB; `b.extract(1, 3)` or `b.extract(1..4)`.",
  });
  spanned(lib, "drain", [], (_ctx, b, span) => new Blob(drain(b.bytes, span)), {
    ...edit,
    doc: "Removes a portion of the BLOB and returns it.",
  });
  spanned(lib, "retain", [], (_ctx, b, span) => new Blob(retain(b.bytes, span)), {
    ...edit,
    doc: "Keeps only a portion of the BLOB; returns the removed bytes.",
  });
  spanned(
    lib,
    "splice",
    ["blob"],
    (_ctx, b, span, [r]) => {
      splice(b.bytes, span, B(r).slice());
      return undefined;
    },
    { ...edit, doc: "Replaces a portion of the BLOB with another BLOB's bytes." },
  );
  lib.fn("to_array", ["blob"], (_ctx, [b]) => B(b).slice(), {
    ...pure,
    doc: "The bytes as an array of integers.",
  });
  lib.fn("as_string", ["blob"], (_ctx, [b]) => blobToString(B(b)), {
    ...pure,
    doc: "The bytes decoded as UTF-8 (invalid sequences become U+FFFD).",
  });
  lib.fn("==", ["blob", "blob"], (ctx, [a, b]) => valuesEqual(ctx, B(a), B(b)), {
    ...pure,
    doc: "True if both BLOBs hold the same bytes.",
  });
  lib.fn("!=", ["blob", "blob"], (ctx, [a, b]) => !valuesEqual(ctx, B(a), B(b)), {
    ...pure,
    doc: "True if the BLOBs differ.",
  });
}

function registerBinary(lib: FunctionLibrary): void {
  const pure = { pure: true };
  const edit = { mutatesFirst: true };
  for (const [suffix, little] of [
    ["le", true],
    ["be", false],
  ] as const) {
    const order = little ? "little-endian" : "big-endian";
    spanned(lib, `parse_${suffix}_int`, [], (_ctx, b, span) => readInt(b.bytes, span, little), {
      ...pure,
      doc: `Reads up to 8 bytes as a ${order} integer; \`b.parse_${suffix}_int(0, 8)\`.`,
    });
    spanned(lib, `parse_${suffix}_float`, [], (_ctx, b, span) => readFloat(b.bytes, span, little), {
      ...pure,
      doc: `Reads up to 8 bytes as a ${order} float.`,
    });
    for (const t of ["i64", "f64"]) {
      spanned(
        lib,
        `write_${suffix}`,
        [t],
        (_ctx, b, span, [v]) => {
          writeBytes(b.bytes, span, numberBytes(v, little));
          return undefined;
        },
        {
          ...edit,
          doc: `Writes a number in ${order} order over a portion of the BLOB (at most 8 bytes).`,
        },
      );
    }
  }
  spanned(
    lib,
    "write_utf8",
    ["string"],
    (_ctx, b, span, [s]) => {
      writeBytes(b.bytes, span, utf8(s as string));
      return undefined;
    },
    { ...edit, doc: "Writes a string's UTF-8 bytes over a portion of the BLOB (cut to fit)." },
  );
  spanned(
    lib,
    "write_ascii",
    ["string"],
    (_ctx, b, span, [s]) => {
      const ascii = Array.from(s as string)
        .filter((c) => c.charCodeAt(0) < 128)
        .map((c) => c.charCodeAt(0));
      writeBytes(b.bytes, span, ascii);
      return undefined;
    },
    {
      ...edit,
      doc: "Writes a string's ASCII characters over a portion of the BLOB (others are skipped).",
    },
  );
}

export const blobPackage: Package = (lib) => {
  registerBasics(lib);
  registerBinary(lib);
};

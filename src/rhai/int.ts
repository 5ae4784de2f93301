// Exact i64 arithmetic over the `Int` representation (number while safe, bigint beyond).
// Every function returns a normalised Int, or `null` when the reference would report an
// arithmetic error (overflow, division by zero): callers turn `null` into ErrorArithmetic
// with the message they know best.

import type { Int } from "./value.js";

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

/** A bigint result back into the Int representation, or null when it leaves i64. */
export function fromBig(b: bigint): Int | null {
  if (b < I64_MIN || b > I64_MAX) return null;
  if (b >= -9007199254740991n && b <= 9007199254740991n) return Number(b);
  return b;
}

/** A bigint known to be in i64 range, normalised. */
export function normalise(b: bigint): Int {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** Wraps any bigint into i64 two's complement (for bit operations that wrap by design). */
export function wrapI64(b: bigint): Int {
  return normalise(BigInt.asIntN(64, b));
}

export function toBig(a: Int): bigint {
  return typeof a === "bigint" ? a : BigInt(a);
}

export function add(a: Int, b: Int): Int | null {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return fromBig(toBig(a) + toBig(b));
}

export function sub(a: Int, b: Int): Int | null {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return fromBig(toBig(a) - toBig(b));
}

export function mul(a: Int, b: Int): Int | null {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r; // no -0 for integers
  }
  return fromBig(toBig(a) * toBig(b));
}

/** Integer division truncating toward zero, as Rust's `/`. */
export function div(a: Int, b: Int): Int | null {
  if (b === 0 || b === 0n) return null;
  if (typeof a === "number" && typeof b === "number") {
    const r = Math.trunc(a / b);
    // a / b of two safe integers is exact enough to truncate correctly except near 2^53;
    // both operands are safe, so the quotient's magnitude is at most |a|.
    return r === 0 ? 0 : r;
  }
  return fromBig(toBig(a) / toBig(b));
}

/** Remainder with the sign of the dividend, as Rust's `%`. */
export function rem(a: Int, b: Int): Int | null {
  if (b === 0 || b === 0n) return null;
  if (typeof a === "number" && typeof b === "number") {
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  return fromBig(toBig(a) % toBig(b));
}

/** `a ** b`; a negative exponent is an error (null), as in the reference. */
export function pow(a: Int, b: Int): Int | null {
  // The reference takes the exponent as a u32: a larger one overflows whatever the base.
  if (b < 0 || b > 4294967295) return null;
  if (typeof a === "number" && typeof b === "number") {
    const r = a ** b;
    if (Number.isSafeInteger(r)) return r;
  }
  const exp = toBig(b);
  if (exp > 64n) {
    // Only 0, 1 and -1 survive large exponents.
    const base = toBig(a);
    if (base === 0n || base === 1n) return normalise(base);
    if (base === -1n) return exp % 2n === 0n ? 1 : -1;
    return null;
  }
  return fromBig(toBig(a) ** exp);
}

export function neg(a: Int): Int | null {
  if (typeof a === "number") return a === 0 ? 0 : -a;
  return fromBig(-a);
}

export function compare(a: Int, b: Int): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  const x = toBig(a);
  const y = toBig(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Parses a decimal (or radix) integer literal into an Int, null when out of i64 range. */
export function parseIntLiteral(digits: string, radix: 10 | 16 | 8 | 2): Int | null {
  const prefix = radix === 16 ? "0x" : radix === 8 ? "0o" : radix === 2 ? "0b" : "";
  let big: bigint;
  try {
    big = BigInt(prefix + digits);
  } catch {
    return null;
  }
  // Non-decimal literals are bit patterns: 0xffffffffffffffff is -1 in the reference.
  if (radix !== 10) {
    if (big > 0xffffffffffffffffn) return null;
    return normalise(BigInt.asIntN(64, big));
  }
  return fromBig(big);
}

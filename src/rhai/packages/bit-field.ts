// Bit fields of integers: reading and writing single bits and runs of bits. Bit positions
// may be negative, counting from the most significant bit (-1 is bit 63).

import { boundsError } from "../errors.js";
import { normalise, toBig } from "../int.js";
import type { Package } from "../native.js";
import type { Int, Range, Value } from "../value.js";
import { num } from "./util.js";

const BITS = 64;

function bitIndex(bit: Value): number {
  const b = num(bit);
  const i = b < 0 ? BITS + b : b;
  if (i < 0 || i >= BITS) {
    throw boundsError("Bit-field", 64, b);
  }
  return i;
}

/** Clamps a run of `bits` bits starting at `start` to the 64 available. */
function runLength(start: number, bits: number): number {
  return Math.min(bits, BITS - start);
}

export function getBits(value: Int, start: Value, bits: number): Int {
  if (bits <= 0) return 0;
  const from = bitIndex(start);
  const len = runLength(from, bits);
  if (from === 0 && len === BITS) return value;
  const mask = (1n << BigInt(len)) - 1n;
  return normalise((BigInt.asUintN(64, toBig(value)) >> BigInt(from)) & mask);
}

export function setBits(value: Int, start: Value, bits: number, newValue: Int): Int {
  if (bits <= 0) return value;
  const from = bitIndex(start);
  const len = runLength(from, bits);
  if (from === 0 && len === BITS) return newValue;
  const mask = (1n << BigInt(len)) - 1n;
  const cleared = toBig(value) & ~(mask << BigInt(from));
  const result = cleared | ((toBig(newValue) & mask) << BigInt(from));
  return normalise(BigInt.asIntN(64, result));
}

/** (start, length) of an exclusive or inclusive range of bits, as the reference computes. */
function bitRange(r: Range): [number, number] {
  const start = Math.max(num(r.start), 0);
  if (r.inclusive) {
    const end = Math.max(num(r.end), start - 1);
    if (end >= BITS) {
      throw boundsError("Bit-field", 64, end);
    }
    return [start, end - start + 1];
  }
  const end = Math.max(num(r.end), start);
  return [start, end - start];
}

export const bitFieldPackage: Package = (lib) => {
  const pure = { pure: true };
  lib.fn(
    "get_bit",
    ["i64", "i64"],
    (_ctx, [x, bit]) => {
      const i = bitIndex(bit);
      return ((toBig(x as Int) >> BigInt(i)) & 1n) === 1n;
    },
    { ...pure, doc: "True if the bit is set; `123456.get_bit(6)` is true." },
  );
  lib.fn(
    "set_bit",
    ["i64", "i64", "bool"],
    (_ctx, args) => {
      const i = bitIndex(args[1]);
      const mask = 1n << BigInt(i);
      const v = toBig(args[0] as Int);
      args[0] = normalise(BigInt.asIntN(64, args[2] ? v | mask : v & ~mask));
      return undefined;
    },
    { mutatesFirst: true, doc: "Sets (true) or clears (false) one bit; `x.set_bit(5, true)`." },
  );
  lib.fn(
    "get_bits",
    ["i64", "i64", "i64"],
    (_ctx, [x, start, bits]) => getBits(x as Int, start, num(bits)),
    {
      ...pure,
      doc: "A run of bits as a number; `x.get_bits(5, 8)`.",
    },
  );
  for (const rt of ["range", "range="]) {
    lib.fn(
      "get_bits",
      ["i64", rt],
      (_ctx, [x, r]) => {
        const [start, len] = bitRange(r as Range);
        return getBits(x as Int, start, len);
      },
      { ...pure, doc: "A range of bits as a number; `x.get_bits(5..10)`." },
    );
    lib.fn(
      "set_bits",
      ["i64", rt, "i64"],
      (_ctx, args) => {
        const [start, len] = bitRange(args[1] as Range);
        args[0] = setBits(args[0] as Int, start, len, args[2] as Int);
        return undefined;
      },
      {
        mutatesFirst: true,
        doc: "Replaces a range of bits with a value; `x.set_bits(5..10, 42)`.",
      },
    );
  }
  lib.fn(
    "set_bits",
    ["i64", "i64", "i64", "i64"],
    (_ctx, args) => {
      args[0] = setBits(args[0] as Int, args[1], num(args[2]), args[3] as Int);
      return undefined;
    },
    { mutatesFirst: true, doc: "Replaces a run of bits with a value; `x.set_bits(5, 8, 42)`." },
  );
};

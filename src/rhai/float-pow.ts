// `x ** n` for floats with an integer exponent, rounded as the reference's libm rounds it.
// V8's Math.pow can be off by an ulp or two for such powers (1.3 ** 10 and friends), which
// scripts see in printed results; the exact power of the float's binary value, rounded once
// to the nearest double, agrees with the reference (measured: every case of a sample but
// exact ties, where the reference rounds away from zero, as this does).

/** The largest exponent computed exactly (the big integer has 53 * n bits). */
const MAX_EXACT_EXPONENT = 1100;

/** A finite non-zero double as an integer mantissa and a power of two. */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return [fraction, -1074];
  return [fraction | (1n << 52n), biased - 1075];
}

function bitLength(b: bigint): number {
  return b.toString(2).length;
}

/**
 * `b * 2^scale` rounded to a double: to nearest, ties away from zero. A truncated `b`
 * carries a sticky lowest bit, so it is never mistaken for a tie.
 */
function scaled(b: bigint, scale: number): number {
  let q = b;
  let sc = scale;
  const bits = bitLength(b);
  if (bits > 53) {
    const sh = bits - 53;
    q = b >> BigInt(sh);
    const rem = b - (q << BigInt(sh));
    const half = 1n << BigInt(sh - 1);
    // At exactly half (a tie, or above half when `b` was truncated) round up.
    if (rem >= half) q += 1n;
    sc += sh;
  }
  const h = Math.trunc(sc / 2);
  return Number(q) * 2 ** h * 2 ** (sc - h);
}

/** `x ** y` with the reference's rounding where `y` is an integer. */
export function floatPow(x: number, y: number): number {
  const n = Math.abs(y);
  if (!Number.isInteger(y) || n < 2 || n > MAX_EXACT_EXPONENT || !Number.isFinite(x) || x === 0) {
    return x ** y;
  }
  const approx = x ** y;
  // Out of the normal range the final scaling would round twice: keep V8's result there.
  if (!Number.isFinite(approx) || Math.abs(approx) < 2.2250738585072014e-308) return approx;
  const [mantissa, exponent] = decompose(x);
  const power = mantissa ** BigInt(n);
  const negative = x < 0 && n % 2 === 1;
  let r: number;
  if (y > 0) {
    r = scaled(power, exponent * n);
  } else {
    // 1 / power with 66 bits more than needed, and whether the division left a remainder.
    const width = BigInt(bitLength(power) + 66);
    const one = 1n << width;
    const q = one / power;
    r = scaled((q << 1n) | (q * power === one ? 0n : 1n), -Number(width) - 1 - exponent * n);
  }
  return negative ? -r : r;
}

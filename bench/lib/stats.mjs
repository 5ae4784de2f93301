// Small statistics helpers for the benchmark tables.

/** The q-quantile of an ascending-sorted array (nearest rank). */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

export function sortedCopy(values) {
  return Float64Array.from(values).sort();
}

/** "median (min–max)" of repeated measurements. */
export function spread(values, digits = 0) {
  const s = [...values].sort((a, b) => a - b);
  const f = (v) => v.toFixed(digits);
  return `${f(quantile(s, 0.5))} (${f(s[0])}–${f(s[s.length - 1])})`;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

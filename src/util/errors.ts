// Anything a `catch` receives, as an Error. JavaScript lets code throw any value (a string,
// undefined, an object), so every place that logs or stores a failure would otherwise
// repeat `e instanceof Error ? e.message : String(e)`; one function keeps those the same.

/**
 * `e` itself when it is an Error; otherwise an Error whose message is `String(e)` (what the
 * hand-written copies printed) and whose `cause` is the thrown value, so nothing is lost.
 */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(safeString(e), { cause: e });
}

/** `String(v)`, except for the values it throws on (an object without a prototype...). */
function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

// JavaScript's RangeError covers two unrelated failures that the engine reports differently:
// the call stack running out (deep recursion: `ErrorStackOverflow`, or `ExprTooDeep` while
// parsing) and a value growing past what V8 can hold (a string over its maximum length, an
// array or buffer too large: `ErrorDataTooLarge`). Other RangeErrors (a bad argument to a
// JS built-in) are neither.

/** The JS call stack ran out. */
export function isStackExhausted(e: unknown): e is RangeError {
  return e instanceof RangeError && e.message.includes("call stack");
}

/** V8 refused to build a value that large (string, array, buffer). */
export function isValueTooLarge(e: unknown): e is RangeError {
  if (!(e instanceof RangeError)) return false;
  const m = e.message;
  return (
    m.startsWith("Invalid string length") ||
    m.startsWith("Invalid array length") ||
    m.startsWith("Invalid typed array length") ||
    m.startsWith("Map maximum size exceeded") ||
    m.startsWith("Array buffer allocation failed")
  );
}

// Function pointer properties: `name` and `is_anonymous`. Calling, currying and `Fn()`
// itself belong to the engine.

import type { Package } from "../native.js";
import type { FnPtr, Value } from "../value.js";

/** Prefix the engine gives closures' generated names (as the reference's `anon$`). */
export const ANONYMOUS_PREFIX = "anon$";

export const basicFnPackage: Package = (lib) => {
  const name = (_ctx: unknown, [f]: Value[]) => (f as FnPtr).name;
  const anonymous = (_ctx: unknown, [f]: Value[]) => (f as FnPtr).name.startsWith(ANONYMOUS_PREFIX);
  for (const prefix of ["", "get$"]) {
    lib.fn(`${prefix}name`, ["Fn"], name, {
      pure: true,
      doc: 'The name of the function; `Fn("foo").name` is "foo".',
    });
    lib.fn(`${prefix}is_anonymous`, ["Fn"], anonymous, {
      pure: true,
      doc: "True if the pointer is to a closure; `(|x| x).is_anonymous` is true.",
    });
  }
};

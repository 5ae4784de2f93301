// The built-in actions. SAL-backed actions (Redis, PostgreSQL, net) are to join here once
// the SAL exists.
import { ActionRegistry } from "../registry.js";
import { fileActions } from "./files.js";
import { playActions } from "./play.js";
import { processActions } from "./process.js";
import { sessionActions } from "./session.js";

/** A registry holding every built-in action; callers may register more. */
export function builtinActions(): ActionRegistry {
  return new ActionRegistry().register(
    ...playActions,
    ...sessionActions,
    ...fileActions,
    ...processActions,
  );
}

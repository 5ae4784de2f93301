// The built-in actions. The SAL-backed ones (Redis, PostgreSQL, net, downloads) are added by
// the hero runner (src/runners/hero/sal-actions.ts): heroscript does not depend on the SAL.
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

// Every script's return codes, named once. A code no table knows is a bug (a script and its
// caller out of step), never a silent default: decodeCode throws.

/** The words for START's and TAKE's per-job codes. */
export const START_CODES = {
  1: "started",
  [-1]: "missing",
  [-2]: "already-run",
  [-3]: "cancelled",
  [-6]: "not-held",
  [-8]: "limited",
} as const;

/** FINISH: 2 is a resend of a call that was written already, which is a write too. */
export const FINISH_CODES = {
  1: "written",
  2: "written",
  [-1]: "missing",
  [-2]: "already-ended",
  [-4]: "not-holder",
} as const;

/**
 * RETRY: FINISH's codes (the same holder rule, the same resend), under the name its calls use.
 * @alias
 */
export const RETRY_CODES = FINISH_CODES;

/** SUBMIT and STORE. */
export const SUBMIT_CODES = { 1: "stored", [-1]: "exists", [-7]: "claimed" } as const;

/** HAND_BACK. */
export const HAND_BACK_CODES = { 1: "handed-back", 2: "requeued", [-4]: "not-held" } as const;

/** CANCEL. */
export const CANCEL_CODES = {
  1: "cancelled",
  2: "signalled",
  [-1]: "missing",
  [-2]: "already-ended",
} as const;

/** HEARTBEAT. */
export const HEARTBEAT_CODES = { 1: "renewed", 0: "lapsed" } as const;

/** UNREGISTER. */
export const UNREGISTER_CODES = { 1: "unregistered", 0: "alive", [-1]: "holds-jobs" } as const;

/** RECOVER. */
export const RECOVER_CODES = {
  0: "missing",
  1: "had-ended",
  2: "requeued",
  3: "held-elsewhere",
  4: "retried",
  5: "crashed",
  [-5]: "alive",
} as const;

/** MINT (schedule-lua.ts): SUBMIT's codes, and two of its own. */
export const MINT_CODES = {
  1: "queued",
  [-1]: "exists",
  [-7]: "claimed",
  [-8]: "minted-before",
  [-9]: "schedule-changed",
} as const;

/** MINTER_LEASE. */
export const MINTER_LEASE_CODES = { 1: "held", 0: "elsewhere" } as const;

/** REMOVE_SCHEDULE. */
export const REMOVE_SCHEDULE_CODES = { 1: "removed", 0: "missing" } as const;

export class UnknownCodeError extends Error {
  override readonly name = "UnknownCodeError";
}

/** The word for a script's code; throws on a code the table does not have. */
export function decodeCode<T extends Record<number, string>>(
  table: T,
  code: unknown,
  script: string,
): T[keyof T] {
  const word = typeof code === "number" ? table[code] : undefined;
  if (word === undefined)
    throw new UnknownCodeError(
      `${script} answered ${JSON.stringify(code)}, a code it never returns`,
    );
  return word as T[keyof T];
}

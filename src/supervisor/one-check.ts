// A subscription is checked when its stream says something changed and by a timer, and two
// checks at once would send the same notification twice: one check at a time, and a check
// asked for meanwhile runs once more after it.

/** A subscription's check state. */
export interface CheckState {
  /** A check is under way. */
  checking?: boolean;
  /** Another check was asked for meanwhile. */
  again?: boolean;
}

/** Runs `once` for `state` unless a check is under way, then again while one was asked for. */
export async function checkOneAtATime(
  state: CheckState,
  stillWanted: () => boolean,
  once: () => Promise<void>,
): Promise<void> {
  if (state.checking) {
    state.again = true;
    return;
  }
  state.checking = true;
  try {
    do {
      state.again = false;
      await once();
    } while (state.again && stillWanted());
  } finally {
    state.checking = false;
  }
}

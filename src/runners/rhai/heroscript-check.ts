// A payload meant for a herorunner, sent to a Rhai runner by mistake, fails in the Rhai
// parser with a message about an unexpected token; this says what actually happened.

/**
 * An action line as heroscript writes it, `!!actor.action` then `key:value` parameters or
 * nothing. Rhai reads `!!a.b` as a double negation too, so only lines that go on the
 * heroscript way count, and only the script's first line that is not blank or a comment.
 */
const ACTION_LINE = /^!!\w+\.\w+(\s+[\w.]+\s*:|\s*$)/;

/** The message for a payload that reads as heroscript, or undefined. Cheap: one line looked at. */
export function heroscriptMistake(payload: string): string | undefined {
  for (const raw of payload.split("\n", 64)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("//")) continue;
    if (!ACTION_LINE.test(line) || line.includes(";")) return undefined;
    return `the payload looks like heroscript ("${line.slice(0, 40)}"); this runner runs Rhai: send heroscript to a herorunner`;
  }
  return undefined;
}

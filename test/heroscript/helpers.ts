// Helpers of the heroscript tests: a stand-in for the Hero CLI (for `--hero-bin`), written
// by the tests, and waiting on processes.
// The fake answers `hero run -s <script>` the way the real one is called:
//   payload contains SLEEP: starts a background child (pid written to $PID_FILE) and waits
//   payload contains FAIL:  complains on stderr and exits with 5
//   otherwise:              prints the payload and some env vars
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";

const SCRIPT = `#!/bin/sh
if [ "$1" != run ] || [ "$2" != -s ]; then
  echo "usage: hero run -s SCRIPT" >&2
  exit 64
fi
case "$3" in
  *SLEEP*) sleep 30 & echo $! > "$PID_FILE"; wait; exit 0 ;;
  *FAIL*) echo "bad script at line 1" >&2; exit 5 ;;
esac
echo "ran: $3"
echo "env: $GREETING job=$JOB_ID [$HEROSCRIPT_TEST_SECRET]"
`;

/** Writes the fake `hero` into `dir` and returns its path. */
export async function writeFakeHero(dir: string): Promise<string> {
  const path = join(dir, "hero");
  await writeFile(path, SCRIPT);
  await chmod(path, 0o755);
  return path;
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

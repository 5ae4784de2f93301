// Recursive search under a directory, for find_file(s)/find_dir(s). Symbolic links are
// reported but never followed (a link loop cannot hang a job), and the walk stops with an
// error past a fixed number of entries instead of eating the runner's memory.

import { opendir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { compileGlob } from "./glob.js";

const MAX_ENTRIES = 200_000;

export type EntryKind = "file" | "dir";

/**
 * Absolute paths under `root` whose kind is `kind` and that match `pattern`: a pattern
 * without `/` is matched against the entry's name at any depth; with `/` against its path
 * relative to `root`. Sorted, so results are stable.
 */
export async function findEntries(
  root: string,
  pattern: string,
  kind: EntryKind,
  signal: AbortSignal,
): Promise<string[]> {
  const byName = !pattern.includes("/");
  const glob = compileGlob(pattern);
  const found: string[] = [];
  let seen = 0;
  const pending = [root];
  while (pending.length > 0) {
    signal.throwIfAborted();
    const dir = pending.pop() as string;
    let handle: Awaited<ReturnType<typeof opendir>>;
    try {
      handle = await opendir(dir);
    } catch (e) {
      // The root must be readable; an unreadable subdirectory is skipped, as `find` does.
      if (dir === root) throw e;
      continue;
    }
    for await (const entry of handle) {
      // Checked per entry: a flat directory of 200,000 names must not outlive the job.
      signal.throwIfAborted();
      if (++seen > MAX_ENTRIES) {
        throw new Error(`more than ${MAX_ENTRIES} entries under ${root}: narrow the search`);
      }
      const path = join(dir, entry.name);
      const isDir = entry.isDirectory();
      if (isDir) pending.push(path);
      const wanted = kind === "dir" ? isDir : entry.isFile() || entry.isSymbolicLink();
      if (!wanted) continue;
      const subject = byName ? entry.name : relative(root, path).split(sep).join("/");
      if (glob.test(subject)) found.push(path);
    }
  }
  return found.sort();
}

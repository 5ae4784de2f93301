// Shell-style wildcards for the find functions and `copy`/`delete`: `*` (any run of
// characters except `/`), `?` (one such character), `[abc]`/`[a-z]`/`[!a]` (a class) and `**`
// (any run including `/`, so `**/x` matches at every depth).

const SPECIAL = /[.+^${}()|\\]/;

export function hasWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Compiles a wildcard pattern into an anchored regular expression. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          re += "(?:.*/)?"; // `**/` also matches zero directories
        } else {
          re += ".*";
        }
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1) {
        re += "\\[";
      } else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else {
      re += SPECIAL.test(c) ? `\\${c}` : c;
    }
  }
  return new RegExp(`^${re}$`);
}

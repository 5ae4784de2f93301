// Shell-style wildcards for the find functions and `copy`/`delete`: `*` (any run of
// characters except `/`), `?` (one such character), `[abc]`/`[a-z]`/`[!a]` (one character of
// a class, never `/`) and `**` (any run including `/`, so `**/x` matches at every depth).
//
// Patterns come from scripts and are matched on the runner's main thread, so they are never
// compiled to a JavaScript RegExp: V8 backtracks, and `*a*a*a*a*a*a*a*ab` against a name of
// sixty `a`s took 42 s there, during which no timer fired and the job's timeout, SIGTERM and
// every other job waited. Instead the pattern is run as a set of states moved forward one
// character at a time (Thompson's simulation), which costs at most (subject length) x
// (pattern length) steps, whatever the pattern.

/** Longest pattern accepted: bounds the work per name to 256 steps per character. */
export const MAX_GLOB_LENGTH = 256;

type Token =
  | { readonly kind: "char"; readonly c: string }
  | { readonly kind: "one" } // ?
  | { readonly kind: "class"; readonly negated: boolean; readonly ranges: [string, string][] }
  | { readonly kind: "star" } // * : a run without `/`
  | { readonly kind: "any" } // ** : any run
  // `**/` (nothing, or any run that ends with `/`) is two states: its entry, from which a
  // script may skip it, and its body, which may only be left by consuming a `/`.
  | { readonly kind: "dirs" }
  | { readonly kind: "dirsBody" };

export function hasWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** A compiled wildcard pattern, matched against a whole name or relative path. */
export interface Glob {
  test(subject: string): boolean;
}

function parseClass(chars: readonly string[], start: number): [Token, number] | null {
  // `]` right after `[` or `[!` belongs to the class, as in the shell.
  let i = start + 1;
  const negated = chars[i] === "!" || chars[i] === "^";
  if (negated) i++;
  const first = i;
  while (i < chars.length && (chars[i] !== "]" || i === first)) i++;
  if (i >= chars.length) return null;
  const body = chars.slice(first, i);
  const ranges: [string, string][] = [];
  for (let j = 0; j < body.length; j++) {
    const lo = body[j] as string;
    const hi = body[j + 2];
    if (body[j + 1] === "-" && hi !== undefined) {
      ranges.push([lo, hi]);
      j += 2;
    } else {
      ranges.push([lo, lo]);
    }
  }
  return [{ kind: "class", negated, ranges }, i];
}

function tokenize(pattern: string): Token[] {
  const chars = Array.from(pattern); // code points, so a class can hold any character
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") {
      if (chars[i + 1] === "*") {
        i++;
        if (chars[i + 1] === "/") {
          i++;
          tokens.push({ kind: "dirs" }, { kind: "dirsBody" });
        } else {
          tokens.push({ kind: "any" });
        }
      } else {
        tokens.push({ kind: "star" });
      }
    } else if (c === "?") {
      tokens.push({ kind: "one" });
    } else if (c === "[") {
      const parsed = parseClass(chars, i);
      if (parsed) {
        tokens.push(parsed[0]);
        i = parsed[1];
      } else {
        tokens.push({ kind: "char", c }); // an unclosed `[` is itself
      }
    } else {
      tokens.push({ kind: "char", c });
    }
  }
  return tokens;
}

function inClass(token: Extract<Token, { kind: "class" }>, c: string): boolean {
  const hit = token.ranges.some(([lo, hi]) => c >= lo && c <= hi);
  return hit !== token.negated;
}

/** Compiles a wildcard pattern; throws when it is longer than MAX_GLOB_LENGTH. */
export function compileGlob(pattern: string): Glob {
  if (pattern.length > MAX_GLOB_LENGTH) {
    throw new Error(
      `pattern is ${pattern.length} characters long, at most ${MAX_GLOB_LENGTH} are allowed`,
    );
  }
  const tokens = tokenize(pattern);
  const end = tokens.length;
  // mark[i] === generation: state i is already in the set being built.
  const mark = new Uint32Array(end + 1);
  let generation = 0;

  // Adds state i, and the states it reaches by matching nothing: past a star, or past a
  // whole `**/` from its entry. Recursion depth is bounded by the pattern's length.
  const add = (set: number[], i: number): void => {
    if (mark[i] === generation) return;
    mark[i] = generation;
    set.push(i);
    const kind = tokens[i]?.kind;
    if (kind === "star" || kind === "any") add(set, i + 1);
    else if (kind === "dirs") {
      add(set, i + 1);
      add(set, i + 2);
    }
  };

  return {
    test(subject: string): boolean {
      generation++;
      let current: number[] = [];
      add(current, 0);
      for (const c of subject) {
        generation++;
        const next: number[] = [];
        for (const i of current) {
          const t = tokens[i];
          if (t === undefined) continue; // the final state consumes nothing
          switch (t.kind) {
            case "char":
              if (c === t.c) add(next, i + 1);
              break;
            case "one":
              if (c !== "/") add(next, i + 1);
              break;
            case "class":
              if (c !== "/" && inClass(t, c)) add(next, i + 1);
              break;
            case "star":
              if (c !== "/") add(next, i);
              break;
            case "any":
              add(next, i);
              break;
            case "dirs":
              break; // consumes nothing: its body does
            case "dirsBody":
              add(next, i);
              if (c === "/") add(next, i + 1);
              break;
          }
        }
        if (next.length === 0) return false;
        current = next;
      }
      return current.includes(end);
    },
  };
}

// Hostile Rhai source: the lexer and parser answer with an AST or a RhaiParseError for any
// text; they never throw anything else, never hang and never overflow the JavaScript stack.
// Seeded with the reference engine's fuzzing corpus when ../shared is present.
import { existsSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Engine, RhaiParseError } from "../../src/rhai/index.js";

const RUNS = 300;
const SEED_PATH = new URL(
  "../../../shared/conformance/rhai/scripts/fuzzing_seed_corpus_all.rhai",
  import.meta.url,
);
const seed = existsSync(SEED_PATH)
  ? readFileSync(SEED_PATH, "utf8")
  : "let x = 1 + 2 * 3; fn f(a) { a + x } f(4)";
const seedLines = seed.split("\n");
const engine = new Engine();

/** Long chains the parser reads in a loop rather than by recursion. */
const CHAINS: [string, string][] = [
  ["long ?? chain", `1${" ?? 1".repeat(50_000)}`],
  ["long && chain", `true${" && true".repeat(50_000)}`],
  ["range chain", `1${"..1".repeat(10_000)}`],
  ["method chain", `let x = 1; x${".abs()".repeat(20_000)}`],
  ["index chain", `let x = [1]; x${"[0]".repeat(20_000)}`],
  ["else-if chain", `if false {1}${" else if false {1}".repeat(20_000)} else {2}`],
];

function compileOrParseError(source: string): void {
  try {
    engine.compile(source);
  } catch (e) {
    if (!(e instanceof RhaiParseError)) {
      throw new Error(
        `compile threw ${(e as Error)?.name}: ${(e as Error)?.message} for ${JSON.stringify(source.slice(0, 200))}`,
      );
    }
    expect(typeof e.code).toBe("string");
  }
}

const tokens = fc.constantFrom(
  "let",
  "const",
  "fn",
  "if",
  "else",
  "while",
  "loop",
  "for",
  "in",
  "do",
  "until",
  "switch",
  "return",
  "throw",
  "try",
  "catch",
  "break",
  "continue",
  "import",
  "export",
  "as",
  "private",
  "this",
  "Fn",
  "x",
  "y",
  "_",
  "1",
  "0x1f",
  "1_000",
  "1.5e3",
  "'c'",
  '"s"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
  "`t${x}`",
  "#{",
  "}",
  "{",
  "(",
  ")",
  "[",
  "]",
  ";",
  ",",
  ".",
  "?.",
  "?[",
  "??",
  "::",
  "=>",
  "|",
  "||",
  "&&",
  "!",
  "+",
  "-",
  "*",
  "/",
  "%",
  "**",
  "<<",
  ">>",
  "==",
  "!=",
  "<=",
  ">=",
  "<",
  ">",
  "=",
  "+=",
  "..",
  "..=",
  "//c\n",
  "/* c */",
  "/*",
  "*/",
  "\n",
  " ",
  "\\",
  "#",
  "@",
  "$",
  "`",
  '"',
  "'",
);
const tokenSoup = fc.array(tokens, { maxLength: 80 }).map((t) => t.join(" "));

/** A slice of the seed corpus with a few characters inserted, removed or replaced. */
const mutatedSeed = fc
  .tuple(
    fc.nat(seedLines.length - 1),
    fc.integer({ min: 1, max: 30 }),
    fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 3 })), { maxLength: 5 }),
  )
  .map(([start, count, edits]) => {
    let text = seedLines.slice(start, start + count).join("\n");
    for (const [at, insert] of edits) {
      const i = text.length === 0 ? 0 : at % text.length;
      text = text.slice(0, i) + insert + text.slice(i + (insert.length % 2));
    }
    return text;
  });

describe("Rhai lexer and parser fuzzing", () => {
  test("the seed corpus (snippets, some deliberately broken) gives an AST or a RhaiParseError", () => {
    compileOrParseError(seed);
  });

  test("random text, token soup and mutated seed scripts: an AST or a RhaiParseError", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), tokenSoup, mutatedSeed),
        (source) => {
          compileOrParseError(source);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test.each([
    ["nested parentheses", `${"(".repeat(20_000)}1${")".repeat(20_000)}`],
    ["nested blocks", `${"{".repeat(20_000)}1${"}".repeat(20_000)}`],
    ["nested arrays", `${"[".repeat(20_000)}${"]".repeat(20_000)}`],
    ["unary chain", `${"-".repeat(50_000)}1`],
    ["long binary chain", `1${" + 1".repeat(100_000)}`],
    ["unclosed nesting", "(".repeat(50_000)],
    ["nested block comments", `${"/*".repeat(20_000)}${"*/".repeat(20_000)} 1`],
    ["nested interpolation", `${"`${".repeat(5_000)}1${"}`".repeat(5_000)}`],
    ["nested closures", `${"|x| ".repeat(10_000)}1`],
    ["if chain", `${"if true { ".repeat(10_000)}1${" }".repeat(10_000)}`],
    ...CHAINS,
    ["nested maps", `${"#{a: ".repeat(10_000)}1${"}".repeat(10_000)}`],
    ["nested switch", `${"switch 1 { _ => ".repeat(5_000)}1${" }".repeat(5_000)}`],
    ["nested function calls", `${"abs(".repeat(10_000)}1${")".repeat(10_000)}`],
    ["nested interpolation with blocks", `${"`${{".repeat(3_000)}1${"}}`".repeat(3_000)}`],
  ])("pathological input (%s) ends in an AST or a RhaiParseError", (_name, source) => {
    compileOrParseError(source);
  });

  // With the depth limits off the parser builds these chains iteratively; the tree is then
  // deeper than the compiler's recursion can follow, which must still be ExprTooDeep.
  test.each([...CHAINS, ["nested interpolation", `${"`${".repeat(5_000)}1${"}`".repeat(5_000)}`]])(
    "with expression-depth limits off, %s ends in a result or a typed Rhai error",
    (_name, source) => {
      const unlimited = new Engine();
      unlimited.limits.maxExprDepth = 0;
      unlimited.limits.maxFunctionExprDepth = 0;
      try {
        unlimited.eval(source);
      } catch (e) {
        if (e instanceof RhaiParseError) {
          expect(e.code).toBe("ExprTooDeep");
          return;
        }
        throw e;
      }
    },
  );
});

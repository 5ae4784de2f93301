// Part of `npm run build` (after tsc): bundles the `rhai` command (dist/cli/rhai-main.js
// and the engine it imports) into one CommonJS file, dist/cli/rhai-main.bundle.cjs, with a
// manifest of the files it was built from, then runs it once so the launcher
// (dist/cli/rhai.js) writes the V8 code cache beside it. See src/cli/rhai.ts for why.
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "dist/cli/rhai-main.js");
const outfile = join(root, "dist/cli/rhai-main.bundle.cjs");

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  metafile: true,
  logLevel: "warning",
  // Less text for V8 to scan and hash; names stay (error messages and stack traces).
  minifyWhitespace: true,
  minifySyntax: true,
});
const inputs = Object.keys(result.metafile.inputs).map((path) => {
  const s = statSync(join(root, path));
  return { path, size: s.size, mtimeMs: s.mtimeMs };
});
writeFileSync(`${outfile}.json`, `${JSON.stringify({ inputs }, null, 1)}\n`);

// Warm the code cache with a run that touches the parser, compiler and common packages.
const warm = spawnSync(
  process.execPath,
  [
    join(root, "dist/cli/rhai.js"),
    "eval",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
    'let a = [3, 1, 2]; a.sort(); let m = #{x: a.len()}; fn f(x) { x * 2 } `${f(m.x)} ${"s".to_upper()}`',
  ],
  { encoding: "utf8" },
);
if (warm.status !== 0) {
  process.stderr.write(`build-rhai-cli: the bundled command failed: ${warm.stderr}\n`);
  process.exit(1);
}
process.stdout.write(`build-rhai-cli: ${outfile} (${inputs.length} inputs), code cache written\n`);

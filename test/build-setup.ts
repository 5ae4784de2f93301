// Builds dist/ before a test run: integration tests start the real commands from there, and
// the sandbox loads its worker from it.
import { spawnSync } from "node:child_process";

export function buildDist(): void {
  // tsc emits even when it finds type errors; those are reported by `npm run typecheck`
  // (part of `npm test`), so here a type error only warns and the suite still runs.
  const build = spawnSync("npx", ["--no-install", "tsc", "-p", "tsconfig.build.json"], {
    encoding: "utf8",
  });
  if (build.status !== 0) {
    const errors = (build.stdout.match(/error TS/g) ?? []).length;
    process.stderr.write(
      `global setup: tsc reported ${errors} type error(s); dist/ was emitted anyway\n`,
    );
  }
  // The `rhai` command's bundle, made from what tsc just wrote (else it runs unbundled).
  spawnSync(process.execPath, ["scripts/build-rhai-cli.mjs"], { stdio: "ignore" });
}

export default function setup(): void {
  buildDist();
}

#!/usr/bin/env node
// The `rhai` command's launcher. The command itself is rhai-main.ts. A one-line script
// should start about as fast as Node does, and loading the engine as some thirty ES modules
// costs more than running the script: `npm run build` therefore also writes the command as
// one CommonJS bundle (scripts/build-rhai-cli.mjs), which this launcher compiles with a V8
// code cache kept beside it, so most of the engine needs neither parsing nor compiling.
//
// The bundle is used only while it matches the compiled files it was built from (their
// sizes and modification times, recorded in its manifest): after a plain `tsc` the launcher
// falls back to loading rhai-main.js, so it never runs stale code. A cache that V8 rejects
// (another Node version) is rewritten after the run when the folder is writable.

// One ES import only: each ES import of a built-in module costs more at start-up than
// `require` does, so the others come through require.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { readFileSync, statSync, writeFileSync } = require("node:fs") as typeof import("node:fs");
const { Script } = require("node:vm") as typeof import("node:vm");
const { dirname, join, resolve } = require("node:path") as typeof import("node:path");

interface Manifest {
  /** The files the bundle was built from, relative to the project's root. */
  inputs: { path: string; size: number; mtimeMs: number }[];
}

const here = dirname(
  (require("node:url") as typeof import("node:url")).fileURLToPath(import.meta.url),
);
const bundleFile = join(here, "rhai-main.bundle.cjs");

/** The bundle's manifest when every input is unchanged since the build, else undefined. */
function freshManifest(): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(`${bundleFile}.json`, "utf8")) as Manifest;
    const root = resolve(here, "../..");
    for (const input of manifest.inputs) {
      const s = statSync(join(root, input.path));
      if (s.size !== input.size || s.mtimeMs !== input.mtimeMs) return undefined;
    }
    return manifest;
  } catch {
    return undefined;
  }
}

function runBundle(): void {
  const cacheFile = `${bundleFile}.cache`;
  // esbuild keeps the entry's `#!` line, which is not valid inside a function body.
  const source = readFileSync(bundleFile, "utf8").replace(/^#!.*/, "");
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: bundleFile, cachedData },
  );
  if (cachedData === undefined || script.cachedDataRejected === true) {
    // Written at exit, so the cache also holds the functions this run compiled.
    process.once("exit", () => {
      try {
        writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // A read-only installation: run without a cache.
      }
    });
  }
  const module = { exports: {} };
  const main = script.runInThisContext() as (...args: unknown[]) => void;
  main(module.exports, createRequire(bundleFile), module, bundleFile, here);
}

if (process.env.RHAI_CLI_NO_BUNDLE !== "1" && freshManifest() !== undefined) runBundle();
else await import("./rhai-main.js");

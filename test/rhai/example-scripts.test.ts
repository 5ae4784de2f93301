// Runs the reference's example scripts from the shared conformance data (when present) and
// compares what they print with what the reference engine printed (times masked).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { Engine, FileModuleResolver } from "../../src/rhai/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(here, "../../../shared/conformance/rhai/scripts");
const manifest = join(dir, "MANIFEST.jsonl");

interface Entry {
  name: string;
  "v1.25.0": { status: string; output?: string };
}

/** Run times differ between engines: mask them. */
function maskTimes(text: string): string {
  return text.replace(/[0-9]+(\.[0-9]+)?(e-?[0-9]+)? (seconds|secs|ms)/g, "<t> $3");
}

describe("example scripts of the reference", () => {
  if (!existsSync(manifest)) {
    test.skip(`scripts not found at ${dir}: shared conformance data absent`, () => {});
    return;
  }
  const entries = readFileSync(manifest, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Entry)
    // The fuzzing seed corpus is not meant to run.
    .filter((e) => !e.name.startsWith("fuzzing"));

  test.each(entries.map((e) => [e.name, e] as const))(
    "%s prints what the reference printed",
    (name, entry) => {
      const out: string[] = [];
      const engine = new Engine()
        .onPrint((t) => out.push(t))
        .onDebug((t) => out.push(t))
        .setModuleResolver(new FileModuleResolver(dir));
      const expected = entry["v1.25.0"];
      let status = "ok";
      try {
        engine.run(readFileSync(join(dir, name), "utf8"));
      } catch {
        status = "error";
      }
      expect(status).toBe(expected.status);
      expect(maskTimes(out.map((l) => `${l}\n`).join(""))).toBe(maskTimes(expected.output ?? ""));
    },
  );
});

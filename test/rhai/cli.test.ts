// The `rhai` command, run as a real process from the built dist/ (the test setup builds it).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cli = join(root, "dist/cli/rhai.js");
const dir = mkdtempSync(join(tmpdir(), "rhai-cli-"));

function rhai(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("rhai command", () => {
  test("run prints what the script prints", () => {
    const file = join(dir, "hello.rhai");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
    writeFileSync(file, 'let who = "world";\nprint(`hello, ${who}`);\nprint(6 * 7);\n');
    expect(rhai("run", file)).toEqual({ code: 0, out: "hello, world\n42\n", err: "" });
  });

  test("run fails with the error and its position", () => {
    const file = join(dir, "bad.rhai");
    writeFileSync(file, "let x = 1;\nx / 0;\n");
    const r = rhai("run", file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ErrorArithmetic: .*\(line 2, position 3\)/);
  });

  test("run reports a missing file", () => {
    const r = rhai("run", join(dir, "missing.rhai"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no such file/i);
  });

  test("eval prints the value", () => {
    expect(rhai("eval", "40 + 2")).toEqual({ code: 0, out: "42\n", err: "" });
    expect(rhai("eval", '"text"').out).toBe("text\n");
    expect(rhai("eval", "let x = 1;").out).toBe("");
    const r = rhai("eval", "1 +");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^UnexpectedEOF/);
  });

  test("conformance prints failing cases and the totals", () => {
    const file = join(dir, "mini.jsonl");
    const cases = [
      { id: "ok:1", script: "40 + 2", expect: { type: "int", value: 42 }, eval_type: "INT" },
      { id: "bad:2", script: "1", expect: { type: "int", value: 2 }, eval_type: "INT" },
      { id: "err:3", script: "1/0", expect: { error: "ErrorArithmetic", phase: "eval" } },
      {
        id: "cfg:4",
        script: "loop {}",
        mode: "run",
        expect: { error: "ErrorTooManyOperations" },
        config: [{ call: "set_max_operations", args: [100] }],
      },
    ];
    writeFileSync(file, `${cases.map((c) => JSON.stringify(c)).join("\n")}\n`);
    const r = rhai("conformance", file);
    expect(r.code).toBe(0);
    expect(r.out).toBe("FAIL bad:2: expected int 2, got 1 (i64)\n3 passed, 1 failed\n");
  });

  test("bad usage exits 2 and names what was wrong", () => {
    const r = rhai("run");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing required argument 'file'/);
    expect(rhai("frobnicate").err).toMatch(/unknown command 'frobnicate'/);
    expect(rhai("--version").out).toBe("0.1.0\n");
  });

  test("the launcher runs the bundle only while it matches the files it was built from", () => {
    // A copy of the launcher and the modules, with a stand-in bundle that says who ran.
    const copy = mkdtempSync(join(tmpdir(), "rhai-launcher-"));
    mkdirSync(join(copy, "dist"));
    cpSync(join(root, "dist/cli"), join(copy, "dist/cli"), { recursive: true });
    cpSync(join(root, "dist/rhai"), join(copy, "dist/rhai"), { recursive: true });
    const bundle = join(copy, "dist/cli/rhai-main.bundle.cjs");
    writeFileSync(bundle, '#!/usr/bin/env node\nprocess.stdout.write("from the bundle\\n");\n');
    const input = "dist/rhai/engine.js";
    const s = statSync(join(copy, input));
    writeFileSync(
      `${bundle}.json`,
      JSON.stringify({ inputs: [{ path: input, size: s.size, mtimeMs: s.mtimeMs }] }),
    );
    const launch = () =>
      spawnSync(process.execPath, [join(copy, "dist/cli/rhai.js"), "eval", "40 + 2"], {
        encoding: "utf8",
      }).stdout;
    expect(launch()).toBe("from the bundle\n");
    // The V8 code cache was written beside the bundle at exit.
    expect(statSync(`${bundle}.cache`).size).toBeGreaterThan(0);
    // A rebuilt module (new modification time) makes the bundle stale: the modules run.
    utimesSync(join(copy, input), new Date(), new Date(Date.now() + 5000));
    expect(launch()).toBe("42\n");
  });
});

// docs/sal.md is rendered from the declarations; this keeps the committed page in step.
// Regenerate after changing a declaration: UPDATE_SAL_DOCS=1 npx vitest run test/sal/reference.test.ts

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Engine } from "../../src/rhai/index.js";
import { renderSalReference, salModules } from "../../src/sal/index.js";

const PAGE = new URL("../../docs/sal.md", import.meta.url);

describe("SAL reference", () => {
  const rendered = renderSalReference(salModules);

  test("docs/sal.md equals the rendering of the declarations", () => {
    if (process.env.UPDATE_SAL_DOCS === "1") writeFileSync(PAGE, rendered);
    expect(readFileSync(PAGE, "utf8")).toBe(rendered);
  });

  test("every function the issue names is declared, documented and has an example", () => {
    const names = new Set(salModules.flatMap((m) => m.functions.map((f) => f.name)));
    const required = [
      ...["exist", "file_size", "copy", "copy_bin", "delete", "mkdir", "mv", "rsync", "chdir"],
      ...["file_read", "file_write", "file_write_append", "find_file", "find_files", "find_dir"],
      ...["find_dirs", "which", "cmd_ensure_exists", "chmod_exec", "download", "download_file"],
      ...["platform_is_linux", "platform_is_osx", "platform_is_arm", "platform_is_x86"],
      ...[
        "package_install",
        "package_remove",
        "package_update",
        "package_list",
        "package_is_installed",
      ],
      ...[
        "run_command",
        "run_silent",
        "run_with_options",
        "run",
        "kill",
        "process_list",
        "process_get",
      ],
      ...["tcp_check", "tcp_ping", "http_check", "http_status", "http_get"],
      ...["redis_ping", "redis_set", "redis_get", "redis_del", "redis_hset", "redis_hget"],
      ...[
        "redis_hgetall",
        "redis_hdel",
        "redis_rpush",
        "redis_lpush",
        "redis_llen",
        "redis_lrange",
      ],
      ...["pg_connect", "pg_ping", "pg_execute", "pg_query", "pg_query_one"],
      ...["dedent", "prefix", "name_fix", "path_fix", "render_template"],
    ];
    expect(required.filter((n) => !names.has(n))).toEqual([]);
    for (const m of salModules) {
      for (const f of m.functions) {
        expect(f.doc, `${m.name}.${f.name}`).toMatch(/\S/);
        expect(f.example, `${m.name}.${f.name}`).toMatch(/\S/);
        expect(rendered).toContain(`${f.name}(${f.params.join(", ")}) -> ${f.returns}`);
      }
    }
  });

  test("every example is valid Rhai (it parses)", () => {
    const engine = new Engine();
    for (const m of salModules) {
      for (const f of m.functions) {
        expect(() => engine.compile(f.example), `${m.name}.${f.name}: ${f.example}`).not.toThrow();
      }
    }
  });

  test("no two declarations of a module share a name and parameter types", () => {
    for (const m of salModules) {
      const sigs = m.functions.map((f) => `${f.name}(${f.params.join(",")})`);
      expect(
        sigs.filter((s, i) => sigs.indexOf(s) !== i),
        m.name,
      ).toEqual([]);
    }
    const all = salModules.flatMap((m) =>
      m.functions.map((f) => `${f.name}(${f.params.join(",")})`),
    );
    expect(all.filter((s, i) => all.indexOf(s) !== i)).toEqual([]);
  });
});

// docs/sal.md is rendered from the declarations; this keeps the committed page in step.
// Regenerate after changing a declaration: UPDATE_SAL_DOCS=1 npx vitest run test/sal/reference.test.ts

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Engine } from "../../src/rhai/index.js";
import { renderSalReference, salModules } from "../../src/sal/index.js";
import { NOT_PROVIDED, UPSTREAM_NAMES } from "../../src/sal/not-provided.js";

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

  test("every upstream name is declared here or in the page's not-provided table", () => {
    const declared = new Set(salModules.flatMap((m) => m.functions.map((f) => f.name)));
    const excused = new Set(NOT_PROVIDED.flatMap((n) => n.names));
    const missing = Object.entries(UPSTREAM_NAMES).flatMap(([crate, names]) =>
      names.filter((n) => !declared.has(n) && !excused.has(n)).map((n) => `${crate}: ${n}`),
    );
    expect(missing).toEqual([]);
    // A name both provided and excused would leave the table wrong.
    expect([...excused].filter((n) => declared.has(n))).toEqual([]);
    for (const n of NOT_PROVIDED) expect(rendered).toContain(n.reason);
    // The names issue #28 asked for by name.
    for (const name of [
      ...["redis_reset", "pg_reset", "download_install", "package_search", "package_upgrade"],
      ...["package_platform", "package_set_debug", "platform_check_linux_x86"],
      ...["platform_check_macos_arm", "ssh_execute", "ssh_execute_output", "ssh_ping"],
    ]) {
      expect(declared.has(name), name).toBe(true);
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

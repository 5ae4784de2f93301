// The part-2 declarations as the reference page will show them: every function the issue
// names is there with a doc and an example that parses, and no signature clashes with
// another SAL module (all of them share one engine in runner_sal).

import { describe, expect, test } from "vitest";
import { Engine } from "../../src/rhai/index.js";
import hetznerModule from "../../src/sal/hetzner/index.js";
import { renderSalReference, salModules } from "../../src/sal/index.js";
import k8sModule from "../../src/sal/k8s/index.js";
import vmModule from "../../src/sal/vm/index.js";

const part2 = [k8sModule, vmModule, hetznerModule];
const names = (m: (typeof part2)[number]) => new Set(m.functions.map((f) => f.name));

describe("SAL part 2 declarations", () => {
  test("every function the issue names is declared", () => {
    const wanted: [typeof k8sModule, string[]][] = [
      [
        k8sModule,
        [
          "k8s",
          "pods_list",
          "services_list",
          "deployments_list",
          "configmaps_list",
          "secrets_list",
          "namespace_create",
          "namespace_exists",
          "namespaces_list",
          "apply",
          "delete",
          "pod_logs",
          "deploy",
          "wait_ready",
        ],
      ],
      [
        vmModule,
        [
          "vm",
          "cpus",
          "memory",
          "disk",
          "cloud_init",
          "port_forward",
          "start",
          "stop",
          "status",
          "info",
          "delete",
          "vm_list",
        ],
      ],
      [
        hetznerModule,
        [
          "hetzner",
          "servers_list",
          "server_get",
          "server_create",
          "server_delete",
          "server_reboot",
          "server_poweroff",
          "server_poweron",
          "ssh_keys_list",
          "ssh_key_create",
          "images_list",
          "server_types_list",
        ],
      ],
    ];
    for (const [m, fns] of wanted)
      expect(
        fns.filter((f) => !names(m).has(f)),
        m.name,
      ).toEqual([]);
  });

  test("each has a doc and an example that parses as Rhai", () => {
    const engine = new Engine();
    for (const m of part2) {
      expect(m.description).toMatch(/\S/);
      for (const f of m.functions) {
        expect(f.doc, `${m.name}.${f.name}`).toMatch(/\S/);
        expect(() => engine.compile(f.example), `${m.name}.${f.name}: ${f.example}`).not.toThrow();
      }
    }
  });

  test("no signature is declared twice, within part 2 or against part 1", () => {
    const all = [...salModules.filter((m) => !part2.some((p) => p.name === m.name)), ...part2];
    const sigs = all.flatMap((m) => m.functions.map((f) => `${f.name}(${f.params.join(",")})`));
    expect(sigs.filter((s, i) => sigs.indexOf(s) !== i)).toEqual([]);
  });

  test("the reference page renders them", () => {
    const page = renderSalReference([...salModules, ...part2]);
    expect(page).toContain("## Module `k8s`");
    expect(page).toContain("wait_ready(K8sManager, string, string, i64) -> bool");
    expect(page).toContain("stop(VmBuilder, i64) -> map");
    expect(page).toContain(
      "server_create(HetznerClient, string, string, string, string, array, string) -> map",
    );
  });
});

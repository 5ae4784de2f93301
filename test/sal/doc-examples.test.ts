// Examples from docs/sal.md run in the real sandbox with the SAL modules, as a job's script:
// the page's job-environment example, and the command builder's env examples (which, as the
// page first had them, built a command and never ran it).

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { renderSalReference, salModuleSpecs, salModules } from "../../src/sal/index.js";
import { JOB_WORLD_EXAMPLE } from "../../src/sal/reference.js";
import { createSandbox, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({ modules: salModuleSpecs(), size: 1 });
});
afterAll(async () => {
  await sandbox.close();
});

async function runScript(source: string, envVars: Record<string, string> = {}) {
  const lines: string[] = [];
  const result = await sandbox.run(
    {
      source,
      jobId: "doc-job-1",
      callerId: "alice",
      contextId: "ctx-9",
      signatories: ["ab12"],
      envVars,
    },
    { timeoutMs: 20_000, onLog: (l) => lines.push(l) },
  );
  return { result, lines };
}

describe("docs/sal.md examples", () => {
  test("the job environment example prints what the page says", async () => {
    expect(renderSalReference()).toContain(JOB_WORLD_EXAMPLE);
    const { lines } = await runScript(JOB_WORLD_EXAMPLE, { REGION: "us-east" });
    expect(lines).toEqual([
      "job doc-job-1 from alice in ctx-9",
      "region us-east, signed by 1 key(s)",
      "us-east\n",
    ]);
    const unset = await runScript(JOB_WORLD_EXAMPLE);
    expect(unset.lines[1]).toBe("region eu, signed by 1 key(s)");
  });

  test("the env examples of the command builder run the command and print x", async () => {
    const examples = salModules
      .flatMap((m) => m.functions)
      .filter((f) => f.name === "env")
      .map((f) => f.example);
    expect(examples).toHaveLength(2);
    for (const example of examples) {
      const { lines } = await runScript(example);
      expect(lines, example).toEqual(["x", "x\n"]); // the command's own line, then print
    }
  });
});

// The environment example of docs/osiris.md runs as the page says, in a real sandbox worker.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { createSandbox } from "../../src/sandbox/index.js";
import { scriptJob } from "./helpers.js";

const page = readFileSync(new URL("../../docs/osiris.md", import.meta.url), "utf8");

test("docs/osiris.md's environment example gives the output and log it states", async () => {
  const example = /<!-- example: environment[^\n]*-->\n```rhai\n([\s\S]*?)```/.exec(page)?.[1];
  expect(example, "the example block").toBeDefined();
  const stated = /the job's output\s+is `([^`]+)`/.exec(page)?.[1];
  expect(stated).toBe("eu unset team-7 signed by 1");
  const sandbox = await createSandbox({ modules: [], size: 1, inline: false });
  try {
    const lines: string[] = [];
    const job = scriptJob(example as string, {
      envVars: { ZONE: "eu" },
      contextId: "team-7",
      callerId: "ann",
      signatories: [`02${"ab".repeat(32)}`],
    });
    const out = await sandbox.run(job, { onLog: (l) => lines.push(l) });
    expect(out).toBe(stated);
    expect(lines).toEqual([`job ${job.jobId} for ann`]);
  } finally {
    await sandbox.close();
  }
});

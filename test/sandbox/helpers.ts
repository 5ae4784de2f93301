// Shared pieces of the sandbox tests.
import { randomUUID } from "node:crypto";
import type { ScriptJob } from "../../src/sandbox/index.js";

export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

export function scriptJob(source: string, extra: Partial<ScriptJob> = {}): ScriptJob {
  return {
    source,
    jobId: randomUUID(),
    callerId: "tester",
    contextId: "ctx-1",
    signatories: ["02aa", "03bb"],
    envVars: {},
    ...extra,
  };
}

/** The failure a promise rejects with (fails the test if it resolves). */
export async function failureOf(p: Promise<unknown>): Promise<Error & { errorKind?: string }> {
  try {
    const value = await p;
    throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
  } catch (e) {
    return e as Error & { errorKind?: string };
  }
}

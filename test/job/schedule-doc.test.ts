// docs/protocol.md, section 10: the schedule test vector is what the code computes (the
// signed bytes, their hash, the deterministic signature, the first occurrence and its job).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import {
  canonicalBytes,
  checkOccurrence,
  jobToHash,
  nextOccurrence,
  occurrenceFields,
  occurrenceId,
  occurrenceJob,
  parseSchedule,
  publicKeyOf,
  scheduleBytes,
  signSchedule,
} from "../../src/job/index.js";

const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

function vector(name: string): string {
  const match = new RegExp(`<!-- vector: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(
    doc,
  );
  if (!match) throw new Error(`docs/protocol.md has no vector "${name}"`);
  return match[1] as string;
}

const schedule = parseSchedule(JSON.parse(vector("schedule")));
const key = vector("private_key");

test("the schedule's signed bytes, their hash and its signature are the doc's", () => {
  const bytes = scheduleBytes(schedule);
  expect(Buffer.from(bytes).toString("utf8")).toBe(vector("schedule_bytes"));
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(vector("schedule_sha256"));
  expect(signSchedule(schedule, key).signatures).toEqual([
    { public_key: publicKeyOf(key), signature: vector("schedule_signature") },
  ]);
});

test("the first occurrence, its id and its job are the doc's, and a runner accepts it", () => {
  const t = nextOccurrence(schedule, Date.parse(schedule.created_at)) as number;
  expect(occurrenceId(schedule.name, t)).toBe(vector("occurrence_id"));
  const job = occurrenceJob(schedule, t);
  expect(Buffer.from(canonicalBytes(job)).toString("utf8")).toBe(vector("occurrence_job"));
  const signed = signSchedule(schedule, key);
  const hash = { ...jobToHash(job), ...occurrenceFields(JSON.stringify(signed), t) };
  const policy = {
    runnerId: "sal1",
    trustedKeys: new Set([publicKeyOf(key)]),
    maxJobAgeS: 3600,
    clockSkewS: 60,
  };
  expect(checkOccurrence(hash, policy, new Date(t + 1000))).toMatchObject({
    ok: true,
    job,
    signatories: [publicKeyOf(key)],
  });
});

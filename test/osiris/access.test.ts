// Access lists against real Redis: ownership by the first writer, roles, denials that say
// which key lacks which right, and the race of two first writers.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { errorKindOf } from "../../src/job/index.js";
import { AccessControl, ContextKeys } from "../../src/osiris/index.js";
import { connect, publicKey, removeNamespace, uniqueNamespace } from "./helpers.js";

let redis: Redis;
let ns: string;
let acl: AccessControl;
const owner = publicKey();
const writer = publicKey();
const reader = publicKey();
const stranger = publicKey();

async function denial(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(errorKindOf(e)).toBe("unauthorized");
    return (e as Error).message;
  }
  throw new Error("expected a denial");
}

beforeAll(() => {
  redis = connect();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  ns = uniqueNamespace();
  acl = new AccessControl(redis, new ContextKeys("ctx", ns), "ctx");
});
afterEach(async () => {
  await removeNamespace(redis, ns);
});

describe("AccessControl", () => {
  test("a context without a list is open for reading; the first writer becomes its admin", async () => {
    expect(await acl.list()).toBeUndefined();
    expect(await acl.require([stranger], "read")).toBe("open");
    expect(await acl.require([owner], "write")).toBe("claimed");
    expect(await acl.list()).toEqual({ admins: [owner], writers: [], readers: [] });
    expect(await acl.require([owner], "admin")).toBe("granted");
    const message = await denial(acl.require([stranger], "read"));
    expect(message).toBe(
      `key ${stranger} lacks the read right on context 'ctx': it is not in the access list`,
    );
  });

  test("readers read, writers write, only admins change the list", async () => {
    await acl.replace([owner], { admins: [owner], writers: [writer], readers: [reader] });
    expect(await acl.require([reader], "read")).toBe("granted");
    expect(await acl.require([writer], "read")).toBe("granted");
    expect(await acl.require([writer], "write")).toBe("granted");
    expect(await denial(acl.require([reader], "write"))).toBe(
      `key ${reader} lacks the write right on context 'ctx': it is only a reader`,
    );
    expect(await denial(acl.grant([writer], "writer", stranger))).toBe(
      `key ${writer} lacks the admin right on context 'ctx': it is only a writer`,
    );
    expect(
      await denial(acl.replace([stranger], { admins: [stranger], writers: [], readers: [] })),
    ).toContain(`key ${stranger} lacks the admin right`);
    // The refused change changed nothing.
    expect(await acl.list()).toEqual({ admins: [owner], writers: [writer], readers: [reader] });
  });

  test("any one signatory with the right is enough; a denial names every key", async () => {
    await acl.replace([owner], { admins: [owner], writers: [], readers: [reader] });
    expect(await acl.require([stranger, reader], "read")).toBe("granted");
    const message = await denial(acl.require([stranger, reader], "write"));
    expect(message).toBe(
      `none of the job's signatories has the write right on context 'ctx': ${stranger} is not in the access list; ${reader} is only a reader`,
    );
  });

  test("grant and revoke; the last admin stays", async () => {
    await acl.require([owner], "write");
    await acl.grant([owner], "reader", stranger.toUpperCase());
    expect(await acl.require([stranger], "read")).toBe("granted");
    await acl.revoke([owner], stranger);
    await denial(acl.require([stranger], "read"));
    await expect(acl.revoke([owner], owner)).rejects.toThrow(
      "context 'ctx' must keep at least one admin",
    );
    await acl.grant([owner], "admin", writer);
    await acl.revoke([writer], owner);
    expect(await acl.list()).toEqual({ admins: [writer], writers: [], readers: [] });
  });

  test("a job without signatories cannot write, and bad keys are refused", async () => {
    expect(await denial(acl.require([], "write"))).toBe(
      "the job has no signatories, so it lacks the write right on context 'ctx'",
    );
    expect(await acl.list()).toBeUndefined();
    await expect(
      acl.replace([owner], { admins: ["zz"], writers: [], readers: [] }),
    ).rejects.toThrow('invalid public key "zz"');
    await expect(
      acl.replace([owner], { admins: [], writers: [writer], readers: [] }),
    ).rejects.toThrow("at least one admin");
  });

  test("of many racing first writers exactly one becomes the admin", async () => {
    const keys = Array.from({ length: 8 }, () => publicKey());
    const conns = keys.map(() => connect());
    try {
      const results = await Promise.allSettled(
        keys.map((k, i) =>
          new AccessControl(conns[i] as Redis, new ContextKeys("ctx", ns), "ctx").require(
            [k],
            "write",
          ),
        ),
      );
      const winners = keys.filter((_, i) => results[i]?.status === "fulfilled");
      expect(winners).toHaveLength(1);
      expect(await acl.list()).toEqual({ admins: winners, writers: [], readers: [] });
      for (const r of results)
        if (r.status === "rejected") expect(errorKindOf(r.reason)).toBe("unauthorized");
    } finally {
      await Promise.all(conns.map((c) => c.quit()));
    }
  });
});

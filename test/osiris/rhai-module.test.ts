// The host module's functions, called as the sandbox calls them: worker-side functions
// with a worker context, main-side ones with a main context over real Redis. A worker-side
// call of `ctx.callMain` is answered by running the named main-side function, as the bridge
// does (here the worker-side function returns the answer through a promise instead of
// blocking, since the test runs both sides on one thread).
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type {
  HostFunction,
  HostJobInfo,
  MainFunction,
  MainSideContext,
  WorkerSideContext,
} from "../../src/host/index.js";
import { errorKindOf } from "../../src/job/index.js";
import { osirisModule } from "../../src/osiris/index.js";
import {
  FnPtr,
  RHAI_TYPE_NAME,
  type RhaiMap,
  RhaiRuntimeError,
  typeName,
  type Value,
} from "../../src/rhai/index.js";
import { connect, publicKey, REDIS_URL, removeNamespace, uniqueNamespace } from "./helpers.js";

/** Picks the overload whose params fit the arguments, as the engine resolves a call. */
function resolve(name: string, args: Value[], side?: "worker" | "main"): HostFunction {
  const fn = osirisModule.functions.find(
    (f) =>
      f.name === name &&
      (side === undefined || f.side === side) &&
      f.params.length === args.length &&
      f.params.every((p, i) => p === "any" || p === typeName(args[i])),
  );
  if (!fn) throw new Error(`no ${name}(${args.map(typeName).join(", ")}) in the osiris module`);
  return fn;
}

/** One job's view of the module: its identity, the module's shared state, its log. */
class Job {
  readonly logs: string[] = [];
  readonly info: HostJobInfo;

  constructor(
    readonly shared: Map<string, unknown>,
    options: { contextId: string; signatories: string[]; namespace: string; dataUrl?: string },
  ) {
    this.info = {
      jobId: "job-1",
      callerId: "tester",
      contextId: options.contextId,
      signatories: options.signatories,
      envVars: {},
      options: { dataUrl: options.dataUrl ?? REDIS_URL, namespace: options.namespace },
    };
  }

  mainContext(): MainSideContext {
    return {
      job: this.info,
      signal: new AbortController().signal,
      log: (line) => this.logs.push(line),
      onJobEnd: () => {},
      shared: this.shared,
    };
  }

  /** Calls a script-visible function by name, running a bridged main-side call if it makes one. */
  async call(name: string, ...args: Value[]): Promise<Value> {
    const fn = resolve(name, args);
    if (fn.side === "main") return await fn.run(this.mainContext(), args);
    let bridged: Promise<Value> | undefined;
    const ANSWER_LATER = Symbol("answered by the bridge") as unknown as Value;
    const ctx: WorkerSideContext = {
      job: this.info,
      log: (line) => this.logs.push(line),
      callMain: (qualified, callArgs) => {
        const [module, fnName] = qualified.split(".");
        expect(module).toBe(osirisModule.name);
        const target = resolve(fnName as string, callArgs, "main") as MainFunction;
        bridged = Promise.resolve(
          target.run(this.mainContext(), callArgs) as Value | Promise<Value>,
        );
        return ANSWER_LATER;
      },
    };
    const result = fn.run(ctx, args);
    if (result === ANSWER_LATER && bridged) return await bridged;
    return result;
  }
}

let ns: string;
let shared: Map<string, unknown>;
const owner = publicKey();
const reader = publicKey();
const stranger = publicKey();

function job(signatories: string[], contextId = "ctx-1"): Job {
  return new Job(shared, { contextId, signatories, namespace: ns });
}

beforeEach(() => {
  ns = uniqueNamespace();
  shared = new Map();
});
afterEach(async () => {
  await osirisModule.close?.(shared);
  expect(shared.size).toBe(0);
  const redis = connect();
  await removeNamespace(redis, ns);
  await redis.quit();
});

describe("the osiris host module", () => {
  test("declares every function with a doc and an example, main-side names once each", () => {
    for (const f of osirisModule.functions) {
      expect(f.doc, f.name).not.toBe("");
      expect(f.example, f.name).not.toBe("");
    }
    const main = osirisModule.functions.filter((f) => f.side === "main").map((f) => f.name);
    expect(new Set(main).size).toBe(main.length);
    const signatures = osirisModule.functions.map((f) => `${f.name}(${f.params.join(",")})`);
    expect(new Set(signatures).size).toBe(signatures.length);
  });

  test("builders are values: setters return changed copies, getters read fields", async () => {
    const j = job([owner]);
    const n = await j.call("note", "notes");
    expect((n as { [RHAI_TYPE_NAME]: string })[RHAI_TYPE_NAME]).toBe("Note");
    const titled = await j.call("title", n, "Hello");
    const tagged = await j.call("tag", titled, "topic", "rust");
    expect(await j.call("get$title", n)).toBeUndefined();
    expect(await j.call("get$title", tagged)).toBe("Hello");
    expect(((await j.call("get$tags", tagged)) as RhaiMap).get("topic")).toBe("rust");
    expect(await j.call("get$ns", tagged)).toBe("notes");
    const asMap = (await j.call("to_map", tagged)) as RhaiMap;
    expect([...asMap.keys()]).toEqual(["type", "ns", "title", "tags"]);
    await expect(j.call("title", n, 5)).rejects.toThrow("Note.title must be a string, not i64");
    await expect(j.call("note", "bad ns")).rejects.toThrow('invalid namespace "bad ns"');
    const ev = await j.call(
      "attendee",
      await j.call("attendee", await j.call("event", "cal"), "ann"),
      "bob",
    );
    expect(await j.call("get$attendees", ev)).toEqual(["ann", "bob"]);
  });

  test("save, get by id, find by title, by tag and by words, count and list", async () => {
    const j = job([owner]);
    const ctx = await j.call("get_context");
    expect(await j.call("get$context_id", ctx)).toBe("ctx-1");
    expect(await j.call("get$signatories", ctx)).toEqual([owner]);
    let n = await j.call("note", "notes");
    n = await j.call("title", n, "Groceries");
    n = await j.call("content", n, "milk and eggs");
    n = await j.call("tag", n, "topic", "home");
    const id = (await j.call("save", ctx, n)) as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // A second job (same context, same signer) reads it back.
    const k = job([owner]);
    const kctx = await k.call("get_context");
    const got = (await k.call("get", kctx, "notes", id)) as RhaiMap;
    expect(got.get("title")).toBe("Groceries");
    expect(got.get("content")).toBe("milk and eggs");
    expect(typeof got.get("created_at")).toBe("number");
    const ids = (objs: Value) => (objs as RhaiMap[]).map((o) => o.get("id"));
    expect(ids(await k.call("query", kctx, "notes", "title", "Groceries"))).toEqual([id]);
    expect(ids(await k.call("query", kctx, "notes", "tags:topic", "home"))).toEqual([id]);
    expect(ids(await k.call("search", kctx, "notes", "EGGS groceries"))).toEqual([id]);
    expect(await k.call("count", kctx, "notes")).toBe(1);
    expect(ids(await k.call("list", kctx, "notes"))).toEqual([id]);
    expect(await k.call("get", kctx, "notes", "unknown-id")).toBeUndefined();
  });

  test("an object read back, changed and saved moves in the index; delete empties it", async () => {
    const j = job([owner]);
    const ctx = await j.call("get_context");
    const id = await j.call(
      "save",
      ctx,
      await j.call("title", await j.call("note", "notes"), "Old"),
    );
    const got = (await j.call("get", ctx, "notes", id)) as RhaiMap;
    got.set("title", "New");
    expect(await j.call("save", ctx, got)).toBe(id);
    expect(await j.call("query", ctx, "notes", "title", "Old")).toEqual([]);
    expect(await j.call("query", ctx, "notes", "title", "New")).toHaveLength(1);
    expect(await j.call("delete", ctx, "notes", id)).toBe(true);
    expect(await j.call("query", ctx, "notes", "title", "New")).toEqual([]);
    expect(await j.call("count", ctx, "notes")).toBe(0);
  });

  test("generic objects: the script declares what is indexed", async () => {
    const j = job([owner]);
    const ctx = await j.call("get_context");
    let o = await j.call("object", "things");
    o = await j.call("set", o, "color", "red");
    o = await j.call("set", o, "size", 3);
    o = await j.call("index", o, "size");
    const id = await j.call("save", ctx, o);
    expect(
      ((await j.call("query", ctx, "things", "size", 3)) as RhaiMap[]).map((x) => x.get("id")),
    ).toEqual([id]);
    expect(await j.call("query", ctx, "things", "color", "red")).toEqual([]);
    await expect(j.call("set", o, "id", "x")).rejects.toThrow('"id" cannot be set with set()');
    await expect(j.call("set", o, "f", new FnPtr("x"))).rejects.toThrow(
      "OsirisObject.f is a Fn, which cannot be stored",
    );
    const big = await j.call("set", o, "big", 2n ** 60n);
    expect(await j.call("to_string", big)).toBe(
      'OsirisObject(things/new) {"color":"red","size":3,"big":1152921504606846976}',
    );
  });

  test("validation errors are catchable script errors, not job failures", async () => {
    const j = job([owner]);
    const ctx = await j.call("get_context");
    const e = await j.call(
      "start_time",
      await j.call("title", await j.call("event", "cal"), "Standup"),
      200,
    );
    const bad = await j.call("end_time", e, 100);
    const err = await j.call("save", ctx, bad).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(RhaiRuntimeError);
    expect((err as Error).message).toBe("invalid Event: end_time (100) is before start_time (200)");
  });

  test("a reader cannot write and a stranger cannot read: unauthorized, naming the key", async () => {
    const o = job([owner]);
    const octx = await o.call("get_context");
    await o.call("save", octx, await o.call("title", await o.call("note", "notes"), "Mine"));
    await o.call("grant", octx, "reader", reader);
    expect(await o.call("access", octx)).toEqual(
      new Map([
        ["admins", [owner]],
        ["writers", []],
        ["readers", [reader]],
      ]),
    );

    await expect(o.call("grant", octx, "constructor", reader)).rejects.toThrow(
      'unknown role "constructor"',
    );

    const r = job([reader]);
    const rctx = await r.call("get_context");
    expect(await r.call("count", rctx, "notes")).toBe(1);
    const denied = await r
      .call("save", rctx, await r.call("note", "notes"))
      .catch((x: unknown) => x);
    expect(errorKindOf(denied)).toBe("unauthorized");
    expect((denied as Error).message).toBe(
      `key ${reader} lacks the write right on context 'ctx-1': it is only a reader`,
    );
    expect(errorKindOf(await r.call("delete", rctx, "notes", "x").catch((x: unknown) => x))).toBe(
      "unauthorized",
    );

    const s = job([stranger]);
    const sctx = await s.call("get_context");
    const notRead = await s.call("query", sctx, "notes", "title", "Mine").catch((x: unknown) => x);
    expect(errorKindOf(notRead)).toBe("unauthorized");
    expect((notRead as Error).message).toContain(`key ${stranger} lacks the read right`);
    expect(
      errorKindOf(
        await s
          .call("set_access", sctx, new Map([["admins", [stranger]]]))
          .catch((x: unknown) => x),
      ),
    ).toBe("unauthorized");
  });

  test("contexts are apart: the same id in two contexts, and another context's owner", async () => {
    const a = job([owner], "ctx-a");
    const b = job([stranger], "ctx-b");
    const actx = await a.call("get_context");
    const bctx = await b.call("get_context");
    await a.call(
      "save",
      actx,
      await a.call("title", await a.call("id", await a.call("note", "notes"), "same"), "A"),
    );
    await b.call(
      "save",
      bctx,
      await b.call("title", await b.call("id", await b.call("note", "notes"), "same"), "B"),
    );
    expect(((await a.call("get", actx, "notes", "same")) as RhaiMap).get("title")).toBe("A");
    expect(((await b.call("get", bctx, "notes", "same")) as RhaiMap).get("title")).toBe("B");
  });

  test("a store that cannot be reached fails the job as internal", async () => {
    const j = new Job(shared, {
      contextId: "c",
      signatories: [owner],
      namespace: ns,
      dataUrl: "redis://127.0.0.1:1",
    });
    const err = await j.call("osiris_count", "notes").catch((x: unknown) => x);
    expect(errorKindOf(err)).toBe("internal");
    expect((err as Error).message).toMatch(/^osiris store: /);
  });
});

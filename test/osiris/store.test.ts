// The store against real Redis: round trips, index moves, deletes, isolation of contexts,
// and concurrent writers.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ContextStore, prepareObject } from "../../src/osiris/index.js";
import type { RhaiMap, Value } from "../../src/rhai/index.js";
import { connect, keysUnder, removeNamespace, uniqueNamespace } from "./helpers.js";

function map(entries: Record<string, Value>): RhaiMap {
  return new Map(Object.entries(entries));
}

function note(fields: Record<string, Value>): ReturnType<typeof prepareObject> {
  return prepareObject(map({ type: "note", ns: "notes", ...fields }));
}

let redis: Redis;
let ns: string;
let store: ContextStore;

beforeAll(() => {
  redis = connect();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  ns = uniqueNamespace();
  store = new ContextStore(redis, "ctx-a", ns);
});
afterEach(async () => {
  await removeNamespace(redis, ns);
});

describe("ContextStore", () => {
  test("saves a note and reads it back by id with the store's times", async () => {
    const before = Math.floor(Date.now() / 1000) - 5;
    const saved = await store.save(
      note({ title: "Groceries", content: "milk", tags: map({ topic: "home" }) }),
    );
    expect(saved.created).toBe(true);
    const got = await store.get("notes", saved.id);
    expect(got?.get("id")).toBe(saved.id);
    expect(got?.get("title")).toBe("Groceries");
    expect(got?.get("content")).toBe("milk");
    expect((got?.get("tags") as RhaiMap | undefined)?.get("topic")).toBe("home");
    expect(got?.get("created_at")).toBe(saved.createdAt);
    expect(got?.get("modified_at")).toBe(saved.modifiedAt);
    expect(saved.createdAt).toBeGreaterThanOrEqual(before);
    expect(await store.get("notes", "no-such-id")).toBeUndefined();
  });

  test("keys live under the runner namespace and the context's hash tag", async () => {
    const { id } = await store.save(note({ id: "n1", title: "T", tags: map({ k: "v" }) }));
    expect(await keysUnder(redis, ns)).toEqual(
      [
        `${ns}:osiris:{ctx-a}:notes:field:tags:k:v`,
        `${ns}:osiris:{ctx-a}:notes:field:title:T`,
        `${ns}:osiris:{ctx-a}:notes:meta:${id}`,
        `${ns}:osiris:{ctx-a}:notes:obj:${id}`,
        `${ns}:osiris:{ctx-a}:notes:scan:index`,
      ].sort(),
    );
  });

  test("finds by title and by tag; a field nothing indexes finds nothing", async () => {
    const a = await store.save(note({ title: "Alpha", tags: map({ topic: "rust" }) }));
    const b = await store.save(note({ title: "Beta", tags: map({ topic: "rust", level: "1" }) }));
    expect((await store.query("notes", "title", "Alpha")).map((o) => o.get("id"))).toEqual([a.id]);
    expect(
      (await store.query("notes", "tags:topic", "rust")).map((o) => o.get("id")).sort(),
    ).toEqual([a.id, b.id].sort());
    expect((await store.query("notes", "tags:level", 1)).map((o) => o.get("id"))).toEqual([b.id]);
    expect(await store.query("notes", "content", "x")).toEqual([]);
    await expect(store.query("notes", "bad field", "x")).rejects.toThrow(
      'invalid field name "bad field"',
    );
  });

  test("updating a title moves the object in the index and keeps created_at", async () => {
    const first = await store.save(note({ id: "n1", title: "Old", tags: map({ a: "1", b: "2" }) }));
    const second = await store.save(note({ id: "n1", title: "New", tags: map({ a: "1" }) }));
    expect(second.created).toBe(false);
    expect(second.createdAt).toBe(first.createdAt);
    expect(await store.query("notes", "title", "Old")).toEqual([]);
    expect((await store.query("notes", "title", "New")).map((o) => o.get("title"))).toEqual([
      "New",
    ]);
    expect(await store.query("notes", "tags:b", "2")).toEqual([]);
    expect(await store.query("notes", "tags:a", "1")).toHaveLength(1);
    expect(await store.count("notes")).toBe(1);
    // The emptied index sets are gone, not left behind empty.
    expect(await redis.exists(`${ns}:osiris:{ctx-a}:notes:field:title:Old`)).toBe(0);
  });

  test("delete removes the object from every index", async () => {
    const { id } = await store.save(
      note({ title: "Gone", content: "soon", tags: map({ t: "x" }) }),
    );
    const kept = await store.save(note({ title: "Kept", tags: map({ t: "x" }) }));
    expect(await store.delete("notes", id)).toBe(true);
    expect(await store.delete("notes", id)).toBe(false);
    expect(await store.get("notes", id)).toBeUndefined();
    expect(await store.query("notes", "title", "Gone")).toEqual([]);
    expect((await store.query("notes", "tags:t", "x")).map((o) => o.get("id"))).toEqual([kept.id]);
    expect(await store.search("notes", "soon")).toEqual([]);
    expect(await store.count("notes")).toBe(1);
    const left = await keysUnder(redis, ns);
    expect(left.filter((k) => k.includes(id))).toEqual([]);
    for (const k of left.filter((key) => key.includes(":field:"))) {
      expect(await redis.sismember(k, id)).toBe(0);
    }
  });

  test("two contexts hold the same ids without collision", async () => {
    const other = new ContextStore(redis, "ctx-b", ns);
    await store.save(note({ id: "same", title: "In A" }));
    await other.save(note({ id: "same", title: "In B" }));
    expect((await store.get("notes", "same"))?.get("title")).toBe("In A");
    expect((await other.get("notes", "same"))?.get("title")).toBe("In B");
    expect(await store.query("notes", "title", "In B")).toEqual([]);
    expect(await store.count("notes")).toBe(1);
    await other.delete("notes", "same");
    expect((await store.get("notes", "same"))?.get("title")).toBe("In A");
  });

  test("a context id cannot reach into another context's keys", async () => {
    // Without encoding, "x}:notes:obj:y" or ":" tricks could land in other keys.
    const tricky = new ContextStore(redis, "ctx-a}:notes", ns);
    await store.save(note({ id: "n1", title: "secret" }));
    expect(await tricky.get("notes", "n1")).toBeUndefined();
    expect(tricky.keys.root).toBe(`${ns}:osiris:{ctx-a%7D%3Anotes}:`);
  });

  test("an id holding one type cannot be overwritten by another", async () => {
    await store.save(note({ id: "x1", title: "a note" }));
    await expect(
      store.save(
        prepareObject(map({ type: "event", ns: "notes", id: "x1", title: "e", start_time: 1 })),
      ),
    ).rejects.toThrow(
      "id x1 in namespace notes holds an object of type note: cannot save one of type event over it",
    );
  });

  test("an object written by another client keeps its created_at and type", async () => {
    // Not in the order this store writes: the save script must decode it.
    const raw =
      '{"type":"note","ns":"notes","id":"ext","title":"T","created_at":123,"modified_at":124}';
    await redis.set(store.keys.object("notes", "ext"), raw);
    const saved = await store.save(note({ id: "ext", title: "U" }));
    expect(saved.created).toBe(false);
    expect(saved.createdAt).toBe(123);
    await redis.set(store.keys.object("notes", "ext2"), raw.replace('"note"', '"event"'));
    await expect(store.save(note({ id: "ext2", title: "x" }))).rejects.toThrow(
      "holds an object of type event",
    );
  });

  test("a query value must be indexable, a search needs a word", async () => {
    await expect(store.query("notes", "title", [])).rejects.toThrow(
      "a query compares with a string, number or bool, not array",
    );
    await expect(store.search("notes", "  ")).rejects.toThrow("a search needs at least one word");
  });

  test("search: every word, any case, over indexed and text fields", async () => {
    const a = await store.save(note({ title: "Shopping", content: "Milk, eggs and bread" }));
    await store.save(note({ title: "Work", content: "eggs for the team" }));
    const c = await store.save(note({ title: "Other", tags: map({ where: "Shopping-mall" }) }));
    expect((await store.search("notes", "EGGS milk")).map((o) => o.get("id"))).toEqual([a.id]);
    expect((await store.search("notes", "shopping")).map((o) => o.get("id")).sort()).toEqual(
      [a.id, c.id].sort(),
    );
    expect(await store.search("notes", "nothing-like-this")).toEqual([]);
  });

  test("list is oldest first; generic objects are queried by their declared index", async () => {
    const o = (id: string, size: Value) =>
      prepareObject(
        map({ type: "object", ns: "things", id, size, color: "red", indexed: ["size"] }),
      );
    await store.save(o("b", 3));
    await store.save(o("a", 4));
    const listed = await store.list("things");
    const order = (x: RhaiMap) => `${String(x.get("created_at")).padStart(12, "0")}/${x.get("id")}`;
    expect(listed.map(order)).toEqual(listed.map(order).sort()); // by creation second, then id
    expect(listed.map((x) => x.get("id")).sort()).toEqual(["a", "b"]);
    expect((await store.query("things", "size", "3")).map((x) => x.get("id"))).toEqual(["b"]);
    expect((await store.query("things", "size", 3)).map((x) => x.get("id"))).toEqual(["b"]);
    expect(await store.query("things", "color", "red")).toEqual([]); // not indexed
    expect(await store.ids("things")).toEqual(["a", "b"]);
  });

  test("1,000 notes saved by 4 concurrent writers: count, list and query agree", async () => {
    const writers = [connect(), connect(), connect(), connect()];
    try {
      const ids = await Promise.all(
        writers.map(async (conn, w) => {
          const s = new ContextStore(conn, "ctx-a", ns);
          const mine: string[] = [];
          // Each writer keeps 25 saves in flight at once.
          for (let batch = 0; batch < 10; batch++) {
            const saved = await Promise.all(
              Array.from({ length: 25 }, (_, i) =>
                s.save(
                  note({
                    title: `w${w}-${batch}-${i}`,
                    tags: map({ run: "bulk", writer: String(w) }),
                  }),
                ),
              ),
            );
            mine.push(...saved.map((r) => r.id));
          }
          return mine;
        }),
      );
      const all = ids.flat();
      expect(new Set(all).size).toBe(1000);
      expect(await store.count("notes")).toBe(1000);
      const byTag = await store.query("notes", "tags:run", "bulk");
      expect(byTag).toHaveLength(1000);
      expect(new Set(byTag.map((o) => o.get("id")))).toEqual(new Set(all));
      expect(await store.list("notes")).toHaveLength(1000);
      for (let w = 0; w < 4; w++)
        expect(await store.query("notes", "tags:writer", String(w))).toHaveLength(250);
    } finally {
      await Promise.all(writers.map((c) => c.quit()));
    }
  });

  test("concurrent updates of one object leave it in exactly one title index", async () => {
    const writers = [connect(), connect(), connect(), connect()];
    try {
      await store.save(note({ id: "hot", title: "start" }));
      await Promise.all(
        writers.map((conn, w) => {
          const s = new ContextStore(conn, "ctx-a", ns);
          return Promise.all(
            Array.from({ length: 50 }, (_, i) => s.save(note({ id: "hot", title: `t-${w}-${i}` }))),
          );
        }),
      );
      const final = (await store.get("notes", "hot"))?.get("title");
      const titleKeys = (await keysUnder(redis, ns)).filter((k) => k.includes(":field:title:"));
      expect(titleKeys).toEqual([`${ns}:osiris:{ctx-a}:notes:field:title:${final}`]);
      expect(await redis.smembers(titleKeys[0] as string)).toEqual(["hot"]);
      expect(await store.count("notes")).toBe(1);
    } finally {
      await Promise.all(writers.map((c) => c.quit()));
    }
  });
});

import { describe, expect, test } from "vitest";
import { fromJson, prepareObject } from "../../src/osiris/index.js";
import { Float, type RhaiMap, type Value } from "../../src/rhai/index.js";

function map(entries: Record<string, Value>): RhaiMap {
  return new Map(Object.entries(entries));
}

describe("preparing objects from their model declarations", () => {
  test("a note: indexed title and tags, searched content, JSON body", () => {
    const p = prepareObject(
      map({
        type: "note",
        ns: "notes",
        id: "n1",
        title: "Groceries",
        content: "Milk and EGGS",
        tags: map({ topic: "home", urgent: "yes" }),
      }),
    );
    expect(p.id).toBe("n1");
    expect(p.generatedId).toBe(false);
    expect(p.entries).toEqual([
      "field:title:Groceries",
      "field:tags:topic:home",
      "field:tags:urgent:yes",
    ]);
    expect(p.searchText).toContain("groceries");
    expect(p.searchText).toContain("milk and eggs");
    const body = fromJson(p.body) as RhaiMap;
    expect(body.get("type")).toBe("note");
    expect(body.get("title")).toBe("Groceries");
    expect((body.get("tags") as RhaiMap).get("urgent")).toBe("yes");
  });

  test("an object without an id gets a UUID", () => {
    const p = prepareObject(map({ type: "note", ns: "notes", title: "x" }));
    expect(p.generatedId).toBe(true);
    expect(p.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test("an event is validated: required fields, types, end not before start", () => {
    const ok = prepareObject(
      map({
        type: "event",
        ns: "cal",
        title: "Standup",
        start_time: 100,
        end_time: 200,
        attendees: ["ann", "bob"],
        location: "Room 1",
      }),
    );
    expect(ok.entries).toEqual(["field:title:Standup"]);
    expect(ok.searchText).toContain("ann bob");
    expect(ok.searchText).toContain("room 1");
    expect(() => prepareObject(map({ type: "event", ns: "cal", start_time: 1 }))).toThrow(
      "Event.title is required",
    );
    expect(() => prepareObject(map({ type: "event", ns: "cal", title: "x" }))).toThrow(
      "Event.start_time is required",
    );
    expect(() =>
      prepareObject(map({ type: "event", ns: "cal", title: "x", start_time: "noon" })),
    ).toThrow("Event.start_time must be an integer, not string");
    expect(() =>
      prepareObject(map({ type: "event", ns: "cal", title: "x", start_time: 200, end_time: 100 })),
    ).toThrow("end_time (100) is before start_time (200)");
    expect(() =>
      prepareObject(
        map({ type: "event", ns: "cal", title: "x", start_time: 1, attendees: ["a", 3] }),
      ),
    ).toThrow("Event.attendees[1] must be a string");
  });

  test("store-kept fields are ignored, unknown fields of a closed model are refused", () => {
    const p = prepareObject(
      map({ type: "note", ns: "n", title: "t", created_at: 5, modified_at: 6 }),
    );
    expect((fromJson(p.body) as RhaiMap).has("created_at")).toBe(false);
    expect(() => prepareObject(map({ type: "note", ns: "n", colour: "red" }))).toThrow(
      'Note has no field "colour" (fields: title, content, tags, mime)',
    );
  });

  test("a generic object indexes the fields the script names, keeping value types", () => {
    const p = prepareObject(
      map({
        type: "object",
        ns: "things",
        id: "t1",
        color: "red",
        size: 3,
        price: new Float(2),
        indexed: ["color", "size"],
      }),
    );
    expect(p.entries).toEqual(["field:color:red", "field:size:3"]);
    const body = fromJson(p.body) as RhaiMap;
    expect(body.get("indexed")).toEqual(["color", "size"]);
    expect(body.get("price")).toBeInstanceOf(Float);
    expect(() =>
      prepareObject(map({ type: "object", ns: "t", data: [1], indexed: ["data"] })),
    ).toThrow("OsirisObject.data is indexed, so it must be a string, number or bool, not array");
    expect(() => prepareObject(map({ type: "object", ns: "t", indexed: ["id"] }))).toThrow(
      "reserved",
    );
  });

  test("bad names, types and namespaces get clear errors", () => {
    expect(() => prepareObject(map({ ns: "n" }))).toThrow("needs a `type`");
    expect(() => prepareObject(map({ type: "song", ns: "n" }))).toThrow(
      'unknown object type "song"',
    );
    expect(() => prepareObject(map({ type: "note", ns: "a:b" }))).toThrow(
      'invalid namespace "a:b"',
    );
    expect(() => prepareObject(map({ type: "note", ns: "n", id: "x y" }))).toThrow(
      'invalid id "x y"',
    );
    expect(() => prepareObject(map({ type: "note", ns: "n", tags: map({ "a:b": "c" }) }))).toThrow(
      'invalid tag key "a:b"',
    );
    expect(() => prepareObject(map({ type: "note", ns: "n", title: "x".repeat(2000) }))).toThrow(
      "longer than 1024",
    );
  });
});

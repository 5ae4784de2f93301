// The worker's log outlet: the first lines at once, then at most maxLines a second, the
// newest kept, with a line saying how many were dropped.
import { describe, expect, test } from "vitest";
import { FLUSH_INTERVAL_MS, LogOutlet } from "../../src/sandbox/log-outlet.js";

function outlet(maxLines: number, maxBufferedChars = 1_000_000) {
  const sent: string[] = [];
  let now = 0;
  const o = new LogOutlet(
    { maxLines, maxLineChars: 100, maxBufferedChars },
    (l) => sent.push(l),
    () => now,
  );
  o.reset();
  return { o, sent, tick: (ms: number) => (now += ms) };
}

describe("LogOutlet", () => {
  test("the first maxLines lines go out at once, later ones when the job ends", () => {
    const { o, sent } = outlet(3);
    for (let i = 0; i < 5; i++) o.write(String(i));
    expect(sent).toEqual(["0", "1", "2"]);
    o.flush();
    expect(sent).toEqual(["0", "1", "2", "3", "4"]);
  });

  test("held lines go out with the first line a second after the last send", () => {
    const { o, sent, tick } = outlet(2);
    o.write("a");
    o.write("b");
    tick(FLUSH_INTERVAL_MS - 1);
    o.write("c");
    expect(sent).toEqual(["a", "b"]);
    tick(1);
    o.write("d");
    expect(sent).toEqual(["a", "b", "c", "d"]);
    tick(1);
    o.write("e");
    expect(sent).toEqual(["a", "b", "c", "d"]);
    // A line after a quiet second goes out at once.
    tick(5 * FLUSH_INTERVAL_MS);
    o.write("f");
    expect(sent.at(-1)).toBe("f");
  });

  test("more than maxLines between sends: the newest kept, one line counts the rest", () => {
    const { o, sent } = outlet(3);
    for (let i = 0; i < 3_000; i++) o.write(String(i));
    o.flush();
    expect(sent).toEqual([
      "0",
      "1",
      "2",
      "[2994 log lines dropped here: past its first 3 lines a job's lines are sent at most 3 a second]",
      "2997",
      "2998",
      "2999",
    ]);
  });

  test("held characters are capped too, the newest line always kept", () => {
    const { o, sent } = outlet(1, 10);
    o.write("first");
    for (const line of ["aaaa", "bbbb", "cccc", "dddddddddddddddd"]) o.write(line);
    o.flush();
    expect(sent).toEqual([
      "first",
      "[3 log lines dropped here: past its first 1 lines a job's lines are sent at most 1 a second]",
      "dddddddddddddddd",
    ]);
  });

  test("long lines are cut and a new job starts afresh", () => {
    const { o, sent } = outlet(1);
    o.write("x".repeat(150));
    expect(sent).toEqual([`${"x".repeat(100)} [line cut]`]);
    o.write("held");
    o.reset();
    o.write("next job");
    expect(sent.at(-1)).toBe("next job");
    expect(sent).not.toContain("held");
  });
});

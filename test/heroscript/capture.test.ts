// A child's output is kept within a cap, in the runner's own memory, and split into lines in
// linear time: real processes printing past the cap, and one line far longer than it.
import { describe, expect, test } from "vitest";
import { builtinActions, PlaybookEngine } from "../../src/heroscript/index.js";
import { LINE_CUT_MARK, MAX_CAPTURE_CHARS, runChild } from "../../src/host/index.js";

const CAP = MAX_CAPTURE_CHARS;
const NOTE = `[output cut to its last ${CAP} characters]`;

/** `n` times the letter a, without a newline. */
const letters = (n: number) => `head -c ${n} /dev/zero | tr '\\0' a`;

function sh(cmd: string, onLine?: (line: string) => void) {
  return runChild({
    file: "/bin/sh",
    args: ["-c", cmd],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    ...(onLine ? { onStdoutLine: onLine } : {}),
  });
}

describe("runChild keeps at most MAX_CAPTURE_CHARS of a stream", () => {
  test("the cap is 16 MiB", () => {
    expect(CAP).toBe(16 * 1024 * 1024);
  });

  test("exactly the cap is kept whole, without a note", async () => {
    const out = await sh(letters(CAP));
    expect(out.code).toBe(0);
    expect(out.stdout.length).toBe(CAP);
    expect(out.stdout.startsWith("[output cut")).toBe(false);
  });

  test("one character more: the first is dropped and a note says so", async () => {
    const out = await sh(`printf b; ${letters(CAP)}`);
    expect(out.stdout).toBe(`${NOTE}\n${"a".repeat(CAP)}`);
  });

  test("far more than the cap: the last CAP characters are kept, every line still streamed", async () => {
    // 4 x the cap in lines of 11 characters ("0123456789\n").
    const total = 4 * CAP;
    let lines = 0;
    let last = "";
    const out = await sh(`yes 0123456789 | head -c ${total}`, (line) => {
      lines++;
      last = line;
    });
    expect(out.stdout.length).toBe(NOTE.length + 1 + CAP);
    expect(out.stdout.startsWith(`${NOTE}\n`)).toBe(true);
    expect(out.stdout.endsWith("0123456789\n")).toBe(false); // `head -c` cut the last line
    expect(lines).toBe(Math.ceil(total / 11));
    expect(last).toBe("0123456789".slice(0, total % 11));
  });

  test("a line of 2.5 x the cap is streamed cut at the cap; the next line arrives whole", async () => {
    const seen: string[] = [];
    const out = await sh(`${letters(CAP * 2.5)}; echo; echo after`, (line) => {
      seen.push(line);
    });
    expect(out.code).toBe(0);
    expect(seen.length).toBe(2);
    expect(seen[0]?.length).toBe(CAP + LINE_CUT_MARK.length);
    expect(seen[0]?.endsWith(`a${LINE_CUT_MARK}`)).toBe(true);
    expect(seen[1]).toBe("after");
    expect(out.stdout.length).toBe(NOTE.length + 1 + CAP);
    expect(out.stdout.endsWith("a\nafter\n")).toBe(true);
  });
});

describe("a play's output is capped too", () => {
  test("!!process.run printing 2 x the cap: the output keeps the last lines, after the note", async () => {
    const engine = new PlaybookEngine(builtinActions());
    // Lines of 1000 letters, so the test spends its time on bytes rather than on lines.
    const cmd = `${letters(2 * CAP)} | fold -w 1000`;
    const result = await engine.run(`!!process.run cmd:"${cmd}"`, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    expect(result.output.startsWith(`${NOTE}\n`)).toBe(true);
    expect(result.output.length).toBeLessThanOrEqual(NOTE.length + 1 + CAP);
    expect(result.output.length).toBeGreaterThan(CAP - 1001);
    const kept = result.output.split("\n").slice(1);
    expect(kept.slice(0, -1).every((l) => l === "a".repeat(1000))).toBe(true);
    expect(kept.at(-1)).toBe("a".repeat((2 * CAP) % 1000));
  });
});

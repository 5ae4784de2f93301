// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${key} is heroscript placeholder syntax under test
// The playbook engine with the built-in actions: order, errors with lines, placeholders,
// includes, and the session environment.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  ActionRegistry,
  builtinActions,
  PlayAbortedError,
  PlaybookEngine,
  type PlayOptions,
} from "../../src/heroscript/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "heroscript-engine-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const engine = new PlaybookEngine(builtinActions());
const play = (script: string, options: PlayOptions = {}) =>
  engine.run(script, { baseDir: dir, ...options });

describe("running actions", () => {
  test("actions run in order and the output is what they printed", async () => {
    const printed: string[] = [];
    const result = await play(
      "!!play.echo one\n!!play.echo content:'\n    two\n    lines\n  '\n!!play.echo three",
      {
        print: (l) => printed.push(l),
      },
    );
    expect(result.output).toBe("one\ntwo\nlines\nthree");
    expect(printed).toEqual(["one", "two", "lines", "three"]);
  });

  test("handlers registered per actor.action", async () => {
    const seen: string[] = [];
    const registry = new ActionRegistry().register({
      name: "my.thing",
      summary: "test",
      run: (ctx) => {
        seen.push(`${ctx.params.getInt("n") * 2}`);
      },
    });
    await new PlaybookEngine(registry).run("!!my.thing n:21");
    expect(seen).toEqual(["42"]);
  });

  test("an unknown action fails before anything runs, naming it, its line and close names", async () => {
    const target = join(dir, "never.txt");
    await expect(play(`!!file.write path:'${target}' content:x\n\n!!play.ecko hi`)).rejects.toThrow(
      "line 3: !!play.ecko: unknown action (close names: play.echo)",
    );
    await expect(readFile(target)).rejects.toThrow(/ENOENT/);
  });

  test("a parameter the action does not take fails before anything runs, listing the known ones", async () => {
    const target = join(dir, "never-either.txt");
    await expect(
      play(`!!file.write path:'${target}' content:x\n!!play.echo\n  text:'hello'`),
    ).rejects.toThrow("line 3: !!play.echo: unknown parameter 'text' (known: content)");
    await expect(readFile(target)).rejects.toThrow(/ENOENT/);
    // Actions that take free-form keys (include passes them on) accept any.
    expect(
      new ActionRegistry()
        .register({ name: "free.form", summary: "t", run: () => {} })
        .get("free.form")?.params,
    ).toBe(undefined);
  });

  test("an unknown action with no close name lists the known actors", async () => {
    await expect(play("!!zzz.qqq")).rejects.toThrow(
      "line 1: !!zzz.qqq: unknown action (known actors: file, play, process, session)",
    );
  });

  test("the same action of another actor counts as close", async () => {
    await expect(play("!!core.echo hi")).rejects.toThrow("close names: play.echo");
  });

  test("actions of other kinds than !! are refused with the reason", async () => {
    await expect(play("!!play.echo a\n!!!play.echo b")).rejects.toThrow(
      "line 2: !!play.echo: only '!!' actions run; '!!!' actions are read but have no handlers",
    );
  });

  test("a failing action stops the run with its name and line; later actions do not run", async () => {
    const printed: string[] = [];
    await expect(
      play("!!play.echo before\n!!file.write content:x\n!!play.echo after", {
        print: (l) => printed.push(l),
      }),
    ).rejects.toThrow("line 2: !!file.write: missing parameter 'path'");
    expect(printed).toEqual(["before"]);
  });

  test("a parameter of the wrong type fails with the action, line and value", async () => {
    await expect(play("\n!!process.run cmd:true timeout:soon")).rejects.toThrow(
      "line 2: !!process.run: parameter 'timeout' must be a duration such as 30s, 5m, 1h30m or 500ms, got 'soon'",
    );
  });

  test("a syntax error fails the run with line and column", async () => {
    await expect(play("!!play.echo x:'open")).rejects.toThrow(
      "line 1, column 15: expected a closing '",
    );
  });

  test("an aborted signal stops the run between actions", async () => {
    const controller = new AbortController();
    const registry = builtinActions().register({
      name: "test.stop",
      summary: "aborts the run",
      run: () => controller.abort("timeout"),
    });
    const printed: string[] = [];
    const run = new PlaybookEngine(registry).run("!!play.echo a\n!!test.stop\n!!play.echo b", {
      signal: controller.signal,
      print: (l) => printed.push(l),
    });
    await expect(run).rejects.toBeInstanceOf(PlayAbortedError);
    expect(printed).toEqual(["a"]);
  });
});

describe("session environment and placeholders", () => {
  test("env_set values fill the three placeholder spellings in later actions", async () => {
    const result = await play(
      "!!session.env_set key:WHO val:world\n!!session.env_set key:greeting value:'hello there'\n" +
        "!!play.echo content:'@greeting, ${WHO} {WHO}'",
    );
    expect(result.output).toBe("hello there, world world");
  });

  test("the starting env (a job's env vars) fills placeholders", async () => {
    const result = await play("!!play.echo content:'region={REGION}'", { env: { REGION: "eu" } });
    expect(result.output).toBe("region=eu");
  });

  test("env_set_once keeps a value already set; env_set replaces it", async () => {
    const result = await play(
      "!!session.env_set_once key:A val:script\n!!session.env_set_once key:B val:script\n" +
        "!!session.env_set_once key:B val:again\n!!session.env_set key:C val:script\n!!play.echo '{A} {B} {C}'",
      { env: { A: "job", C: "job" } },
    );
    expect(result.output).toBe("job script script");
  });

  test("env_set without a value names what is missing", async () => {
    await expect(play("!!session.env_set key:A")).rejects.toThrow(
      "line 1: !!session.env_set: missing parameter 'val' or 'value'",
    );
  });

  test("unknown placeholders are left as written", async () => {
    expect((await play(`!!play.echo content:'{"a": 1} @nobody'`)).output).toBe('{"a": 1} @nobody');
  });
});

describe("play.include", () => {
  test("paths resolve relative to the including file; its arguments fill placeholders", async () => {
    await writeFile(
      join(dir, "main.hero"),
      "!!play.echo main\n!!play.include path:'sub/lib.hero' who:'the includer'",
    );
    await rm(join(dir, "sub"), { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(join(dir, "sub")));
    await writeFile(
      join(dir, "sub", "lib.hero"),
      "!!play.echo content:'lib for {who}'\n!!play.include path:more.hero",
    );
    await writeFile(join(dir, "sub", "more.hero"), "!!play.echo content:'more (next to lib)'");
    const result = await engine.runFile(join(dir, "main.hero"));
    expect(result.output).toBe("main\nlib for the includer\nmore (next to lib)");
  });

  test("each path runs once, even through a cycle", async () => {
    await writeFile(
      join(dir, "a.hero"),
      "!!play.echo a\n!!play.include path:b.hero\n!!play.include path:b.hero",
    );
    await writeFile(join(dir, "b.hero"), "!!play.echo b\n!!play.include path:a.hero");
    const logs: string[] = [];
    const result = await engine.runFile(join(dir, "a.hero"), { log: (l) => logs.push(l) });
    expect(result.output).toBe("a\nb");
    expect(logs.filter((l) => l.includes("already included"))).toHaveLength(2);
  });

  test("a folder includes its .hero and .heroscript files in name order", async () => {
    const fs = await import("node:fs/promises");
    await fs.mkdir(join(dir, "lib"));
    await writeFile(join(dir, "lib", "2.heroscript"), "!!play.echo two");
    await writeFile(join(dir, "lib", "1.hero"), "!!play.echo one");
    await writeFile(join(dir, "lib", "notes.txt"), "!!play.echo never");
    expect((await play("!!play.include path:lib")).output).toBe("one\ntwo");
  });

  test("an error in an included file names the include line and the file's own line", async () => {
    await writeFile(join(dir, "bad.hero"), "!!play.echo fine\n!!nope.action");
    await expect(play("!!play.echo x\n!!play.include path:bad.hero")).rejects.toThrow(
      `line 2: !!play.include: ${join(dir, "bad.hero")} line 2: !!nope.action: unknown action`,
    );
  });

  test("a folder's Markdown files count too: their actions run, their prose does not", async () => {
    const fs = await import("node:fs/promises");
    await fs.mkdir(join(dir, "docs"));
    await writeFile(
      join(dir, "docs", "setup.md"),
      "# Setup\n\nSome prose, then:\n\n!!play.echo from markdown\n\n![a picture](x.png)\n",
    );
    await writeFile(join(dir, "docs", "z.hero"), "!!play.echo from hero");
    expect((await play("!!play.include path:docs")).output).toBe("from markdown\nfrom hero");
  });

  test("replace:'k:v,...' fills @k, ${k} and {k} in the included text before it is read", async () => {
    await writeFile(
      join(dir, "tpl.hero"),
      "!!play.echo content:'@NAME in ${REGION}, {NAME} again'\n!!play.@VERB content:made",
    );
    const result = await play(
      "!!play.include path:tpl.hero replace:'NAME:web1,REGION:eu,VERB:echo'",
    );
    // The action's name itself came from the replacement: it happens before reading.
    expect(result.output).toBe("web1 in eu, web1 again\nmade");
  });

  test("the top-level script can be filled before it is read, as playbook.new(replace:)", async () => {
    const result = await play("!!play.@verb content:'{who} here'", {
      replace: { verb: "echo", who: "ops" },
    });
    expect(result.output).toBe("ops here");
    await writeFile(join(dir, "top.hero"), "!!play.echo content:'${who} from a file'");
    const fromFile = await engine.runFile("top.hero", { baseDir: dir, replace: { who: "ops" } });
    expect(fromFile.output).toBe("ops from a file");
  });

  test("git_url is refused with what to do instead", async () => {
    await expect(play("!!play.include git_url:'https://example.com/r.git'")).rejects.toThrow(
      "line 1: !!play.include: git_url is not supported here: clone the repository first and include it by path",
    );
  });

  test("a missing file is a clear error", async () => {
    await expect(play("!!play.include path:missing.hero")).rejects.toThrow(
      "line 1: !!play.include: cannot include 'missing.hero': no such file or folder",
    );
  });
});

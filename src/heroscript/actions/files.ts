// `file.*`: small file operations. Relative paths resolve against the folder of the script
// that holds the action (for a job's payload: the runner's working folder).
import { appendFile, cp, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { ActionDefinition, PlayContext } from "../registry.js";

function pathParam(ctx: PlayContext, key: string): string {
  const path = ctx.params.get(key);
  if (path === "") throw new Error(`parameter '${key}' must not be empty`);
  return resolve(ctx.baseDir, path);
}

export const fileActions: ActionDefinition[] = [
  {
    name: "file.write",
    params: ["path", "content", "append", "newline"],
    summary:
      "writes `content` to `path` (creating folders); `append:true` adds to the end; `newline:true` ends it with a newline",
    async run(ctx) {
      const path = pathParam(ctx, "path");
      // Values never end in a newline (they are trimmed, as upstream's): ask for one.
      const newline = ctx.params.getBool("newline", false);
      const content = ctx.params.get("content") + (newline ? "\n" : "");
      const append = ctx.params.getBool("append", false);
      await mkdir(dirname(path), { recursive: true });
      await (append ? appendFile(path, content) : writeFile(path, content));
      ctx.log(`${append ? "appended" : "wrote"} ${Buffer.byteLength(content)} bytes to ${path}`);
    },
  },
  {
    name: "file.read",
    params: ["path"],
    summary: "prints the content of `path`",
    async run(ctx) {
      ctx.print(await readFile(pathParam(ctx, "path"), "utf8"));
    },
  },
  {
    name: "file.copy",
    params: ["source", "dest"],
    summary: "copies `source` to `dest` (folders with their content)",
    async run(ctx) {
      const source = pathParam(ctx, "source");
      const dest = pathParam(ctx, "dest");
      await mkdir(dirname(dest), { recursive: true });
      await cp(source, dest, { recursive: true, errorOnExist: false });
    },
  },
  {
    name: "file.move",
    params: ["source", "dest"],
    summary: "moves (renames) `source` to `dest`",
    async run(ctx) {
      const dest = pathParam(ctx, "dest");
      await mkdir(dirname(dest), { recursive: true });
      await rename(pathParam(ctx, "source"), dest);
    },
  },
  {
    name: "file.delete",
    params: ["path"],
    summary: "deletes `path` (a folder with its content); nothing to delete is fine",
    async run(ctx) {
      await rm(pathParam(ctx, "path"), { recursive: true, force: true });
    },
  },
  {
    name: "file.mkdir",
    params: ["path"],
    summary: "creates the folder `path` and its parents",
    async run(ctx) {
      await mkdir(pathParam(ctx, "path"), { recursive: true });
    },
  },
];

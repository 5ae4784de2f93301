// The console's files, served by the supervisor itself: the console folder at the project
// root, the job's canonical form from dist/job (the browser signs the very bytes the
// runners verify), @noble's ESM files from node_modules (the curve the console signs
// with), uPlot's ESM build and stylesheet (the overview's charts) and dagre's ESM file (the
// flow graph's layout): never from a CDN.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root: src/supervisor and dist/supervisor both sit two levels below it. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Where a package lives: node_modules here or in a folder above (an installed package). */
function packageDir(name: string): string | undefined {
  let dir = PROJECT_ROOT;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface StaticFile {
  body: Buffer;
  type: string;
}

/** URL prefix -> folder on disk, and which extensions it may serve. */
interface Mount {
  prefix: string;
  dir: string;
  extensions: ReadonlySet<string>;
  /** When set, only these files (the rest of the folder is not meant for browsers). */
  only?: ReadonlySet<string>;
}

export class StaticFiles {
  private readonly mounts: Mount[];

  constructor(consoleDir = join(PROJECT_ROOT, "console")) {
    const js = new Set([".js", ".mjs"]);
    const mounts: (Mount | undefined)[] = [
      { prefix: "/console/", dir: consoleDir, extensions: new Set(Object.keys(TYPES)) },
      {
        prefix: "/lib/job/",
        dir: join(PROJECT_ROOT, "dist", "job"),
        extensions: js,
        // Pure code only: the rest of dist/job imports node: modules.
        only: new Set(["canonical.js"]),
      },
      ...["@noble/curves", "@noble/hashes"].map((name) => {
        const dir = packageDir(name);
        return dir ? { prefix: `/vendor/${name}/`, dir, extensions: js } : undefined;
      }),
      ...[packageDir("uplot")].map((dir) =>
        dir
          ? {
              prefix: "/vendor/uplot/",
              dir,
              extensions: new Set([".js", ".css"]),
              only: new Set(["dist/uPlot.esm.js", "dist/uPlot.min.css"]),
            }
          : undefined,
      ),
      // The flow graph's layout (console/pages/flows.js): its one self-contained ESM file.
      ...["@dagrejs/dagre"].map((name) => {
        const dir = packageDir(name);
        return dir
          ? {
              prefix: `/vendor/${name}/`,
              dir,
              extensions: js,
              only: new Set(["dist/dagre.esm.js"]),
            }
          : undefined;
      }),
    ];
    this.mounts = mounts.filter((m): m is Mount => m !== undefined);
  }

  /** The file for a URL path, or undefined (not mounted, outside its folder, missing). */
  async read(urlPath: string): Promise<StaticFile | undefined> {
    let path: string;
    try {
      path = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (path === "/console" || path === "/console/") path = "/console/index.html";
    for (const mount of this.mounts) {
      if (!path.startsWith(mount.prefix)) continue;
      const ext = extname(path);
      if (!mount.extensions.has(ext)) return undefined;
      if (mount.only && !mount.only.has(path.slice(mount.prefix.length))) return undefined;
      const file = resolve(mount.dir, `.${sep}${path.slice(mount.prefix.length)}`);
      // `..` in the path must never reach outside the mounted folder.
      if (!file.startsWith(`${resolve(mount.dir)}${sep}`)) return undefined;
      try {
        return { body: await readFile(file), type: TYPES[ext] ?? "application/octet-stream" };
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
}

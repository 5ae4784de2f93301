// Loading a host module file, the same way in the worker and on the main thread.

import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { HostModule } from "../host/index.js";
import { coerceError } from "../util/index.js";

/** A host module file that does not have the expected shape. */
export class HostModuleError extends Error {
  override readonly name = "HostModuleError";
}

/** Imports `href` and checks that its default export looks like a `HostModule`. */
export async function loadHostModule(href: string): Promise<HostModule> {
  let imported: { default?: unknown };
  try {
    imported = (await import(href)) as { default?: unknown };
  } catch (e) {
    throw new HostModuleError(`cannot load host module ${href}: ${coerceError(e).message}`, {
      cause: e,
    });
  }
  const m = imported.default as Partial<HostModule> | undefined;
  if (m === undefined || m === null || typeof m !== "object") {
    throw new HostModuleError(`host module ${href} has no default export`);
  }
  if (typeof m.name !== "string" || m.name === "" || !Array.isArray(m.functions)) {
    throw new HostModuleError(`host module ${href} must export { name, functions }`);
  }
  m.functions.forEach((f, i) => {
    const where = `host module ${m.name}, function ${i} (${String(f?.name)})`;
    if (typeof f?.name !== "string" || f.name === "") {
      throw new HostModuleError(`${where}: missing name`);
    }
    if (!Array.isArray(f.params)) throw new HostModuleError(`${where}: params must be an array`);
    if (f.side !== "worker" && f.side !== "main") {
      throw new HostModuleError(`${where}: side must be "worker" or "main"`);
    }
    if (typeof f.run !== "function") throw new HostModuleError(`${where}: run must be a function`);
  });
  return m as HostModule;
}

/**
 * Normalises a module location (URL object, URL string, or absolute file path) to the href
 * both sides import.
 */
export function moduleHref(url: string | URL): string {
  if (typeof url === "string" && isAbsolute(url)) return pathToFileURL(url).href;
  try {
    return new URL(url).href;
  } catch {
    throw new HostModuleError(
      `host module location must be a URL or an absolute path (got ${JSON.stringify(String(url))})`,
    );
  }
}

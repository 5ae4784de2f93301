// Public surface of the SAL host modules: each module, the list a runner registers, and the
// reference page rendered from their declarations.

import type { HostModule } from "../sandbox/index.js";
import netModule from "./net/index.js";
import osModule from "./os/index.js";
import postgresModule from "./postgres/index.js";
import processModule from "./process/index.js";
import redisModule from "./redis/index.js";
import textModule from "./text/index.js";

export { CommandBuilder } from "./process/builder.js";
export { renderSalReference } from "./reference.js";
export { TemplateBuilder } from "./text/index.js";
export { netModule, osModule, postgresModule, processModule, redisModule, textModule };

/** Every SAL module, in the order the reference page lists them. */
export const salModules: HostModule[] = [
  osModule,
  processModule,
  netModule,
  redisModule,
  postgresModule,
  textModule,
];

/**
 * Where each module's file lives, for a sandbox that loads host modules into its worker by
 * URL (each file's default export is the module).
 */
export const salModuleUrls: readonly URL[] = [
  new URL("./os/index.js", import.meta.url),
  new URL("./process/index.js", import.meta.url),
  new URL("./net/index.js", import.meta.url),
  new URL("./redis/index.js", import.meta.url),
  new URL("./postgres/index.js", import.meta.url),
  new URL("./text/index.js", import.meta.url),
];

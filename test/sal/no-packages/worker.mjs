// The real sandbox worker entry (dist/sandbox/worker.js) with ./hooks.mjs registered first,
// so that any npm package the worker or its host modules import stops it from starting.
import { register } from "node:module";

register(new URL("./hooks.mjs", import.meta.url));
await import(new URL("../../../dist/sandbox/worker.js", import.meta.url).href);
